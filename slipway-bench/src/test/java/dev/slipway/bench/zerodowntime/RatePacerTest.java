package dev.slipway.bench.zerodowntime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RatePacerTest {

    @Test
    void spacesOperationsAtTheRate() {
        RatePacer pacer = new RatePacer(100);
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            pacer.awaitNext(() -> false);
        }
        assertThat((System.nanoTime() - start) / 1_000_000).as("10 slots at 100/s").isGreaterThanOrEqualTo(95);
    }

    @Test
    void returnsAtOnceWhenStoppedOrUnthrottled() {
        long start = System.nanoTime();
        RatePacer slow = new RatePacer(1);
        slow.awaitNext(() -> true);
        RatePacer unthrottled = new RatePacer(0);
        for (int i = 0; i < 1_000; i++) {
            unthrottled.awaitNext(() -> false);
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(500);
    }
}
