package dev.slipway.internal.version;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.version.RollbackResult;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.internal.version.VersionHistory.RollbackMark;
import dev.slipway.internal.version.VersionHistory.State;
import dev.slipway.internal.version.VersionHistory.VersionEntry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Rolls a served name back. An unfinished migration (no switch yet) is discarded: its new versions are dropped
 * and the name keeps serving what it served. Otherwise the alias is pointed back at the version the active one
 * replaced, in one transaction with the history. The caller holds the name's migration lock.
 */
public final class AliasRollback {
    private final RedisSession session;
    private final KeyNamespace keys;

    /** A rollback on the given session and namespace. */
    public AliasRollback(RedisSession session, KeyNamespace keys) {
        this.session = session;
        this.keys = keys;
    }

    /**
     * The refusals that need no lock, read-only: a version's own name, and a name whose latest migration rewrote
     * documents (only {@code rollback --backup-dir} undoes that). Run before the lock is taken, so that a refused
     * rollback does not take over a dead process's lock either; and, for a plain rollback ({@code version} empty),
     * one that would undo more than one migration ({@link #refuseSkipping}) or a discard that would drop the index
     * the name serves ({@link #refuseDroppingServed}).
     */
    public void check(String name, Optional<String> version) {
        HistoryStore store = new HistoryStore(session, keys);
        Optional<Checkpoint> latest = new CheckpointStore(session, keys).load(name);
        VersionHistory history = store.load(name);
        if (history.versions().isEmpty()) {
            store.refuseVersionName(name, "Roll back");
            LiveIndexReader reader = new LiveIndexReader(session);
            if (latest.isEmpty() && reader.find(name).isEmpty()) { // as the rollback says (tester session 40 R30 F9)
                throw reader.unknownIndex(name);
            }
        }
        boolean unfinished = latest.filter(c -> c.status() != Checkpoint.Status.COMPLETED).isPresent();
        if (unfinished) { // a run going on now is to be waited for, not finished by hand (tester session 48 R43 T1 F2)
            MigrationLock.refuseIfHeld(session, keys, name);
        }
        latest.ifPresent(c -> refuseRewrites(name, c));
        if (unfinished && version.isEmpty() && !switched(latest.get(), history)) {
            refuseDroppingServed(name, latest.get(), history);
        }
        if (version.isEmpty() && !unfinished && history.active().isPresent()) {
            new LiveIndexReader(session).find(name).filter(IndexInfo::isAlias)
                    .ifPresent(i -> refuseForeignServed(name, history, i.schema().name()));
        }
        if (version.isEmpty() && !unfinished && history.active().isPresent()
                && alreadyDone(name, history, version).isEmpty()) {
            // a plain rollback that would undo more than one migration is refused before a CLI asks about it
            LiveIndexReader reader = new LiveIndexReader(session);
            previous(history, history.active().get(), reader).ifPresent(p -> refuseSkipping(name, history, p,
                    reader));
        }
    }

