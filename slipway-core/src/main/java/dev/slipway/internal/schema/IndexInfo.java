package dev.slipway.internal.schema;

import dev.slipway.api.schema.IndexSchema;

import java.util.List;

/**
 * A live index read from {@code FT.INFO}.
 *
 * @param requestedName the name asked for (an alias resolves to its index)
 * @param schema        the schema, named after the physical index
 * @param stats         the live figures
 * @param unrecognized  tokens of the reply this version of Slipway does not understand; shown as warnings
 */
public record IndexInfo(String requestedName, IndexSchema schema, IndexStats stats, List<String> unrecognized) {
    /** Copies the list. */
    public IndexInfo {
        unrecognized = List.copyOf(unrecognized);
    }

    /** Whether the requested name is an alias of another index. */
    public boolean isAlias() {
        return !requestedName.equals(schema.name());
    }
}
