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
 *   <li>consecutive batches are sent at least their size over the rate apart, which spreads the batches of a second
 *       over it. Counted from when the last one landed (session 35), the time its writes took was added to each
 *       batch's: the reads, on the rate's schedule, drew ahead of the writes, a page read waited for its write
 *       inside its windows (0.3 s at 500 a second in batches of about 150, tester session 39 R28), and batches of
 *       50 at 5,000 a second made 75% of it (R27 F6). After a pause of the server's writes, the batches then held up
 *       may land close together, but not more than the rate within a second (the rule above);</li>
 *   <li>the reads keep a schedule with at most a quarter second of credit (behind it by more, after a paused or busy
 *       server or retries, it starts again from now instead of running unthrottled until it has caught up), and a
 *       read also waits until the last second's batches, the documents read and not landed yet, and a batch the size
 *       of the largest of the last few fit in the rate: so a page is not read long before its writes may go, and
 *       its documents do not wait for the rate inside their write watch windows (tester session 25 F2, see
 *       {@link BatchReader#pacedBy}).</li>
 * </ul>
 * Every wait is in slices of at most 100 ms and ends early when a stop is requested ({@link SlicedPause}).
 */
final class RatePacer {
    /**
     * How far behind the read schedule the rewrite may be and still catch up at full speed: beyond it, the schedule
     * starts again from now, so a stall is followed by at most a quarter second of the rate above it.
     */
    static final long MAX_CREDIT_NANOS = 250_000_000L;
    /**
     * How many of the last batches' sizes a read expects the largest of: the groups of a prefix move vary (241 after
     * 282, then 276), and a group larger than the last one waited a second inside its windows (tester session 39 R28).
     */
    static final int SIZES_KEPT = 4;
    private static final long SECOND = 1_000_000_000L;

    private final int docsPerSecond;
    private final StopSignal stop;
    /** The read schedule (reader's thread): {@link #readDocuments} documents read by then, from then on at the rate. */
    private long readFrom = -1;
    private long readDocuments;
    /**
     * The documents handed over by the pass at the last read, and the sizes of the last {@link #SIZES_KEPT} batches
     * (reader's thread), the largest of which the next read expects.
     */
    private long handedBefore;
    private final ArrayDeque<Long> lastBatches = new ArrayDeque<>();
    /**
     * When the last batch's writes went (System.nanoTime; -1 before the first), and its documents (planning thread).
     */
    private long sentAt = -1;
    private long sentDocuments;
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
            lastBatches.addLast(Math.min(docsPerSecond, documents - handedBefore));
            if (lastBatches.size() > SIZES_KEPT) {
                lastBatches.removeFirst();
            }
        }
        handedBefore = documents;
        long expected = lastBatches.stream().mapToLong(Long::longValue).max().orElse(0);
        sleepUntil(() -> readableAt(unlanded(documents) + expected));
    }

    /**
     * When a batch the size of the largest of the last few may be read, {@code ahead} documents with the read and
     * unlanded ones (System.nanoTime): while they are more than the rate, not before the batches in flight land (they
     * then hold a second of their own), so asked again in 10 ms; else when the last second's batches leave room for
     * them. The
     * batches read and not landed yet are not in the last second's yet: counting them only there let the reader
     * read a group while the one before was in flight, and the group waited a second for the rate inside its write
     * watch windows (tester session 39 R28, a prefix move at 500 a second: up to 2 s).
     */
    private long readableAt(long ahead) {
        return ahead > docsPerSecond ? System.nanoTime() + 10_000_000L : roomFor(ahead);
    }

    /** A batch of {@code documents} has landed (its writes are answered), now. */
    synchronized void landed(long documents) {
        long now = System.nanoTime();
        lastSecond.addLast(new long[]{now, documents});
        inLastSecond += documents;
        landedThisPass += documents;
    }

    /**
     * Waits until the last batch sent has had its time at the rate since it was sent, and the batches landed within a
     * second hold room for {@code documents} more, before the next batch's writes go (now, when this returns).
     */
    void beforeWrite(long documents) {
        if (!limited()) {
            return;
        }
        long spaced = sentAt < 0 ? 0 : sentAt + sentDocuments * SECOND / docsPerSecond;
        sleepUntil(() -> spaced);
        sleepUntil(() -> roomFor(documents));
        sentAt = System.nanoTime();
        sentDocuments = documents;
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
        if (!SlicedPause.until(deadline, stop)) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted; re-run to resume.");
        }
    }
}
