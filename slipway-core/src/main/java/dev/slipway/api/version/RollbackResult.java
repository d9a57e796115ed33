package dev.slipway.api.version;

import java.util.List;

/**
 * What {@code rollback} did.
 *
 * @param name      the served name
 * @param action    what was done
 * @param from      the physical index the name served before ({@code ""} when unchanged)
 * @param to        the physical index it serves now
 * @param discarded physical indexes of an unfinished migration that were dropped (documents kept)
 */
public record RollbackResult(String name, Action action, String from, String to, List<String> discarded) {
    /** Copies the list. */
    public RollbackResult {
        discarded = List.copyOf(discarded);
    }

    /** What a rollback did. */
    public enum Action {
        /** The alias points back at the previous retained version. */
        SWITCHED_BACK,
        /** A migration that had not switched yet was discarded; the name kept serving the same version. */
        DISCARDED_UNFINISHED
    }
}
