package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.internal.redis.LiveIndexReader;

/**
 * Waiting for an index's initial scan ({@code FT.INFO} until it reports every document indexed): from 5 ms between
 * looks, doubling to 50 ms, for an hour at most, honouring a stop request between looks. Used by the rollback's
 * rebuild of the source index and by the {@link FilterScope}'s throwaway index.
 */
final class IndexingWait {
    private static final long LIMIT_NANOS = 3_600_000_000_000L;

    private IndexingWait() {
    }

    /**
     * Waits until index {@code name} has indexed every document, running {@code look} before each pause.
     *
     * @param stopped  the message of a stop requested meanwhile
     * @param timedOut the message when it is still indexing after an hour ({@link ErrorCode#TIMEOUT})
     * @return false when the thread was interrupted (its flag set again), true once the index is complete
     */
    static boolean untilIndexed(LiveIndexReader reader, String name, StopSignal stop, String stopped,
                                String timedOut, Runnable look) {
        long pause = 5;
        long deadline = System.nanoTime() + LIMIT_NANOS;
        while (!reader.read(name).stats().fullyIndexed()) {
            look.run();
            stop.stopHereIfRequested(stopped);
            if (System.nanoTime() > deadline) {
                throw new SlipwayException(ErrorCode.TIMEOUT, timedOut);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            pause = Math.min(pause * 2, 50); // a look that comes with it (memory) must keep up with a fast build
        }
        return true;
    }
}
