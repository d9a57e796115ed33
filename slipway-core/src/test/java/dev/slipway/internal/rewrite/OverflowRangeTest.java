package dev.slipway.internal.rewrite;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OverflowRangeTest {
    @Test
    void eachHalfWidthTypeNamesItsOwnRange() {
        assertThat(RewriteSummary.range("FLOAT16")).isEqualTo("FLOAT16's range (at most ±65504)");
        assertThat(RewriteSummary.range("BFLOAT16")).isEqualTo("BFLOAT16's range (at most about ±3.39e38)");
        assertThat(RewriteSummary.range("FLOAT64")).isEqualTo("FLOAT64's range");
    }
}