    /**
     * Rolls the name back: to the version the active one replaced, or to the version asked for.
     *
     * @param version the version to serve ({@code 2}, {@code v2} or its physical index name); empty for the one
     *                the active version replaced. Without it, a name whose latest rollback is still in place (no
     *                migration switched it since) is left as it is: running the same command again must not roll
     *                back one version further.
     */
    public RollbackResult rollback(String name, Optional<String> version) {
        CheckpointStore checkpoints = new CheckpointStore(session, keys);
        HistoryStore store = new HistoryStore(session, keys);
        VersionHistory history = store.load(name);
        Optional<Checkpoint> latest = checkpoints.load(name);
        latest.ifPresent(c -> refuseRewrites(name, c));
        Optional<Checkpoint> unfinished = latest.filter(c -> c.status() != Checkpoint.Status.COMPLETED);
        if (unfinished.isPresent() && !switched(unfinished.get(), history)) {
            if (version.isPresent()) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "A zero-downtime migration of '" + name + "' (plan "
                        + unfinished.get().planId() + ") is unfinished; nothing was changed. Discard it first with "
                        + "'slipway rollback --index " + name + "' (without --to), then switch to another version.");
            }
            return discard(name, unfinished.get(), history, store, checkpoints);
        }
        Optional<RollbackResult> done = alreadyDone(name, history, version);
        if (done.isPresent()) {
            return done.get();
        }
        RollbackResult result = switchBack(name, history, store, version);
        // the migration is undone, finished or not: a COMPLETED checkpoint left behind made a re-apply of its plan
        // "re-validate" the version switched away from, fail, and block every later plan
        latest.ifPresent(c -> checkpoints.delete(name));
        return result;
    }

    /**
     * Refuses to switch or discard indexes under a migration that rewrote documents: the documents would stay
     * rewritten under an index that expects the old ones. Only the backup puts both back.
     */
    private static void refuseRewrites(String name, Checkpoint checkpoint) {
        checkpoint.refuseWhileRollingBack("'rollback --index'");
        if (!checkpoint.backupDir().isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The latest migration of '" + name + "' (plan "
                    + checkpoint.planId() + ", " + checkpoint.status().name().toLowerCase() + ") rewrites documents, "
                    + "and 'rollback --index' only switches indexes: the documents would stay rewritten under an "
                    + "index that expects the old ones. Nothing was changed. Undo it with 'slipway rollback "
                    + "--backup-dir " + checkpoint.backupDir() + "', which restores the documents and the source "
                    + "index.");
        }
    }

    /**
     * Whether the unfinished migration switched the name: its checkpoint says so, or the history the switch's
     * transaction wrote does (the version it built is active). A run killed between that transaction and its
     * checkpoint's save left the new version served, and a plain rollback "discarded" nothing, exit 0, then answered
     * every re-run "already discarded" (tester session 55 R51 H3).
     */
    private static boolean switched(Checkpoint checkpoint, VersionHistory history) {
        return checkpoint.isDone("switch-alias") || checkpoint.isDone("adopt-index")
                || history.active().filter(v -> v.planId().equals(checkpoint.planId())).isPresent();
    }

    private RollbackResult discard(String name, Checkpoint checkpoint, VersionHistory history, HistoryStore store,
                                   CheckpointStore checkpoints) {
        if (checkpoint.isDone("drop-index")) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The unfinished migration of '" + name + "' (plan "
                    + checkpoint.planId() + ") is a drop-recreate that already dropped the index; there is nothing to "
                    + "switch back to. Re-run 'slipway apply' with that plan to finish it.");
        }
        refuseDroppingServed(name, checkpoint, history);
        List<String> dropped = new ArrayList<>();
        VersionHistory next = history;
        for (VersionEntry entry : history.versions()) {
            if (entry.state() == State.BUILDING && entry.planId().equals(checkpoint.planId())) {
                session.dropIndexIfPresent(entry.physicalIndex());
                dropped.add(entry.physicalIndex());
                next = next.without(entry.physicalIndex());
            }
        }
        String serving = served(name);
        store.save(next.withRollback(new RollbackMark(RollbackMark.DISCARDED, serving, serving,
                checkpoint.planId(), Instant.now())));
        checkpoints.delete(name);
        return new RollbackResult(name, RollbackResult.Action.DISCARDED_UNFINISHED, "", serving, dropped);
    }

    /**
     * Refuses a plain rollback of a name that serves a physical index this namespace's history does not know: another
     * run switched it, such as one under another key namespace, and "the version the active one replaced" here would
     * undo that run's migration too, which this history cannot see (tester session 46 R41). {@code --to} names the
     * version on purpose and is not refused.
     */
    private void refuseForeignServed(String name, VersionHistory history, String served) {
        if (history.active().isEmpty()) {
            return;
        }
        String active = history.active().get().physicalIndex();
        if (history.entry(served).isPresent() && !served.equals(active)
                && new LiveIndexReader(session).findPhysical(active).isPresent()) {
            // a version of this history switched to by hand: the rollback "switched" the name to the index it
            // served already and called the active one retained (tester session 55 R51 M3)
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' serves '" + served + "', but Slipway's "
                    + "history records '" + active + "' as the active version: the alias was switched outside "
                    + "Slipway (FT.ALIASUPDATE). Nothing was changed. Serve the active version again with 'slipway "
                    + "rollback --index " + name + " --to " + active + "', or another one with --to.");
        }
        if (history.entry(served).isPresent()) {
            return;
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' serves '" + served + "', which Slipway's "
                + "version history in key namespace " + keys.prefix() + " does not know (its active version there is '"
                + history.active().get().physicalIndex() + "'): something else switched the name, such as a "
                + "migration under another --namespace or an FT.ALIASUPDATE by hand, and rolling back here would "
                + "undo that too. Nothing was changed. Roll back under the namespace that switched it ('slipway "
                + "status --index " + name + "' there), or name the version to serve with --to.");
    }

    /**
     * Refuses a discard that would drop the index the name serves: a version the unfinished migration records as
     * building, to which something else switched the name, such as a run under another key namespace (tester session
     * 45 R40 F2: the discard dropped it, and the name served nothing).
     */
    private void refuseDroppingServed(String name, Checkpoint checkpoint, VersionHistory history) {
        String serving = served(name);
        history.versions().stream().filter(e -> e.state() == State.BUILDING && e.planId().equals(checkpoint.planId())
                && e.physicalIndex().equals(serving)).findFirst().ifPresent(e -> {
                    throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' serves '" + e.physicalIndex()
                            + "', which the unfinished migration (plan " + checkpoint.planId() + ") in Slipway's key "
                            + "namespace " + keys.prefix() + " records as still building: something else switched "
                            + "the name to it, such as a run under another --namespace or an FT.ALIASUPDATE by hand. "
                            + "Slipway never drops the index a name serves; nothing was changed. Find that run with "
                            + "'slipway status --index " + name + "' under each namespace in use and roll back "
                            + "there.");
                });
    }

    /** The physical index the name serves now (the name itself when it is a plain index or missing). */
    private String served(String name) {
        return new LiveIndexReader(session).find(name).map(i -> i.schema().name()).orElse(name);
    }

    /**
     * A rollback that was done already: without a version, the latest rollback while the name still serves what it
     * left (a re-run), unless that was a switch forward (which undid a rollback); with one, that version being
     * served.
     */
    private Optional<RollbackResult> alreadyDone(String name, VersionHistory history, Optional<String> version) {
        String serving = served(name);
        if (version.isPresent()) {
            // the earlier rollback that switched to it, when one did (tester session 47 R42 T2 F5: from "" and no
            // time even right after 'rollback --to' of that version)
            Optional<RollbackMark> switchedTo = history.rollbackMark().filter(m -> m.to().equals(serving));
            return history.entry(serving).filter(e -> named(e, version.get()))
                    .map(e -> new RollbackResult(name, RollbackResult.Action.ALREADY_DONE,
                            switchedTo.map(RollbackMark::from).orElse(""), serving, List.of(),
                            switchedTo.map(RollbackMark::at)));
        }
        return history.rollbackMark().filter(m -> m.to().equals(serving))
                .filter(m -> !m.action().equals(RollbackMark.SWITCHED_FORWARD))
                .map(m -> new RollbackResult(name, RollbackResult.Action.ALREADY_DONE, m.from(), m.to(), List.of(),
                        Optional.of(m.at())));
    }

    /** Whether a user's version ({@code 2}, {@code v2}, or the physical index's name) names this entry. */
    private static boolean named(VersionEntry entry, String version) {
        String given = version.trim();
        return given.equals(entry.physicalIndex()) || given.equals(Integer.toString(entry.version()))
                || given.equalsIgnoreCase("v" + entry.version());
    }

    private RollbackResult switchBack(String name, VersionHistory history, HistoryStore store,
                                      Optional<String> version) {
        LiveIndexReader reader = new LiveIndexReader(session);
        Optional<IndexInfo> served = reader.find(name);
        if (history.versions().isEmpty()) {
            store.refuseVersionName(name, "Roll back");
            if (served.isEmpty()) { // a name nothing knows: say so, as status and prune do (tester session 34 R18 F5)
                throw reader.unknownIndex(name);
            }
        }
        if (history.versions().isEmpty() && served.isPresent() && served.get().isAlias()
                && LiveIndexReader.isVersionName(name, served.get().schema().name())) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' is served by '"
                    + served.get().schema().name() + "', a Slipway version, but key namespace " + keys.prefix()
                    + " has no version history of it: it was migrated under another --namespace. Nothing was "
                    + "changed. Roll back with the --namespace its migrations used.");
        }
        // the name's alias removed by hand (FT.ALIASDEL) while its versions stay: every rollback blamed a
        // drop-recreate, and --to could not put the alias back (tester session 55 R51 M2)
        Optional<VersionEntry> unserved = served.isEmpty() ? history.active()
                .filter(a -> reader.findPhysical(a.physicalIndex()).isPresent()) : Optional.empty();
        if (unserved.isPresent() && version.isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' serves nothing: its alias was removed "
                    + "outside Slipway (FT.ALIASDEL), while its active version '" + unserved.get().physicalIndex()
                    + "' still exists. Nothing was changed. Serve it again with 'slipway rollback --index " + name
                    + " --to " + unserved.get().physicalIndex() + "', or another version with --to.");
        }
        if (unserved.isEmpty() && (history.active().isEmpty() || served.isEmpty() || !served.get().isAlias())) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' is not served through a Slipway version "
                    + "alias, so there is no previous version to switch back to; nothing was changed. (A "
                    + "drop-recreate migration is undone by planning and applying the reverse change.)");
        }
        String from = served.map(i -> i.schema().name()).orElse("");
        if (version.isEmpty()) {
            refuseForeignServed(name, history, from);
        }
        Optional<VersionEntry> previous = version.isPresent() ? requested(name, history, version.get(), reader)
                : previous(history, history.active().orElseThrow(), reader);
        if (previous.isEmpty()) {
            Optional<VersionEntry> outdated = history.retained().stream().filter(VersionEntry::outdated)
                    .filter(v -> v.version() < history.active().orElseThrow().version())
                    .filter(v -> reader.findPhysical(v.physicalIndex()).isPresent()).findFirst();
            if (outdated.isPresent()) {
                throw outdated(name, outdated.get(), "it has no retained previous version that can serve the "
                        + "documents: the newest, ");
            }
            // name the version that is gone and how, where the history says (tester session 41 R31 F6)
            String gone = history.active().flatMap(a -> history.entry(a.replaced())).map(v -> ": version "
                    + v.version() + " (" + v.physicalIndex() + "), which the active version replaced, "
                    + howGone(v, reader)).orElse(" (it may have been pruned)");
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' has no retained previous version to "
                    + "roll back to" + gone + "; nothing was changed. See 'slipway status --index " + name + "'.");
        }
        if (version.isEmpty()) {
            refuseSkipping(name, history, previous.get(), reader);
        }
        String to = previous.get().physicalIndex();
        refuseReplacedByHand(name, previous.get(), reader);
        boolean forward = history.entry(from).map(f -> f.version() < previous.get().version()).orElse(false);
        VersionHistory next = history.activate(to).withRollback(new RollbackMark(forward
                ? RollbackMark.SWITCHED_FORWARD : RollbackMark.SWITCHED_BACK, from, to, "", Instant.now()));
        session.transaction(List.of(List.of("FT.ALIASUPDATE", name, to), store.saveCommand(next)));
        return new RollbackResult(name, RollbackResult.Action.SWITCHED_BACK, from, to, List.of());
    }

    /**
     * Refuses to serve a version whose index is not the one Slipway built: dropped by hand and another index created
     * under its name, the rollback served that one, exit 0, with other documents (tester session 55 R51 H2). The
     * history keeps each version's schema; the index must still have it.
     */
    private static void refuseReplacedByHand(String name, VersionEntry version, LiveIndexReader reader) {
        Optional<IndexInfo> live = reader.findPhysical(version.physicalIndex());
        if (version.schema() == null || live.isEmpty()
                || VisibleSchema.matches(version.schema().withName(version.physicalIndex()), live.get().schema())) {
            return;
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Version " + version.version() + " of '" + name + "' ("
                + version.physicalIndex() + ") is not the index Slipway built: "
                + String.join("; ", VisibleSchema.differences(version.schema().withName(version.physicalIndex()),
                live.get().schema())) + "; nothing was changed. It was dropped and made again outside Slipway; "
                + "serve it on purpose with 'FT.ALIASUPDATE " + name + " " + version.physicalIndex() + "', or pick "
                + "another version ('slipway status --index " + name + "').");
    }

    /**
     * A plain rollback undoes one migration: when the version the active one replaced is gone, the newest older one
     * would undo the migrations between them too, so it is named instead of served (tester session 40 R29 F3: after
     * a drop-recreate had dropped v2, {@code rollback} served v1, two schema changes back, and exited 0).
     */
    private static void refuseSkipping(String name, VersionHistory history, VersionEntry previous,
                                       LiveIndexReader reader) {
        Optional<VersionEntry> replaced = history.active().flatMap(a -> history.entry(a.replaced()));
        if (replaced.isEmpty() || replaced.get().physicalIndex().equals(previous.physicalIndex())) {
            return;
        }
        VersionEntry gone = replaced.get();
        VersionEntry active = history.active().orElseThrow();
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Cannot roll '" + name + "' back one migration: version "
                + gone.version() + " (" + gone.physicalIndex() + "), which the active version " + active.version()
                + " (" + active.physicalIndex() + ") replaced, " + howGone(gone, reader) + "; nothing was changed. "
                + "The newest retained version before it is version " + previous.version() + " ("
                + previous.physicalIndex() + "): serving it undoes the migration that built version "
                + gone.version() + " as well. To serve it anyway, run 'slipway rollback --index " + name + " --to v"
                + previous.version() + "'; to undo only the last change, plan and apply the reverse change.");
    }

    /** How a version a rollback looked for went: dropped by Slipway (its history says so), or by someone else. */
    private static String howGone(VersionEntry gone, LiveIndexReader reader) {
        return gone.state() == State.DROPPED ? "was dropped (pruned, or by a drop-recreate migration)"
                : reader.findPhysical(gone.physicalIndex()).isEmpty() ? "no longer exists (dropped outside Slipway)"
                : "is " + gone.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The retained version a user named, which must still exist. */
    private static Optional<VersionEntry> requested(String name, VersionHistory history, String version,
                                                    LiveIndexReader reader) {
        // the active version, when the alias was switched away from it by hand: serving it again re-syncs the name
        Optional<VersionEntry> active = history.active().filter(a -> named(a, version))
                .filter(a -> reader.findPhysical(a.physicalIndex()).isPresent())
                .filter(a -> reader.find(name).map(i -> !i.schema().name().equals(a.physicalIndex())).orElse(true));
        if (active.isPresent()) {
            return active;
        }
        List<VersionEntry> retained = history.retained().stream()
                .filter(v -> reader.findPhysical(v.physicalIndex()).isPresent())
                .sorted(Comparator.comparingInt(VersionEntry::version)).toList();
        Optional<VersionEntry> named = retained.stream().filter(v -> named(v, version)).findFirst();
        if (named.isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' has no retained version '" + version
                    + "' to switch to; nothing was changed. " + choices(retained) + "See 'slipway status --index "
                    + name + "'.");
        }
        if (named.get().outdated()) {
            throw outdated(name, named.get(), "");
        }
        return named;
    }

    /**
     * The versions {@code --to} accepts, then those kept but outdated, each with why: they were listed as "Retained"
     * among the choices, and {@code --to} refused them (tester R49 T1 F4).
     */
    private static String choices(List<VersionEntry> retained) {
        List<String> servable = retained.stream().filter(v -> !v.outdated())
                .map(v -> "v" + v.version() + " (" + v.physicalIndex() + ")").toList();
        List<String> outdated = retained.stream().filter(VersionEntry::outdated).map(v -> "v" + v.version() + " ("
                + v.physicalIndex() + "), which " + v.outdatedBy().reason()).toList();
        return "Retained: " + (servable.isEmpty() ? "none" : String.join(", ", servable)) + ". " + (outdated.isEmpty()
                ? "" : "Kept, but not servable: " + String.join("; ", outdated) + ". ");
    }

    /**
     * The refusal to serve a version a document rewrite outdated (built before it, or for the documents it wrote that a
     * rollback from its backup has restored since): it would index none (or not all) of the documents, and a rollback
     * that exits 0 while the name serves nothing is worse than none.
     *
     * @param lead empty for a version asked for with {@code --to}, else what the plain rollback looked for
     */
    private static SlipwayException outdated(String name, VersionEntry entry, String lead) {
        VersionHistory.Rewrite rewrite = entry.outdatedBy();
        String version = "version " + entry.version() + " (" + entry.physicalIndex() + ")";
        return new SlipwayException(ErrorCode.BAD_USAGE, (lead.isEmpty() ? "Cannot serve " + version + " of '" + name
                + "': it " : "Cannot roll '" + name + "' back: " + lead + version + ", ") + rewrite.reason()
                + "; nothing was changed. " + rewrite.advice());
    }

    /**
     * The version the active one replaced; when that one is gone (pruned, or dropped by hand), the one it replaced in
     * turn, and so on (a plain rollback then refuses and names it: {@link #refuseSkipping}). So after apply, rollback,
     * apply, rollback the name serves the original again.
     */
    private static Optional<VersionEntry> previous(VersionHistory history, VersionEntry active,
                                                   LiveIndexReader reader) {
        Set<String> seen = new HashSet<>();
        VersionEntry current = active;
        while (seen.add(current.physicalIndex())) {
            Optional<VersionEntry> replaced = history.entry(current.replaced());
            if (replaced.isEmpty()) {
                return olderRetained(history, current.version(), reader);
            }
            if (replaced.get().outdated()) {
                return Optional.empty(); // so is every version older than it
            }
            if (replaced.get().state() == State.RETAINED
                    && reader.findPhysical(replaced.get().physicalIndex()).isPresent()) {
                return replaced;
            }
            current = replaced.get();
        }
        return Optional.empty();
    }

    /**
     * Where nothing recorded what a version replaced (the first version, an adoption's copy of the original, or a
     * history written before versions recorded it): the newest retained version older than it.
     */
    private static Optional<VersionEntry> olderRetained(VersionHistory history, int version, LiveIndexReader reader) {
        return history.retained().stream().filter(v -> v.version() < version && !v.outdated())
                .filter(v -> reader.findPhysical(v.physicalIndex()).isPresent()).findFirst();
    }
}
