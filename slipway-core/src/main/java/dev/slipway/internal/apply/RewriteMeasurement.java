package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.ConflictCheck;
import dev.slipway.internal.rewrite.DocumentSizes;
import dev.slipway.internal.rewrite.FilterScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.List;

/**
 * What apply looks at before a rewrite changes anything ({@link RewriteStepHandler}): the size of every document
 * against this JVM's memory (and the bytes per batch that fit), documents in the way of the rewrite, and hash fields
 * with expiries of their own.
 */
final class RewriteMeasurement {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteMeasurement.class);

    private RewriteMeasurement() {
    }

    /**
     * How much heap a batch's values take, as a multiple of their size, while the rewrite runs: up to four batches
     * are in flight (read, backed up, written, landing), the backup record copies the originals into a direct
     * buffer (which the JVM counts against the same limit), and Jedis copies every argument it sends; JSON values
     * are also held as text. Measured with 1 MB values (the smallest -Xmx that finished batches of 20 and 40
     * documents: HASH 85 and 155 MB, JSON 115 and 225 MB), then rounded up; see docs/architecture.md.
     */
    static final int HASH_BATCH_COPIES = 4;
    static final int JSON_BATCH_COPIES = 6;
    /** Heap the rest of a migration uses besides the batches. */
    static final long HEAP_RESERVE = 32L << 20;

    /**
     * Refuses, before anything changes, a document too large for this JVM's memory even alone in a batch (the
     * rewrite would run out of memory part way, which is safe, but leaves the index dropped, and no re-run with the
     * same memory could finish). Batches of smaller documents are cut to fit ({@link #batchBytes}).
     *
     * @param largest    the largest document's values, in bytes
     * @param largestKey its key, or a description of where it was found
     */
    static void checkHeap(long largest, String largestKey, StorageType storage, long maxHeap) {
        long needed = largest * copies(storage) + HEAP_RESERVE;
        if (needed <= maxHeap) {
            return;
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "The largest document to rewrite (" + largestKey + ", "
                + StrategyChoice.mib(largest) + " in the fields the rewrite reads) needs about "
                + StrategyChoice.mib(needed) + " of memory while it is rewritten, but this JVM may use "
                + StrategyChoice.mib(maxHeap) + "; nothing was changed. Give the JVM more memory (with the CLI: "
                + "SLIPWAY_JAVA_OPTS=-Xmx<size>), then re-run the same command.");
    }

    private static int copies(StorageType storage) {
        return storage == StorageType.JSON ? JSON_BATCH_COPIES : HASH_BATCH_COPIES;
    }

    /**
     * The most bytes of values a batch may hold in this JVM, or 0 when {@code batchSize} documents of the largest
     * size fit anyway (then nothing is measured while rewriting: the usual case costs nothing).
     */
    static long batchBytes(long largest, StorageType storage, int batchSize, long maxHeap) {
        long budget = Math.max((maxHeap - HEAP_RESERVE) / copies(storage), 1);
        return largest * batchSize <= budget ? 0 : budget;
    }

    /**
     * Before anything changes (a fresh run or a resume, under the lock): measures every document the rewrite will
     * read ({@link DocumentSizes#survey}), refuses one too large for this JVM's memory, and returns the bytes per
     * batch the rewrite must keep to ({@link #batchBytes}), telling the user when it cuts batches. When the server
     * refuses the size queries, warns and returns 0 (the check made from the sample stands).
     */
    static long measureDocuments(MigrationPlan plan, FilterScope filter, ApplyOptions options,
                                 RedisEndpoint endpoint, ProgressListener progress, StopSignal stop) {
        return measure(plan, filter, false, options, endpoint, progress, stop).batchBytes();
    }

    /**
     * What {@link #measureDocuments} found: the bytes per batch, and the documents that hold a field the rewrite
     * reads (-1 when the server refused the size queries).
     */
    record Measured(long batchBytes, long holding) {
    }

    /**
     * {@link #measureDocuments}, with the count of the documents to rewrite; {@code firstPass} when no run of the
     * plan has changed a document yet.
     */
    static Measured measure(MigrationPlan plan, FilterScope filter, boolean firstPass, ApplyOptions options,
                            RedisEndpoint endpoint, ProgressListener progress, StopSignal stop) {
        RewriteSpec rewrite = plan.rewrite().orElseThrow();
        DocumentSizes.Survey survey;
        try {
            // an index with a FILTER the patch changes does not count what its rewrite converts: the total is not
            // known yet; nor does the plan count what is left under the old prefix once a run moved keys (tester
            // session 53 R47 T2 F6: a resumed apply announced 20,000 documents to measure and measured 13,884)
            boolean counted = (plan.source().schema().filter().isEmpty() || filter.narrows())
                    && (firstPass || rewrite.targetPrefix().isEmpty());
            survey = DocumentSizes.survey(rewrite, filter, counted ? rewrite.documents() : 0, endpoint,
                    options.batchSize(), options.maxRetries(), progress, stop);
        } catch (JedisException | SlipwayException e) {
            if (e instanceof SlipwayException s && s.code() != ErrorCode.REDIS_UNAVAILABLE) {
                throw s;
            }
            // a server still busy, loading or unreachable after --retries (tester session 35 R19 M4: reported as an
            // "unexpected" exception, with no word of what had changed)
            throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Could not count and measure the documents to "
                    + "rewrite: Redis at " + endpoint.redacted() + " answered '" + e.getMessage() + "' after "
                    + options.maxRetries() + " retries (--retries). This run had changed nothing yet (what an earlier "
                    + "run of this plan did stays as it was). Re-run the same command when the server answers "
                    + "again.", e);
        } catch (DocumentSizes.UnmeasurableException e) {
            warn(progress, "could not measure the documents before rewriting them (" + e.getMessage() + "); "
                    + "memory was checked against a sample only, so a document much larger than the sampled ones "
                    + "could exhaust the JVM's memory part way (the migration then resumes when re-run with more).");
            return new Measured(0, -1);
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        checkHeap(survey.largestBytes(), survey.largestKey(), rewrite.storage(), maxHeap);
        int batch = (int) Math.max(1, Math.min(options.batchSize(), Math.max(survey.documents(), 1)));
        long bytes = batchBytes(survey.largestBytes(), rewrite.storage(), batch, maxHeap);
        if (bytes > 0) {
            progress.message("Documents to rewrite hold up to " + StrategyChoice.mib(survey.largestBytes())
                    + " each (" + survey.largestKey() + "): batches are cut to at most "
                    + StrategyChoice.mib(bytes) + " of values to fit this JVM's memory ("
                    + StrategyChoice.mib(maxHeap) + "), measured page by page.");
        }
        return new Measured(bytes, survey.holding());
    }

    /**
     * Refuses, before anything changes, a rewrite that would have to leave documents unchanged because rewriting
     * them would overwrite data (see {@link ConflictCheck}): found by the rewrite itself, they would keep the index
     * dropped until resolved.
     */
    static long refuseConflicts(MigrationPlan plan, FilterScope filter, ApplyOptions options, RedisEndpoint endpoint,
                                ProgressListener progress, StopSignal stop) {
        if (plan.rewrite().isEmpty()) {
            return 0;
        }
        ConflictCheck.Result found = ConflictCheck.run(plan.rewrite().get(), filter, endpoint, options.batchSize(),
                options.maxRetries(), progress, stop);
        if (found.conflicts() > 0) {
            List<String> problems = new ArrayList<>(found.examples());
            if (found.conflicts() > found.examples().size()) {
                problems.add("... and " + (found.conflicts() - found.examples().size()) + " more");
            }
            throw new SlipwayException(ErrorCode.BAD_USAGE, found.conflicts() + " of " + found.documentsChecked()
                    + " documents of '" + plan.source().indexName() + "' hold data this rewrite would overwrite, so "
                    + "it would have to leave them unchanged; nothing was changed. Move or delete that data (or "
                    + "choose other names and re-run 'slipway plan'), then re-run 'slipway apply'. In the way:",
                    problems, null);
        }
        if (found.inPlace() > 0) {
            RewriteSpec rewrite = plan.rewrite().get();
            warn(progress, found.inPlace() + " documents of '" + plan.source().indexName() + "' already have keys "
                    + "under the new prefix '" + rewrite.targetPrefix().orElse("") + "' (such as "
                    + String.join(", ", found.inPlaceExamples()) + "); they are rewritten in place, not moved.");
        }
        return found.inPlace();
    }

    /**
     * Says, before a HASH rewrite starts, what happens to hash fields with expiries of their own (Redis 7.4's
     * HEXPIRE; INFO keyspace counts their keys as {@code subexpiry}). HSET clears a field's expiry, so when the
     * database has such keys the rewrite reads each document's field expiries and sets them again with the write,
     * and the backup records them for the rollback. When INFO is refused that cannot be known, and is not done.
     */
    static void warnOfFieldExpiries(RedisSession session, MigrationPlan plan, ProgressListener progress) {
        if (plan.rewrite().filter(r -> r.storage() == StorageType.HASH).isEmpty()) {
            return;
        }
        long keys = keysWithFieldExpiries(session);
        if (keys > 0) {
            progress.message(keys + " keys of this database have hash fields with an expiry of their own (HEXPIRE): "
                    + "the rewrite keeps the expiry of each field it writes, and the backup records it for a "
                    + "rollback.");
        } else if (keys < 0) {
            warn(progress, "INFO keyspace could not be read" + (!session.refusedToThisUser("INFO")
                    ? ": " + session.unanswered("INFO keyspace") + "," : " (refused, or the connection failed),")
                    + " so whether hash fields have expiries of their own (HEXPIRE) is not known; a field this rewrite "
                    + "writes would lose one (HSET clears it).");
        }
    }

    /**
     * Whether the rewrite must read and set hash fields' own expiries: a hash rewrite in a database that has such
     * fields. Nothing is read from the server for a JSON rewrite.
     */
    static boolean keepsFieldExpiries(RedisSession session, RewriteSpec rewrite) {
        return rewrite.storage() == StorageType.HASH && keysWithFieldExpiries(session) > 0;
    }

    /**
     * How many keys of the session's database have hash fields with expiries of their own ({@code subexpiry} of
     * INFO keyspace, Redis 7.4); 0 on older servers, -1 when INFO is refused.
     */
    static long keysWithFieldExpiries(RedisSession session) {
        try {
            return session.keyspaceFigure("subexpiry").orElse(-1); // -1: a user whose ACL refuses INFO
        } catch (RuntimeException e) {
            LOG.debug("Could not read INFO keyspace: {}", e.getMessage());
            return -1;
        }
    }

    /** A warning before the first change: in the log, and on the progress output the CLI prints. */
    private static void warn(ProgressListener progress, String text) {
        UserWarnings.warn(LOG, progress, text);
    }
}
