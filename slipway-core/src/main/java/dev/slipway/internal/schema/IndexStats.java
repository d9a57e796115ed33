package dev.slipway.internal.schema;

/**
 * The live figures of an index from {@code FT.INFO}.
 *
 * @param numDocs          documents indexed
 * @param indexingFailures documents the index failed to index
 * @param indexing         whether a background scan is still running
 * @param percentIndexed   fraction of the initial scan done, 0..1
 * @param memoryBytes      memory of the index structures (inverted, vector, tag, text, doc table, ...)
 * @param indexingMillis   total time the server has spent indexing
 * @param vectorBytes      the part of {@code memoryBytes} that is vector indexes ({@code vector_index_sz_mb})
 */
public record IndexStats(long numDocs, long indexingFailures, boolean indexing, double percentIndexed,
                         long memoryBytes, long indexingMillis, long vectorBytes) {

    /**
     * Indexed plus failed: every document the index took in (the server also keeps counting failures of documents
     * deleted or written again since, see {@code KeyCoverage}).
     */
    public long documents() {
        return numDocs + indexingFailures;
    }

    /** Whether the index has finished its initial scan. */
    public boolean fullyIndexed() {
        return !indexing && percentIndexed >= 1.0;
    }
}
