package dev.slipway.internal.version;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.version.PruneResult;
import dev.slipway.api.version.VersionStatus;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.version.VersionHistory.State;
import dev.slipway.internal.version.VersionHistory.VersionEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Drops retained versions the user no longer needs for rollback (documents are kept), and left-over versions of
 * migrations that never finished. The caller holds the name's migration lock.
 */
public final class VersionPruner {
    private final RedisSession session;
    private final KeyNamespace keys;

    /** A pruner on the given session and namespace. */
    public VersionPruner(RedisSession session, KeyNamespace keys) {
        this.session = session;
        this.keys = keys;
    }

    /**
     * Drops versions.
     *
     * @param version only this version number; empty for every retained version
     */
    public PruneResult prune(String name, Optional<Integer> version) {
        check(name, version);
        HistoryStore store = new HistoryStore(session, keys);
        VersionHistory history = store.load(name);
        List<VersionEntry> candidates = candidates(history, version);
        LiveIndexReader reader = new LiveIndexReader(session);
        for (VersionEntry entry : candidates) {
            // a user's alias on another name's version, migrated through: pruning it dropped that name's active
            // index, and its rollback could not help (tester session 40 R29 F1)
            store.otherLiveOwner(entry.physicalIndex(), name).ifPresent(owner -> {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "Version " + entry.version() + " of '" + name + "' ("
                        + entry.physicalIndex() + ") is also version " + owner.getValue().version() + " of '"
                        + owner.getKey() + "' (" + owner.getValue().state().name().toLowerCase() + "); nothing was "
                        + "dropped. Prune it through 'slipway prune --index " + owner.getKey() + "' once '"
                        + owner.getKey() + "' no longer serves it" + (version.isPresent() ? "." : ", or prune the "
                        + "other versions of '" + name + "' one by one with --version."));
            });
        }
        List<VersionStatus> dropped = new ArrayList<>();
        long freed = 0;
        VersionHistory next = history;
        for (VersionEntry entry : candidates) {
            Optional<IndexInfo> info = reader.findPhysical(entry.physicalIndex());
            long memory = info.map(i -> i.stats().memoryBytes()).orElse(0L);
            if (info.isPresent()) {
                session.call("FT.DROPINDEX", entry.physicalIndex());
            }
            freed += memory;
            dropped.add(new VersionStatus(entry.version(), entry.physicalIndex(), State.DROPPED.name(), false,
                    info.map(i -> i.stats().numDocs()).orElse(0L), memory, entry.planId()));
            next = next.with(entry.withState(State.DROPPED));
        }
        if (!candidates.isEmpty()) { // pruning nothing writes nothing (it used to leave an empty history behind)
            store.save(next);
        }
        return new PruneResult(name, dropped, freed, candidates.isEmpty() ? droppedAlready(history, version)
                : List.of());
    }

    /**
     * The version asked for when it was dropped before: the end a prune of it is for, so a re-run of one that
     * succeeded is not an error (it exited 2 while a plain prune's re-run said "Nothing to prune", tester R49 T1 F3).
     */
    private static List<VersionStatus> droppedAlready(VersionHistory history, Optional<Integer> version) {
        return history.versions().stream().filter(v -> version.isPresent() && v.version() == version.get()
                        && v.state() == State.DROPPED)
                .map(v -> new VersionStatus(v.version(), v.physicalIndex(), State.DROPPED.name(), false, 0, 0,
                        v.planId()))
                .toList();
    }

    /**
     * The refusals of {@link #prune} that need no lock, read-only: an unfinished migration, a name that is nothing or a
     * version's own name, a version not retained. Run before the lock is taken, so that a refused prune leaves no lock
     * key of a misspelt name behind (tester session 46 R41 F8).
     */
    public void check(String name, Optional<Integer> version) {
        Optional<Checkpoint> unfinished = new CheckpointStore(session, keys).load(name)
                .filter(c -> c.status() != Checkpoint.Status.COMPLETED);
        if (unfinished.isPresent()) {
            MigrationLock.refuseIfHeld(session, keys, name); // running now: wait, not finish (tester R43 T1 F2)
            Checkpoint c = unfinished.get();
            c.refuseWhileRollingBack("prune");
            throw new SlipwayException(ErrorCode.BAD_USAGE, "A migration of '" + name + "' is unfinished (plan "
                    + c.planId() + "); nothing was dropped. First " + c.finishOrUndo() + ".");
        }
        HistoryStore store = new HistoryStore(session, keys);
        VersionHistory history = store.load(name);
        LiveIndexReader reader = new LiveIndexReader(session);
        if (history.versions().isEmpty()) { // a misspelt name before its version (tester session 46 R41 F8)
            refuseUnservedName(name, store, reader);
        }
        List<VersionEntry> candidates = candidates(history, version);
        refuseDroppingTheServed(name, history, candidates, reader);
        if (version.isPresent() && candidates.isEmpty() && droppedAlready(history, version).isEmpty()) {
            Optional<VersionEntry> named = history.versions().stream().filter(v -> v.version() == version.get())
                    .findFirst();
            String why = named.map(v -> "version " + v.version() + " (" + v.physicalIndex() + ") is the one it "
                    + "serves, which is never pruned").orElse("it has no version " + version.get());
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' has no retained version " + version.get()
                    + ": " + why + "; nothing was dropped. See 'slipway status --index " + name + "'.");
        }
    }

    /**
     * Refuses to drop the index the name serves now, whatever the history says: after an alias switched by hand
     * ({@code FT.ALIASUPDATE}) the history still records that index as retained, and prune dropped it, exit 0, with
     * the name answering "no such index" (tester session 55 R51 H1).
     */
    private static void refuseDroppingTheServed(String name, VersionHistory history, List<VersionEntry> candidates,
                                                LiveIndexReader reader) {
        Optional<String> served = reader.find(name).filter(IndexInfo::isAlias).map(i -> i.schema().name());
        candidates.stream().filter(v -> served.filter(v.physicalIndex()::equals).isPresent()).findFirst()
                .ifPresent(v -> {
                    String active = history.active().map(VersionEntry::physicalIndex).orElse("<active version>");
                    throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' serves '" + v.physicalIndex()
                            + "', which Slipway's history records as retained version " + v.version() + " (the "
                            + "alias was switched outside Slipway, such as with FT.ALIASUPDATE); nothing was "
                            + "dropped, since dropping it would leave '" + name + "' serving nothing. Point the alias "
                            + "back first ('FT.ALIASUPDATE " + name + " " + active + "'), then prune.");
                });
    }

    private static List<VersionEntry> candidates(VersionHistory history, Optional<Integer> version) {
        return history.versions().stream()
                .filter(v -> v.state() == State.RETAINED || v.state() == State.BUILDING)
                .filter(v -> version.isEmpty() || version.get() == v.version()).toList();
    }

    /**
     * Refuses, with nothing dropped, a name Slipway has no history of when it is a misspelling (neither an index nor
     * an alias) or one of a managed name's versions: {@code prune --index products:v4} said "not managed by Slipway"
     * and "nothing to prune" with exit 0, and an unknown name's error listed the indexes but not the served names.
     */
    private void refuseUnservedName(String name, HistoryStore store, LiveIndexReader reader) {
        store.versionOwner(name).ifPresent(owner -> {
            VersionEntry entry = owner.getValue();
            String served = owner.getKey();
            String next = switch (entry.state()) {
                case RETAINED, BUILDING -> "Versions are pruned through the name they serve: 'slipway prune --index "
                        + served + " --version " + entry.version() + "'.";
                case ACTIVE -> "It is the version '" + served + "' serves, which is never pruned.";
                case DROPPED -> "It was dropped already; there is nothing to prune.";
            };
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' is version " + entry.version() + " of '"
                    + served + "' (" + entry.state().name().toLowerCase() + "), not a served name; nothing was "
                    + "dropped. " + next);
        });
        if (reader.find(name).isEmpty()) {
            throw new SlipwayException(ErrorCode.UNKNOWN_INDEX, "Index '" + name + "' does not exist on "
                    + session.endpoint().redacted() + "; nothing was dropped. " + store.namesOnServer(reader)
                    + " Run 'slipway status' to see them.");
        }
    }
}
