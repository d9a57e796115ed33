package dev.slipway.bench.zerodowntime;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Spaces operations of one thread evenly at a target rate. A thread that fell behind (a slow reply) does not
 * burst to catch up: the schedule restarts from now, so the offered load stays constant instead of piling up.
 */
final class RatePacer {
    private final long intervalNanos;
    private long next = System.nanoTime();

    /** A pacer for {@code perSecond} operations a second; 0 means as fast as possible. */
    RatePacer(int perSecond) {
        this.intervalNanos = perSecond <= 0 ? 0 : 1_000_000_000L / perSecond;
    }

    /** Waits for the next slot, returning early when {@code stop} becomes true. */
    void awaitNext(BooleanSupplier stop) {
        if (intervalNanos == 0) {
            return;
        }
        long now = System.nanoTime();
        next = Math.max(next + intervalNanos, now);
        while (!stop.getAsBoolean()) {
            long wait = next - System.nanoTime();
            if (wait <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(wait, 50_000_000L));
        }
    }
}
