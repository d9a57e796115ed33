package dev.slipway.internal.rewrite;

import dev.slipway.api.StopSignal;

import java.util.function.LongSupplier;

/**
 * A pause of the rewrite that a stop request cuts short: it sleeps in slices of at most 100 ms and looks at the
 * {@link StopSignal} between them, so a stop is not kept waiting for a slow rate's or a retry's whole pause. Shared by
 * the rate limit ({@link RatePacer}) and the retries' backoff ({@link WorkerPool}).
 */
final class SlicedPause {
    private static final long SLICE_NANOS = 100_000_000L;

    private SlicedPause() {
    }

    /**
     * Sleeps until {@code deadline} (System.nanoTime, asked again after each slice, so it may move), until a stop is
     * requested, or until the thread is interrupted. Returns false when interrupted, with the thread's interrupt flag
     * set again; the caller decides what that means.
     */
    static boolean until(LongSupplier deadline, StopSignal stop) {
        long ahead;
        while ((ahead = deadline.getAsLong() - System.nanoTime()) > 0 && !stop.isRequested()) {
            long slice = Math.min(ahead, SLICE_NANOS);
            try {
                Thread.sleep(slice / 1_000_000, (int) (slice % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !Thread.currentThread().isInterrupted();
    }
}
