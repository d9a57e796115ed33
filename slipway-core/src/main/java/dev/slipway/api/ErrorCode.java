package dev.slipway.api;

/**
 * Every failure Slipway reports carries one of these codes; each code owns the process exit code the CLI
 * returns for it.
 *
 * <p>Exit codes follow one rule: {@code 2} when the input or the usage was wrong (nothing was changed in
 * Redis), {@code 1} when an operation was attempted and failed (a migration, a validation, or reaching
 * Redis at all), {@code 130} when it was asked to stop and did (see {@link StopSignal}).
 */
public enum ErrorCode {
    /**
     * A command was called with wrong or conflicting options, or the connection's settings are wrong: a bad URL, or
     * a user and password the server refused (retrying cannot help).
     */
    BAD_USAGE(2),
    /** A file could not be read (missing, unreadable, not a regular file). */
    FILE_UNREADABLE(2),
    /** A file could not be written (a read-only or missing folder, a directory in the way, no permission). */
    FILE_UNWRITABLE(2),
    /** A schema, patch, plan or query file is malformed or has invalid content. */
    MALFORMED_INPUT(2),
    /** The named index (or alias) does not exist on the server. */
    UNKNOWN_INDEX(2),
    /** The plan contains changes Slipway cannot carry out; the plan lists the reasons. */
    UNSUPPORTED_CHANGE(2),
    /** The server lacks a feature that the target schema needs (for example INT8 vectors before Redis 8). */
    UNSUPPORTED_BY_SERVER(2),
    /** The live index no longer matches the snapshot the plan was made from. */
    STALE_PLAN(2),
    /** The plan needs an explicit acknowledgement (such as {@code --yes}) that was not given. */
    CONFIRMATION_REQUIRED(2),
    /**
     * The Redis user may not run a command the operation needs (its ACL); found before anything was changed, by
     * queueing the commands in a transaction that is then discarded.
     */
    PERMISSION_DENIED(2),
    /**
     * Redis could not be reached (nothing listens there, a connection lost beyond the retries): a later try may
     * succeed. Refused credentials are {@link #BAD_USAGE}.
     */
    REDIS_UNAVAILABLE(1),
    /** Redis answered a command with an error. */
    REDIS_ERROR(1),
    /** Another migration holds the lock on the index. */
    LOCK_HELD(1),
    /** A step of the migration failed. */
    MIGRATION_FAILED(1),
    /** The migration ran but the result did not pass validation. */
    VALIDATION_FAILED(1),
    /** Waiting for the server (for example for indexing to complete) took longer than allowed. */
    TIMEOUT(1),
    /**
     * The run stopped at a safe point because a {@link StopSignal} asked it to (the CLI: Ctrl-C or SIGTERM). What it
     * did is kept; the same command resumes. Exit code 130, as for an interrupted command (the CLI uses 143 when
     * SIGTERM asked).
     */
    STOPPED(130);

    private final int exitCode;

    ErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The process exit code the CLI uses for this error: 2 for bad input or usage, 1 for failures, 130 stopped. */
    public int exitCode() {
        return exitCode;
    }
}
