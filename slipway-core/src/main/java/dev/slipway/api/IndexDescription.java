package dev.slipway.api;

import dev.slipway.api.schema.IndexSchema;

import java.util.List;
import java.util.Map;

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
 * @param synonyms         its synonym groups ({@code FT.SYNDUMP}): each group id with its terms, sorted; empty when
 *                         it has none or the server refused to list them
 */
public record IndexDescription(String name, String physicalIndex, IndexSchema schema, long numDocs,
                               long indexingFailures, double percentIndexed, long memoryBytes,
                               List<String> warnings, Map<String, List<String>> synonyms) {
    /** Copies the list and the map. */
    public IndexDescription {
        warnings = List.copyOf(warnings);
        synonyms = synonyms == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(synonyms));
    }

    /** A description without synonym groups. */
    public IndexDescription(String name, String physicalIndex, IndexSchema schema, long numDocs,
                            long indexingFailures, double percentIndexed, long memoryBytes, List<String> warnings) {
        this(name, physicalIndex, schema, numDocs, indexingFailures, percentIndexed, memoryBytes, warnings, Map.of());
    }
}
