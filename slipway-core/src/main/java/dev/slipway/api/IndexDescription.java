package dev.slipway.api;

import dev.slipway.api.schema.IndexSchema;

import java.util.List;

/**
 * A live index as {@code slipway index info} shows it.
 *
 * @param name             the name asked for
 * @param physicalIndex    the index behind it (differs when the name is an alias)
 * @param schema           its schema
 * @param numDocs          documents indexed
 * @param indexingFailures documents that failed to index
 * @param percentIndexed   0..1
 * @param memoryBytes      memory of the index structures
 * @param warnings         options the server reported that Slipway does not understand; empty normally
 */
public record IndexDescription(String name, String physicalIndex, IndexSchema schema, long numDocs,
                               long indexingFailures, double percentIndexed, long memoryBytes,
                               List<String> warnings) {
    /** Copies the list. */
    public IndexDescription {
        warnings = List.copyOf(warnings);
    }
}
