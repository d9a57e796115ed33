package dev.slipway.api.version;

/**
 * What {@code rollback --backup-dir} restored.
 *
 * @param index              the served index name
 * @param planId             the plan whose rewrite was undone
 * @param documentsRestored  documents whose original bytes were written back (this run and earlier runs)
 * @param documentsMissing   backed-up documents found deleted (under their old and new names) and left deleted,
 *                           rather than brought back holding only their rewritten fields
 * @param indexRecreated     the original index the source schema describes, recreated (or found in place)
 * @param backupDir          the backup directory used
 * @param alreadyRolledBack  an earlier run had finished this rollback, so this one changed nothing (the figures are
 *                           the earlier run's)
 * @param evictedSinceMigration keys the server evicted since the migration began (INFO stats {@code evicted_keys},
 *                           every database, against the figure apply recorded), as the rollback found them before it
 *                           closed the migration: missing documents were likely evicted then. 0 when none, or not
 *                           known
 */
public record RestoreResult(String index, String planId, long documentsRestored, long documentsMissing,
                            String indexRecreated, String backupDir, boolean alreadyRolledBack,
                            long evictedSinceMigration) {
    /** A result that knows of no evictions. */
    public RestoreResult(String index, String planId, long documentsRestored, long documentsMissing,
                         String indexRecreated, String backupDir, boolean alreadyRolledBack) {
        this(index, planId, documentsRestored, documentsMissing, indexRecreated, backupDir, alreadyRolledBack, 0);
    }
}
