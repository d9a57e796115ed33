package dev.slipway.internal.apply;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The attributes a FILTER expression names, which the plan's count loads from the documents. */
class FilterCountTest {
    @Test
    void everyAttributeTheExpressionNamesIsLoadedOnce() {
        assertThat(FilterCount.attributes("@kind=='a' && (@price > 10 || exists(@extra)) && @kind!='b'"))
                .containsExactly("kind", "price", "extra");
        assertThat(FilterCount.attributes("startswith(@__key, \"item:1\")")).containsExactly("__key");
        assertThat(FilterCount.attributes("1 == 1")).isEmpty();
    }
}
