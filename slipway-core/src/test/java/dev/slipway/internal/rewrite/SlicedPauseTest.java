package dev.slipway.internal.rewrite;

import dev.slipway.api.StopSignal;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SlicedPauseTest {
    @Test
    void sleepsUntilTheDeadline() {
        long begin = System.nanoTime();
        long deadline = begin + 150_000_000L;

        boolean uninterrupted = SlicedPause.until(() -> deadline, new StopSignal());

        assertThat(uninterrupted).isTrue();
        assertThat(System.nanoTime()).isGreaterThanOrEqualTo(deadline);
    }

    @Test
    void aStopRequestedMeanwhileEndsTheWaitWithinASlice() {
        StopSignal stop = new StopSignal();
        long begin = System.nanoTime();
        CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS).execute(() -> stop.request("test"));

        boolean uninterrupted = SlicedPause.until(() -> begin + 10_000_000_000L, stop);

        assertThat(uninterrupted).isTrue();
        assertThat(System.nanoTime() - begin).as("well before the 10 s deadline").isLessThan(2_000_000_000L);
    }

    @Test
    void anInterruptEndsTheWaitAndKeepsTheFlag() {
        Thread.currentThread().interrupt();
        try {
            boolean uninterrupted = SlicedPause.until(() -> System.nanoTime() + 10_000_000_000L, new StopSignal());

            assertThat(uninterrupted).isFalse();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
