package dev.slipway.bench.zerodowntime;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the load threads of one migration share: when to stop (a flag, and a deadline as a safety bound), how many
 * documents are known to exist (the writer raises it after each acknowledged insert, queries read it just before
 * they are sent), and a latch that opens once every thread has done its first operation.
 */
final class LoadWindow {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final long deadlineNanos;
    private final AtomicLong knownDocs;
    private final CountDownLatch ready;
    private volatile long migrationStartNanos;

    LoadWindow(long maxNanos, long initialDocs, int threads) {
        this.deadlineNanos = System.nanoTime() + maxNanos;
        this.knownDocs = new AtomicLong(initialDocs);
        this.ready = new CountDownLatch(threads);
        this.migrationStartNanos = System.nanoTime();
    }

    /** True once the window was closed or its deadline passed. */
    boolean over() {
        return stop.get() || System.nanoTime() - deadlineNanos > 0;
    }

    void close() {
        stop.set(true);
    }

    long knownDocs() {
        return knownDocs.get();
    }

    void insertAcknowledged() {
        knownDocs.incrementAndGet();
    }

    /** Called by each load thread after its first operation. */
    void threadReady() {
        ready.countDown();
    }

    /** Waits until every load thread has started, at most the given seconds. */
    boolean awaitReady(long seconds) throws InterruptedException {
        return ready.await(seconds, TimeUnit.SECONDS);
    }

    /** Marks the start of the migration; failure times are reported relative to it. */
    void migrationStarted() {
        migrationStartNanos = System.nanoTime();
    }

    /** Seconds from the start of the migration to the given instant (negative before it). */
    double secondsSinceMigrationStart(long nanos) {
        return Math.round((nanos - migrationStartNanos) / 1e6) / 1e3;
    }
}
