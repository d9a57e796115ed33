package dev.slipway.api.version;

import java.util.List;

/**
 * What {@code prune} dropped.
 *
 * @param name       the served name
 * @param dropped    the versions dropped (documents kept), each with state {@code DROPPED} and {@code exists} false,
 *                   but with the documents and memory {@code FT.INFO} reported just before its drop (what the drop
 *                   freed), not the zeros {@link VersionStatus} gives an index that does not exist
 * @param freedBytes memory the dropped index structures used, from {@code FT.INFO} before the drop
 */
public record PruneResult(String name, List<VersionStatus> dropped, long freedBytes) {
    /** Copies the list. */
    public PruneResult {
        dropped = List.copyOf(dropped);
    }
}
