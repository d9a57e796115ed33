package dev.slipway.api.version;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code rollback} did.
 *
 * @param name      the served name
 * @param action    what was done
 * @param from      the physical index the name served before ({@code ""} when unchanged); for
 *                  {@link Action#ALREADY_DONE}, what the earlier rollback switched away from (equal to {@code to}
 *                  when that rollback discarded an unfinished migration), or {@code ""} when the version asked for
 *                  is served without a rollback to it (the active version of the latest migration)
 * @param to        the physical index it serves now
 * @param discarded physical indexes of an unfinished migration that were dropped (documents kept)
 * @param earlier   for {@link Action#ALREADY_DONE}, when the earlier rollback that this run found done happened;
 *                  empty when there was none (see {@code from})
 */
public record RollbackResult(String name, Action action, String from, String to, List<String> discarded,
                             Optional<Instant> earlier) {
    /** Copies the list. */
    public RollbackResult {
        discarded = List.copyOf(discarded);
    }

    /** A rollback that changed something now. */
    public RollbackResult(String name, Action action, String from, String to, List<String> discarded) {
        this(name, action, from, to, discarded, Optional.empty());
    }

    /** What a rollback did. */
    public enum Action {
        /** The alias points back at the previous retained version (or the one asked for). */
        SWITCHED_BACK,
        /** A migration that had not switched yet was discarded; the name kept serving the same version. */
        DISCARDED_UNFINISHED,
        /**
         * Nothing was changed: the rollback asked for was done already (the latest {@code rollback --index} of the
         * name, run again, or the version asked for is the one served). Rolling back further takes a named version.
         */
        ALREADY_DONE
    }
}
