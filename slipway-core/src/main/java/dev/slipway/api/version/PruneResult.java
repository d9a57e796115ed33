package dev.slipway.api.version;

import java.util.List;

/**
 * What {@code prune} dropped.
 *
 * @param name           the served name
 * @param dropped        the versions dropped (documents kept), each with state {@code DROPPED} and {@code exists}
 *                       false, but with the documents and memory {@code FT.INFO} reported just before its drop (what
 *                       the drop freed), not the zeros {@link VersionStatus} gives an index that does not exist
 * @param freedBytes     memory the dropped index structures used, from {@code FT.INFO} before the drop
 * @param droppedAlready the one version asked for when it was dropped before this prune (a re-run of a prune that
 *                       succeeded, or a version a drop-recreate migration dropped), with state {@code DROPPED}; empty
 *                       otherwise. Nothing is dropped then
 */
public record PruneResult(String name, List<VersionStatus> dropped, long freedBytes,
                          List<VersionStatus> droppedAlready) {
    /** Copies the lists. */
    public PruneResult {
        dropped = List.copyOf(dropped);
        droppedAlready = List.copyOf(droppedAlready);
    }

    /** A result with no version asked for that was dropped already. */
    public PruneResult(String name, List<VersionStatus> dropped, long freedBytes) {
        this(name, dropped, freedBytes, List.of());
    }
}
