package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * A rewrite's {@code --rate-limit}, kept at two points: before each read (on the reader's thread, {@link #beforeRead})
 * and before each batch's writes (on the planning thread, {@link #beforeWrite}, after {@link #landed}). The limit
 * holds over any second, not on average since the start (tester session 35 R19 M3, R20 N1):
 * <ul>
 *   <li>the batches that landed within the last second and the next one hold at most the rate: a batch waits until
 *       enough of the earlier ones are more than a second old. Without it, batches of just under the rate, each
 *       waiting only its own size over the rate after the one before, landed two within a second (998 documents at
 *       500 a second, a clean-clone CI run of {@code RateLimitIT} in session 38);</li>
 *   <li>consecutive batches land at least their size over the rate apart, which spreads the batches of a second
 *       over it: a pause of the server's writes holds up the batch in flight, which otherwise landed together with
 *       the next ones when it ended. The rewrite so runs a little under the limit, by the share of a batch's time its
 *       writes take;</li>
 *   <li>the reads keep a schedule with at most a quarter second of credit (behind it by more, after a paused or busy
 *       server or retries, it starts again from now instead of running unthrottled until it has caught up), and a
 *       read also waits until the last second's batches, the documents read and not landed yet, and a batch the size
 *       of the last one fit in the rate: so a page is not read long before its writes may go, and its documents do
 *       not wait for the rate inside their write watch windows (tester session 25 F2, see
 *       {@link BatchReader#pacedBy}).</li>
 * </ul>
 * Every wait is in slices of at most 100 ms and ends early when a stop is requested.
 */
final class RatePacer {
    /**
     * How far behind the read schedule the rewrite may be and still catch up at full speed: beyond it, the schedule
     * starts again from now, so a stall is followed by at most a quarter second of the rate above it.
     */
    static final long MAX_CREDIT_NANOS = 250_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private final int docsPerSecond;
    private final StopSignal stop;
    /** The read schedule (reader's thread): {@link #readDocuments} documents read by then, from then on at the rate. */
    private long readFrom = -1;
    private long readDocuments;
    /** The documents handed over by the pass at the last read, and the size of the last batch (reader's thread). */
    private long handedBefore;
    private long lastBatch;
    /** When the last batch landed (System.nanoTime; -1 before the first), and its documents. */
    private volatile long landedAt = -1;
    private volatile long landedDocuments;
    /** The batches landed within the last second, oldest first: when (System.nanoTime) and their documents. */
    private final ArrayDeque<long[]> lastSecond = new ArrayDeque<>();
    private long inLastSecond;
    /** The documents landed since the current pass began ({@link #passBegins}). */
    private long landedThisPass;

    /** A pacer for {@code docsPerSecond} (0: no limit, every wait returns at once). */
    RatePacer(int docsPerSecond, StopSignal stop) {
        this.docsPerSecond = docsPerSecond;
        this.stop = stop;
    }

    /** Whether there is a limit to keep. */
    boolean limited() {
        return docsPerSecond > 0;
    }

    /** A pass begins: its reader counts the documents it hands over from 0. */
    synchronized void passBegins() {
        landedThisPass = 0;
        handedBefore = 0;
    }

    /**
     * Waits, on the reader's thread, until the rate allows reading more than {@code documents} documents (handed over
     * by this pass so far), on a schedule that began at {@code started} (System.nanoTime) at the latest.
     */
    void beforeRead(long started, long documents) {
        if (!limited()) {
            return;
        }
        if (readFrom < 0) {
            readFrom = started;
        }
        long now = System.nanoTime();
        long expectedNanos = (documents - readDocuments) * SECOND / docsPerSecond;
        if (now - readFrom - expectedNanos > MAX_CREDIT_NANOS) { // a stall: the time lost is not made up
            readFrom = now - MAX_CREDIT_NANOS;
            readDocuments = documents;
            expectedNanos = 0;
        }
        long scheduled = readFrom + expectedNanos;
        sleepUntil(() -> scheduled);
        if (documents > handedBefore) {
            lastBatch = Math.min(docsPerSecond, documents - handedBefore);
        }
        handedBefore = documents;
        sleepUntil(() -> roomFor(unlanded(documents) + lastBatch));
    }

    /** A batch of {@code documents} has landed (its writes are answered), now. */
    synchronized void landed(long documents) {
        long now = System.nanoTime();
        landedAt = now;
        landedDocuments = documents;
        lastSecond.addLast(new long[]{now, documents});
        inLastSecond += documents;
        landedThisPass += documents;
    }

    /**
     * Waits until the last batch to land has had its time at the rate, and the batches landed within a second hold
     * room for {@code documents} more, before the next batch's writes go.
     */
    void beforeWrite(long documents) {
        if (!limited()) {
            return;
        }
        long spaced = landedAt < 0 ? 0 : landedAt + landedDocuments * SECOND / docsPerSecond;
        sleepUntil(() -> spaced);
        sleepUntil(() -> roomFor(documents));
    }

    private synchronized long unlanded(long handedOver) {
        return Math.max(0, handedOver - landedThisPass);
    }

    /**
     * When the batches landed within the second before it leave room for {@code documents} more (System.nanoTime):
     * the time the oldest ones that must go are a second old, now if there is room, and when the last one is a
     * second old if even no batch at all leaves too little (more than the rate, which waits for an empty second).
     */
    synchronized long roomFor(long documents) {
        long now = System.nanoTime();
        while (!lastSecond.isEmpty() && lastSecond.peekFirst()[0] + SECOND <= now) {
            inLastSecond -= lastSecond.removeFirst()[1];
        }
        long total = inLastSecond + documents;
        long at = now;
        for (long[] batch : lastSecond) {
            if (total <= docsPerSecond) {
                break;
            }
            total -= batch[1];
            at = batch[0] + SECOND;
        }
        return at;
    }

    /** Sleeps until {@code deadline} (System.nanoTime, asked again after each slice) or a stop is requested. */
    private void sleepUntil(LongSupplier deadline) {
        long ahead;
        // in slices, so that a stop requested meanwhile is not kept waiting for a slow rate's whole pause
        while ((ahead = deadline.getAsLong() - System.nanoTime()) > 0 && !stop.isRequested()) {
            try {
                Thread.sleep(Math.min(ahead / 1_000_000, 100), (int) (ahead % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted; re-run to resume.");
            }
        }
    }
}
