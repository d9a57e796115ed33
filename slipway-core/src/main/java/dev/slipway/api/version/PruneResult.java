package dev.slipway.api.version;

import java.util.List;

/**
 * What {@code prune} dropped.
 *
 * @param name       the served name
 * @param dropped    the versions dropped (documents kept)
 * @param freedBytes memory the dropped index structures used, from {@code FT.INFO} before the drop
 */
public record PruneResult(String name, List<VersionStatus> dropped, long freedBytes) {
    /** Copies the list. */
    public PruneResult {
        dropped = List.copyOf(dropped);
    }
}
