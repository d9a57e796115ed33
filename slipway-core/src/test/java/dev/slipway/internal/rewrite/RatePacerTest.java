package dev.slipway.internal.rewrite;

import dev.slipway.api.StopSignal;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RatePacerTest {
    @Test
    void theNextBatchWaitsForTheLastOnesTimeAtTheRateSinceItWasSent() {
        RatePacer pacer = new RatePacer(1000, new StopSignal());
        long begin = System.nanoTime();
        pacer.beforeWrite(100); // a tenth of a second's worth, sent at once
        pacer.landed(100);

        pacer.beforeWrite(100);

        assertThat(System.nanoTime() - begin).as("waited about 100 ms").isBetween(90_000_000L, 500_000_000L);
    }

    /**
     * A batch of 600 at 1,000 a second waits until the one before is a second old, not only its 600 ms: both
     * would land within a second (batches of just under the rate made twice the rate in a second, session 38).
     */
    @Test
    void theBatchesOfAnySecondHoldAtMostTheRate() {
        RatePacer pacer = new RatePacer(1000, new StopSignal());
        pacer.landed(600);

        long begin = System.nanoTime();
        pacer.beforeWrite(600);

        assertThat(System.nanoTime() - begin).as("waited about a second").isGreaterThanOrEqualTo(950_000_000L);
    }

    @Test
    void batchesThatFitInASecondWaitOnlyTheirSpacing() {
        RatePacer pacer = new RatePacer(1000, new StopSignal());
        long begin = System.nanoTime();
        pacer.beforeWrite(300);
        pacer.landed(300);

        pacer.beforeWrite(300);

        assertThat(System.nanoTime() - begin).as("about 300 ms").isBetween(290_000_000L, 700_000_000L);
    }

    /**
     * A read waits until a batch the size of the last one would fit in the second: read earlier, its documents would
     * wait for the rate inside their write watch windows.
     */
    @Test
    void aReadWaitsUntilTheNextBatchWouldFit() {
        RatePacer pacer = new RatePacer(1000, new StopSignal());
        long started = System.nanoTime();
        pacer.passBegins();
        pacer.beforeRead(started, 0);
        pacer.landed(600); // the first batch, 600 documents, landed

        pacer.beforeRead(started, 600);

        assertThat(System.nanoTime() - started).as("about a second").isGreaterThanOrEqualTo(950_000_000L);
    }

    /**
     * A read waits for the batch before it to land when both would not fit in a second: with the second before
     * empty, it went at once, and its documents waited for the rate inside their windows (session 39 R28).
     */
    @Test
    void aReadWaitsForTheBatchInFlightWhenBothWouldNotFit() throws Exception {
        RatePacer pacer = new RatePacer(1000, new StopSignal());
        long started = System.nanoTime();
        pacer.passBegins();
        pacer.beforeRead(started, 0);
        java.util.concurrent.CompletableFuture<Long> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            pacer.beforeRead(started, 600); // 600 handed over, none landed
            return System.nanoTime();
        });

        Thread.sleep(800); // past the read schedule's 600 ms
        assertThat(read).as("still waiting for the batch in flight").isNotDone();
        long landed = System.nanoTime();
        pacer.landed(600);

        assertThat(read.get(5, java.util.concurrent.TimeUnit.SECONDS) - landed).as("a second after it landed")
                .isGreaterThanOrEqualTo(950_000_000L);
    }

    @Test
    void aReadAfterAStallGetsAtMostTheCreditNotTheTimeLost() {
        RatePacer pacer = new RatePacer(1000, new StopSignal());
        long started = System.nanoTime() - 5_000_000_000L; // the schedule began 5 s ago: a stall since

        long begin = System.nanoTime();
        pacer.beforeRead(started, 0); // nothing read yet: goes at once, the schedule restarted with its credit
        pacer.beforeRead(started, 200); // 200 ms of reads, less the 250 ms of credit: goes at once
        pacer.beforeRead(started, 500); // 500 ms, less the credit: waits about 250 ms, not nothing as before

        assertThat(System.nanoTime() - begin).isGreaterThanOrEqualTo(200_000_000L);
    }

    @Test
    void aStopEndsTheWait() {
        StopSignal stop = new StopSignal();
        RatePacer pacer = new RatePacer(1, stop);
        pacer.landed(60); // a minute's worth
        stop.request("test");

        long begin = System.nanoTime();
        pacer.beforeWrite(100);

        assertThat(System.nanoTime() - begin).isLessThan(1_000_000_000L);
    }

    @Test
    void withoutALimitNothingWaits() {
        RatePacer pacer = new RatePacer(0, new StopSignal());
        pacer.landed(1_000_000);

        long begin = System.nanoTime();
        pacer.beforeWrite(100);
        pacer.beforeRead(begin, 1_000_000);

        assertThat(System.nanoTime() - begin).isLessThan(1_000_000_000L);
    }
}
