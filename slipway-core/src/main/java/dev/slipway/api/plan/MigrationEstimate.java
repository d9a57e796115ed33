package dev.slipway.api.plan;

/**
 * What a migration will cost, measured on a short read-only sample of the live documents.
 *
 * @param index                 the index
 * @param documents             documents the migration covers
 * @param documentsToRewrite    documents whose stored data changes (0 for index-only plans; for HASH, the share
 *                              of the sample the rewrite changes)
 * @param sampledDocuments      documents read for the sample
 * @param bytesToBackUp         bytes the backup's records will hold under --backup-dir: the original values, and
 *                              each document's key and the names of its fields
 * @param diskNeededBytes       disk the backup needs (originals plus record framing)
 * @param extraMemoryBytes      memory Redis needs beyond today's while the migration runs
 * @param memorySavedBytes      memory Redis frees once vectors are converted to another type, in the documents
 *                              and in the vector index (0 when nothing changes, negative when they widen); with
 *                              zero-downtime, once the previous version is pruned
 * @param indexMemorySavedBytes the vector index's part of {@code memorySavedBytes}
 * @param expectedSeconds       expected wall time: rewrite (from the sample's measured read time) plus re-indexing
 * @param expectedDowntimeSeconds time during which queries fail or see partial results
 * @param basis                 how the figures were obtained
 */
public record MigrationEstimate(String index, long documents, long documentsToRewrite, int sampledDocuments,
                                long bytesToBackUp, long diskNeededBytes, long extraMemoryBytes,
                                long memorySavedBytes, long indexMemorySavedBytes, double expectedSeconds,
                                double expectedDowntimeSeconds, String basis) {
}
