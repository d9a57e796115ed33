package dev.slipway.api.plan;

/**
 * A rough cost of the migration, for the reviewer. Figures are estimates, not promises.
 *
 * @param documents           documents the new index must index
 * @param reindexSeconds      expected time to rebuild the index, from the source index's own indexing time when
 *                            the server reports it, else from a conservative rate
 * @param downtimeSeconds     expected time during which queries on the name fail or see partial results
 *                            (0 for zero-downtime)
 * @param extraMemoryBytes    memory the server needs beyond today's while the migration runs (a second index
 *                            for zero-downtime; 0 for drop-recreate)
 * @param documentsToRewrite  documents whose stored data changes (0 for index-only changes)
 * @param basis               how the figures were obtained
 */
public record CostEstimate(long documents, double reindexSeconds, double downtimeSeconds, long extraMemoryBytes,
                           long documentsToRewrite, String basis) {
}
