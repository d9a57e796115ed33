package dev.slipway.api.version;

/**
 * What {@code rollback --backup-dir} restored.
 *
 * @param index              the served index name
 * @param planId             the plan whose rewrite was undone
 * @param documentsRestored  documents whose original bytes were written back (this run and earlier runs)
 * @param indexRecreated     the original index the source schema describes, recreated (or found in place)
 * @param backupDir          the backup directory used
 */
public record RestoreResult(String index, String planId, long documentsRestored, String indexRecreated,
                            String backupDir) {
}
