package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;

/**
 * A rewrite's {@code --rate-limit}, kept at two points: before each read (on the reader's thread, {@link #beforeRead})
 * and before each batch's writes (on the planning thread, {@link #beforeWrite}, after {@link #landed}). The limit
 * holds over any second, not on average since the start (tester session 35 R19 M3, R20 N1):
 * <ul>
 *   <li>the reads keep a schedule with at most a quarter second of credit: behind it by more (a paused or busy
 *       server, retries), it starts again from now instead of running unthrottled until it has caught up;</li>
 *   <li>consecutive batches land at least their size over the rate apart: a pause of the server's writes holds up
 *       the batch in flight and the pages read meanwhile, which otherwise landed together when it ended. The rewrite
 *       so runs a little under the limit, by the share of a batch's time its writes take.</li>
 * </ul>
 * Every wait is in slices of at most 100 ms and ends early when a stop is requested.
 */
final class RatePacer {
    /**
     * How far behind the read schedule the rewrite may be and still catch up at full speed: beyond it, the schedule
     * starts again from now, so a stall is followed by at most a quarter second of the rate above it.
     */
    static final long MAX_CREDIT_NANOS = 250_000_000L;

    private final int docsPerSecond;
    private final StopSignal stop;
    /** The read schedule: {@link #readDocuments} documents read by then, from then on at the rate. */
    private long readFrom = -1;
    private long readDocuments;
    /** When the last batch landed (System.nanoTime; -1 before the first), and its documents. */
    private volatile long landedAt = -1;
    private volatile long landedDocuments;

    /** A pacer for {@code docsPerSecond} (0: no limit, every wait returns at once). */
    RatePacer(int docsPerSecond, StopSignal stop) {
        this.docsPerSecond = docsPerSecond;
        this.stop = stop;
    }

    /** Whether there is a limit to keep. */
    boolean limited() {
        return docsPerSecond > 0;
    }

    /**
     * Waits, on the reader's thread, until the rate allows reading more than {@code documents} documents, on a
     * schedule that began at {@code started} (System.nanoTime) at the latest.
     */
    void beforeRead(long started, long documents) {
        if (!limited()) {
            return;
        }
        if (readFrom < 0) {
            readFrom = started;
        }
        long now = System.nanoTime();
        long expectedNanos = (documents - readDocuments) * 1_000_000_000L / docsPerSecond;
        if (now - readFrom - expectedNanos > MAX_CREDIT_NANOS) { // a stall: the time lost is not made up
            readFrom = now - MAX_CREDIT_NANOS;
            readDocuments = documents;
            expectedNanos = 0;
        }
        sleepUntil(readFrom + expectedNanos);
    }

    /** A batch of {@code documents} has landed (its writes are answered), now. */
    void landed(long documents) {
        landedAt = System.nanoTime();
        landedDocuments = documents;
    }

    /** Waits until the last batch to land has had its time at the rate, before the next one's writes go. */
    void beforeWrite() {
        if (!limited() || landedAt < 0) {
            return;
        }
        sleepUntil(landedAt + landedDocuments * 1_000_000_000L / docsPerSecond);
    }

    private void sleepUntil(long deadline) {
        long ahead;
        // in slices, so that a stop requested meanwhile is not kept waiting for a slow rate's whole pause
        while ((ahead = deadline - System.nanoTime()) > 0 && !stop.isRequested()) {
            try {
                Thread.sleep(Math.min(ahead / 1_000_000, 100), (int) (ahead % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted; re-run to resume.");
            }
        }
    }
}
