package dev.slipway.api;

/**
 * Options of a rollback from a backup directory ({@link Slipway#rollbackFromBackup(java.nio.file.Path,
 * RestoreOptions)}).
 *
 * @param workers          connections that write restored documents in parallel (1 to 64)
 * @param maxRetries       retries of a record after a transient error (connection lost, timeout, a BUSY or LOADING
 *                         reply), with backoff from 100 ms doubling to 10 s; restoring a record again changes nothing
 *                         the first try restored; 0 to 30
 * @param maxDocsPerSecond at most this many documents restored per second; 0 for no limit. A record (one batch of
 *                         the rewrite) is restored whole, so records land at least their size over the rate apart
 * @param overwriteChanged also restore documents changed after the migration in a field the rewrite touched (those
 *                         changes are lost); when false, a first run refuses if there is one
 * @param ignoreMaxmemory  start even though what the rollback adds to the server's memory would take it past 90% of
 *                         its {@code maxmemory}
 */
public record RestoreOptions(int workers, int maxRetries, int maxDocsPerSecond, boolean overwriteChanged,
                             boolean ignoreMaxmemory) {
    /** One worker, 5 retries, no rate limit, nothing overwritten, the memory check on. */
    public static final RestoreOptions DEFAULTS = new RestoreOptions(1, 5, 0, false, false);

    /** Validates the numbers, with apply's bounds. */
    public RestoreOptions {
        ApplyOptions.checkThroughput(workers, maxDocsPerSecond, maxRetries);
    }

    /** A copy with {@code count} workers. */
    public RestoreOptions withWorkers(int count) {
        return new RestoreOptions(count, maxRetries, maxDocsPerSecond, overwriteChanged, ignoreMaxmemory);
    }

    /** A copy with the retries and the rate limit (0: none). */
    public RestoreOptions withThroughput(int retries, int docsPerSecond) {
        return new RestoreOptions(workers, retries, docsPerSecond, overwriteChanged, ignoreMaxmemory);
    }

    /** A copy that overwrites (or not) documents changed since the migration. */
    public RestoreOptions withOverwriteChanged(boolean value) {
        return new RestoreOptions(workers, maxRetries, maxDocsPerSecond, value, ignoreMaxmemory);
    }

    /** A copy that ignores (or not) the memory check before the first change. */
    public RestoreOptions withIgnoreMaxmemory(boolean value) {
        return new RestoreOptions(workers, maxRetries, maxDocsPerSecond, overwriteChanged, value);
    }
}
