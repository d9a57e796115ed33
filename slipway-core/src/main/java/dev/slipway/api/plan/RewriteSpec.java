package dev.slipway.api.plan;

import dev.slipway.api.schema.StorageType;

import java.util.List;
import java.util.Optional;

/**
 * The document rewrites a plan performs, applied to every document in one pass: field moves, vector datatype
 * conversions and a key prefix move. Each is idempotent per document, so a run resumed after a crash (or a key
 * seen twice by SCAN) never converts anything twice.
 *
 * @param storage         hash or JSON
 * @param sourcePrefixes  the key prefixes documents are found under (empty: every key of the storage type)
 * @param targetPrefix    the prefix to move keys to; empty when keys stay
 * @param fieldMoves      document fields (hash fields or JSON paths) to move to a new name
 * @param conversions     vector fields whose stored bytes change datatype (hash only)
 * @param documents       documents expected (from the snapshot), for progress and estimates
 * @param lossy           whether a conversion loses precision (needs {@code --accept-data-loss})
 */
public record RewriteSpec(StorageType storage, List<String> sourcePrefixes, Optional<String> targetPrefix,
                          List<FieldMove> fieldMoves, List<VectorConversion> conversions, long documents,
                          boolean lossy) {
    /** Copies the lists. */
    public RewriteSpec {
        sourcePrefixes = List.copyOf(sourcePrefixes);
        targetPrefix = targetPrefix == null ? Optional.empty() : targetPrefix;
        fieldMoves = List.copyOf(fieldMoves);
        conversions = List.copyOf(conversions);
    }

    /** The key a document has after the rewrite (unchanged when the prefix does not move). */
    public String newKey(String key) {
        return needsMove(key) ? targetPrefix.get() + key.substring(sourcePrefixes.get(0).length()) : key;
    }

    /** Whether the key still needs its prefix moved (it is under the source prefix and not already moved). */
    public boolean needsMove(String key) {
        if (targetPrefix.isEmpty() || sourcePrefixes.size() != 1 || !key.startsWith(sourcePrefixes.get(0))) {
            return false;
        }
        String source = sourcePrefixes.get(0);
        String target = targetPrefix.get();
        // when the new prefix extends the old one ("doc:" -> "doc:v2:"), moved keys still match the old prefix
        return !(target.startsWith(source) && key.startsWith(target));
    }

    /** The original key of a moved key (the inverse of {@link #newKey}). */
    public String originalKey(String movedKey) {
        return targetPrefix.filter(movedKey::startsWith)
                .map(p -> sourcePrefixes.get(0) + movedKey.substring(p.length())).orElse(movedKey);
    }

    /**
     * A field moved to a new name inside every document.
     *
     * @param from the current hash field / JSON path
     * @param to   the new hash field / JSON path
     */
    public record FieldMove(String from, String to) {
    }

    /**
     * A vector field whose bytes are converted.
     *
     * @param path  the hash field holding the vector (after any move, the conversion applies to the moved field)
     * @param from  current datatype ({@code float32}, ...)
     * @param to    new datatype
     * @param dims  elements per vector
     */
    public record VectorConversion(String path, String from, String to, int dims) {
    }
}
