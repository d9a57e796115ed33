package dev.slipway.api;

import dev.slipway.api.plan.QueryCheck;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Options of {@code apply}.
 *
 * @param indexingTimeout how long to wait for the new index to finish indexing; one too long to count in nanoseconds
 *                        (about 292 years, such as {@code ChronoUnit.FOREVER.getDuration()}) waits without limit
 * @param queryChecks     extra queries validation runs; empty for none
 * @param backupDir       where original bytes are saved before documents are rewritten; required for plans that
 *                        rewrite documents, unused otherwise
 * @param acceptDataLoss  acknowledges that a lossy conversion (float32 to float16, ...) loses precision
 * @param batchSize       documents per batch of a rewrite (one SCAN page, one backup record, one pipeline)
 * @param workers         connections that write a batch in parallel
 * @param maxDocsPerSecond rate limit of a rewrite; 0 for none
 * @param maxRetries      retries of a batch after a transient error (connection lost, timeout, a BUSY or LOADING
 *                        reply), with backoff from 100 ms doubling to 10 s; a batch whose writes got such a reply is
 *                        worked out again from the live documents, so nothing that landed is sent twice; 0 to 30.
 *                        The migration lock's lease grows to outlast them. The write watch's own connections are
 *                        not retried: one lost (a restart, a killed client) stops a rewrite that watches (a re-run
 *                        resumes it)
 * @param watchWrites     watch for writes by other clients to the documents while they are rewritten, and stop
 *                        and fail at the first one (on by default; off only when the application's writes cannot
 *                        touch what the rewrite changes)
 * @param ignoreMaxmemory start even though the server's used memory plus what the plan adds (a second copy of the
 *                        index) goes over its {@code maxmemory}; off by default, when apply refuses before any change
 */
