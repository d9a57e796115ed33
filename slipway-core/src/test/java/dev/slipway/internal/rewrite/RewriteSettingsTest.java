package dev.slipway.internal.rewrite;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a rate limit sizes a rewrite's batches. */
class RewriteSettingsTest {
    private static int batch(int batchSize, int rate) {
        return new RewriteSettings(batchSize, rate).batchSize();
    }

    @Test
    void withoutALimitTheBatchSizeStays() {
        assertThat(batch(500, 0)).isEqualTo(500);
        assertThat(batch(7, 0)).isEqualTo(7);
    }

    @Test
    void aBatchLargerThanTheRateIsOneSecondOfIt() {
        assertThat(batch(1000, 200)).isEqualTo(200);
        assertThat(batch(500, 500)).isEqualTo(500);
    }

    /** A second holds the rate in whole batches: 300 at 500 a second would make 300 a second. */
    @Test
    void aSmallerBatchIsAWholeFractionOfTheRate() {
        assertThat(batch(300, 500)).isEqualTo(250);
        assertThat(batch(499, 500)).isEqualTo(250);
        assertThat(batch(50, 250)).isEqualTo(50);
        assertThat(batch(500, 10_000)).isEqualTo(500);
        assertThat(batch(500, 1200)).isEqualTo(400);
        assertThat(batch(1, 3)).isEqualTo(1);
    }
}
