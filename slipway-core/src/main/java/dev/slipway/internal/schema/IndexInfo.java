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
 * @param undecodable   parts of the schema (a prefix, a field's name, ...) that are not UTF-8 text, each described
 *                      with its bytes escaped: the schema's strings hold U+FFFD in their place, so an index created
 *                      from it would read other keys or fields; a plan of it is blocked
 */
public record IndexInfo(String requestedName, IndexSchema schema, IndexStats stats, List<String> unrecognized,
                        List<String> undecodable) {
    /** Copies the lists. */
    public IndexInfo {
        unrecognized = List.copyOf(unrecognized);
        undecodable = List.copyOf(undecodable);
    }

    /** Whether the requested name is an alias of another index. */
    public boolean isAlias() {
        return !requestedName.equals(schema.name());
    }
}