public record ApplyOptions(Duration indexingTimeout, List<QueryCheck> queryChecks, Optional<Path> backupDir,
                           boolean acceptDataLoss, int batchSize, int workers, int maxDocsPerSecond,
                           int maxRetries, boolean watchWrites, boolean ignoreMaxmemory) {
    /** Default: wait up to one hour, no query checks, no backup directory, batches of 500, one worker. */
    public static final ApplyOptions DEFAULTS = new ApplyOptions(Duration.ofHours(1), List.of());

    /**
     * Validates the numbers and copies the checks.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} for an indexing timeout that is null, zero or negative, a
     *                          number out of its bounds, or an empty backup directory path (the current directory)
     */
    public ApplyOptions {
        // a null timeout was accepted: apply built the new indexes, then failed on it (tester session 40 R30 F1)
        if (indexingTimeout == null || indexingTimeout.isNegative() || indexingTimeout.isZero()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The indexing timeout (--timeout) must be a positive "
                    + "duration, not " + indexingTimeout + ".");
        }
        queryChecks = queryChecks == null ? List.of() : List.copyOf(Arguments.noNullElements(queryChecks,
                "The query checks"));
        backupDir = backupDir == null ? Optional.empty() : backupDir;
        backupDir.ifPresent(dev.slipway.internal.rewrite.BackupDirectory::refuseEmpty);
        if (batchSize < 1 || batchSize > 100_000) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--batch-size must be between 1 and 100000, not "
                    + batchSize + ".");
        }
        checkThroughput(workers, maxDocsPerSecond, maxRetries);
    }

    /** The bounds apply and a rollback from a backup share ({@link RestoreOptions}); a bad value is bad usage. */
    static void checkThroughput(int workers, int maxDocsPerSecond, int maxRetries) {
        if (workers < 1 || workers > 64) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--workers must be between 1 and 64, not " + workers + ".");
        }
        checkRateLimit(maxDocsPerSecond);
        checkRetries(maxRetries);
    }

    /**
     * The batch size a rewrite uses: {@link #batchSize}, or under a rate limit the largest whole fraction of the rate
     * no larger than it (a second holds the rate in whole batches: 300 at 500 a second is cut to 250).
     */
    public int rewriteBatchSize() {
        return batchSizeAt(batchSize, maxDocsPerSecond);
    }

    /** {@link #rewriteBatchSize} of {@code batchSize} at {@code maxDocsPerSecond} (0: no limit). */
    public static int batchSizeAt(int batchSize, int maxDocsPerSecond) {
        if (maxDocsPerSecond <= 0 || batchSize <= 0) {
            return batchSize;
        }
        long perSecond = ((long) maxDocsPerSecond + batchSize - 1) / batchSize; // long: MAX_VALUE overflowed (R40 F10)
        return (int) (maxDocsPerSecond / perSecond);
    }

    /** The highest {@code --rate-limit}: far above what one server takes, and low enough for the pacer's arithmetic. */
    public static final int MAX_RATE_LIMIT = 10_000_000;

    /**
     * The bounds of {@code --rate-limit} (estimate's too): 0 for none, up to {@link #MAX_RATE_LIMIT}. A larger value
     * (such as {@code Integer.MAX_VALUE} meant as "no limit") is refused rather than read as none: tester session 45
     * R40 F10, where it passed the checks and failed the rewrite after the index was dropped.
     */
    static void checkRateLimit(int maxDocsPerSecond) {
        if (maxDocsPerSecond < 0 || maxDocsPerSecond > MAX_RATE_LIMIT) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--rate-limit must be between 0 (no limit) and "
                    + MAX_RATE_LIMIT + " documents a second, not " + maxDocsPerSecond + ". Nothing was changed.");
        }
    }

    /** The most retries of a transient error: they wait about 4 minutes in all (100 ms doubling to 10 s). */
    static final int MAX_RETRIES = 30;

    /**
     * The bounds of {@code --retries} (validate's too). Without a top, a run held the migration lock, whose lease
     * outlasts the retries, for as long as they could wait: {@code --retries 1000000} made a lease of 173 days, which
     * a run on another host would have waited out after a crash (tester session 38 R25 F2).
     */
    static void checkRetries(int maxRetries) {
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--retries must be between 0 and " + MAX_RETRIES + ", not "
                    + maxRetries + " (" + MAX_RETRIES + " wait about 4 minutes in all). For a longer outage, re-run "
                    + "the same command once the server is back.");
        }
    }

    /** Options for index-only plans: a timeout and query checks, defaults for the rest. */
    public ApplyOptions(Duration indexingTimeout, List<QueryCheck> queryChecks) {
        this(indexingTimeout, queryChecks, Optional.empty(), false, 500, 1, 0, 5, true, false);
    }

    /** Options with the write watch on. */
    public ApplyOptions(Duration indexingTimeout, List<QueryCheck> queryChecks, Optional<Path> backupDir,
                        boolean acceptDataLoss, int batchSize, int workers, int maxDocsPerSecond, int maxRetries) {
        this(indexingTimeout, queryChecks, backupDir, acceptDataLoss, batchSize, workers, maxDocsPerSecond,
                maxRetries, true, false);
    }

    /** A copy with a backup directory. */
    public ApplyOptions withBackupDir(Path dir) {
        return new ApplyOptions(indexingTimeout, queryChecks, Optional.of(Arguments.required(dir,
                "The backup directory")), acceptDataLoss, batchSize, workers,
                maxDocsPerSecond, maxRetries, watchWrites, ignoreMaxmemory);
    }

    /** A copy that accepts (or not) lossy conversions. */
    public ApplyOptions withAcceptDataLoss(boolean value) {
        return new ApplyOptions(indexingTimeout, queryChecks, backupDir, value, batchSize, workers, maxDocsPerSecond,
                maxRetries, watchWrites, ignoreMaxmemory);
    }

    /** A copy with other throughput settings. */
    public ApplyOptions withThroughput(int newBatchSize, int newWorkers, int newMaxDocsPerSecond, int newMaxRetries) {
        return new ApplyOptions(indexingTimeout, queryChecks, backupDir, acceptDataLoss, newBatchSize, newWorkers,
                newMaxDocsPerSecond, newMaxRetries, watchWrites, ignoreMaxmemory);
    }

    /** A copy with the write watch on or off. */
    public ApplyOptions withWriteWatch(boolean value) {
        return new ApplyOptions(indexingTimeout, queryChecks, backupDir, acceptDataLoss, batchSize, workers,
                maxDocsPerSecond, maxRetries, value, ignoreMaxmemory);
    }

    /** A copy that starts (or not) although the plan's memory goes over the server's maxmemory. */
    public ApplyOptions withIgnoreMaxmemory(boolean value) {
        return new ApplyOptions(indexingTimeout, queryChecks, backupDir, acceptDataLoss, batchSize, workers,
                maxDocsPerSecond, maxRetries, watchWrites, value);
    }
}
