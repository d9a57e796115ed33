package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.Evictions;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Undoes a rewrite from its backup directory: drops the new index (documents kept), writes every original back
 * (moved keys are renamed back, moved fields return to their old names, converted vectors get their original bytes),
 * then recreates the source index and waits until it has indexed every document. Resumable: the header counts the
 * records restored, and restoring a record twice gives the same result. The caller holds the index's lock.
 *
 * <p>Its parts: {@link RollbackChecks} (the refusals before anything changes), {@link RestorePasses} and
 * {@link RecordRestore} (the records, one pass or more), {@link SourceIndexRebuild} (the indexes dropped and built),
 * {@link LastLook} (the failures of a rollback that finished).
 */
public final class BackupRestorer {
    private static final Logger LOG = LoggerFactory.getLogger(BackupRestorer.class);
    private final RedisSession session;
    private final KeyNamespace keys;
    private final ProgressListener progress;
    private Supplier<DocumentStore> connector;
    private HeldLock lock = HeldLock.NONE;
    private StopSignal stop = new StopSignal();
    private int docsPerSecond;
    private Runnable beforeFirstChange = () -> { };
    private boolean ignoreMaxmemory;

    /** A restorer on the given session. */
    public BackupRestorer(RedisSession session, KeyNamespace keys, ProgressListener progress) {
        this.connector = () -> JedisDocumentStore.open(session.endpoint());
        this.session = session;
        this.keys = keys;
        this.progress = progress;
    }

    /**
     * Confirms the caller's lock before each record and before the index is recreated, and stops once it is lost,
     * so that a rollback that stalled past its lease does not write over what the next holder does.
     */
    public BackupRestorer withLock(HeldLock value) {
        this.lock = value;
        return this;
    }

    /**
     * What asks the rollback to stop: before the next record (the header counts those restored, so the same
     * rollback continues there), during the check for changed documents (nothing changed yet), or while the
     * recreated index is indexing.
     */
    public BackupRestorer withStopSignal(StopSignal signal) {
        this.stop = signal;
        return this;
    }

    /**
     * Starts even when the server's used memory plus what the rollback adds ({@link RollbackMemory}) goes past the
     * line where its build stops; the restore and the build still stop near the limit.
     */
    public BackupRestorer withIgnoreMaxmemory(boolean value) {
        this.ignoreMaxmemory = value;
        return this;
    }

    /** Restores over connections from {@code connector} instead (tests use it to act between the restore's steps). */
    public BackupRestorer withConnector(Supplier<DocumentStore> connector) {
        this.connector = connector;
        return this;
    }

    /**
     * Runs {@code hook} once every check has passed and before the restore's first change (a CLI asks its question
     * there, so that a refusal comes before the question, not after it); an exception it throws ends the rollback
     * with nothing changed. Not run when the backup was already rolled back (nothing is restored then).
     */
    public BackupRestorer withBeforeFirstChange(Runnable hook) {
        this.beforeFirstChange = hook;
        return this;
    }

    /**
     * Restores at most {@code value} documents per second (0: no limit): a record lands at least its documents over
     * the rate after the one before it (a record is restored whole).
     */
    public BackupRestorer withRateLimit(int value) {
        this.docsPerSecond = value;
        return this;
    }

    /**
     * Restores everything the backup holds.
     *
     * @param overwriteChanged restore documents the application changed after the migration too; otherwise a first
     *                         run checks every document before changing anything and refuses if one holds, in a
     *                         field the rewrite touched, a value that is neither its original nor what the rewrite
     *                         wrote
     * @throws SlipwayException {@link ErrorCode#CONFIRMATION_REQUIRED} when such documents exist and
     *                          {@code overwriteChanged} is false (nothing was changed);
     *                          {@link ErrorCode#MIGRATION_FAILED} after a complete restore when the write watch saw
     *                          another client change documents while it ran (see {@link WriteWatch}), naming them,
     *                          or when the watch stopped while it ran;
     *                          {@link ErrorCode#BAD_USAGE} when an earlier run finished this rollback and the source
     *                          index has been dropped or changed since (nothing was changed), unless the server went
     *                          back to a snapshot taken before that run: then the rollback runs again
     */
    public RestoreResult restore(BackupDirectory backup, int workers, int maxRetries, boolean overwriteChanged) {
        MigrationPlan plan = backup.plan();
        RollbackChecks.requireConsistentHeader(backup, plan);
        if (backup.header().phase() == BackupHeader.Phase.ROLLED_BACK && !undoneByARestart(backup, plan)) {
            return alreadyRolledBack(backup, plan, maxRetries);
        }
        RollbackChecks.refuseIfMigratedSince(session, backup, plan);
        Optional<Checkpoint> checkpoint = new CheckpointStore(session, keys).load(plan.source().indexName());
        RollbackChecks.refuseIfAnotherMigrationIsUnfinished(plan, checkpoint);
        RollbackChecks.refuseIfTheBackupIsElsewhere(plan, backup, checkpoint);
        backup.verify();
        RollbackMemory memory = RollbackMemory.check(new LiveIndexReader(session), plan, backup.header(),
                backup.dir(), ignoreMaxmemory, progress);
        Run run = new Run(backup, plan, SupersededOriginals.find(backup),
                new DocumentRewriter(plan.rewrite().orElseThrow(), backup.header().quantizationScales()),
                evictedAtStart(backup.header(), Evictions.evictedKeys(session)), memory);
        BackupHeader.RollbackWatch watched = restoreDocuments(run, workers, maxRetries, overwriteChanged);
        lock.confirmHeld();
        String recreated;
        try {
            recreated = indexes().recreateSourceIndex(plan, backup.header().startedAt(),
                    before -> memory.stopBuildIfNear(session, before, plan.source().schema().name(),
                            plan.source().indexMemoryBytes(), ignoreMaxmemory, run.evictedBefore(), plan.servedName(),
                            backup.dir()));
        } catch (RuntimeException e) {
            refuseIfRestartedSinceTheRestore(backup, e);
            throw e;
        }
        refuseIfRestartedSinceTheRestore(backup, null);
        RollbackMemory.warnIfOverLimit(new LiveIndexReader(session), progress);
        long evictedSinceMigration = evictedSinceMigration(plan);
        new CheckpointStore(session, keys).delete(plan.source().indexName());
        session.call("DEL", keys.rewriteBatches(plan.source().indexName())); // a rewrite stopped part way kept it
        session.call("DEL", keys.backupOrigin(plan.planId())); // a finished rollback is not checked again
        // reported after the index is back: stopping half-way would only keep the index down longer, and the value
        // such a write stored is gone either way
        RuntimeException refused = null;
        try {
            LastLook look = new LastLook(session, progress, plan, backup);
            look.refuseWithWrites(watched);
            look.refuseWithEvictions(run.evictedBefore());
            look.refuseWithMigratedFormLeft(run.superseded(), maxRetries);
            look.refuseUnwatched(watched);
        } catch (RuntimeException e) {
            refused = e;
        }
        // a restart during the last look (or just before it) may have lost every restore: its scans, begun again on
        // the restarted server, then found nothing left in the migrated form where a prefix move had put it back
        // elsewhere, and the run said it restored what it had lost (tester session 38 R25 F1). The phase stays
        // ROLLING_BACK then, so that the re-run restores every record again instead of refusing a finished rollback
        refuseIfRestartedSinceTheRestore(backup, refused);
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLED_BACK));
        if (refused != null) { // done all the same: a re-run repeats the last look, not the restore
            throw refused;
        }
        return result(backup, plan, recreated, false, run.superseded(), evictedSinceMigration);
    }

    /** What one rollback works with, found before it changes anything ({@link RestorePasses} too). */
    record Run(BackupDirectory backup, MigrationPlan plan, SupersededOriginals superseded, DocumentRewriter rewriter,
               OptionalLong evictedBefore, RollbackMemory memory) {
    }

    /**
     * Writes every original back under the write watch: checks first that no document changed since the migration
     * (unless told to overwrite; a resumed rollback checks the records not restored yet), asks its question, marks
     * the rollback begun, drops the migration's index, then restores the records (again after a restart of the
     * server). Returns what the watch saw, in this run and in the stopped runs of the same rollback before it.
     */
    private BackupHeader.RollbackWatch restoreDocuments(Run run, int workers, int maxRetries,
                                                        boolean overwriteChanged) {
        MigrationPlan plan = run.plan();
        BackupDirectory backup = run.backup();
        try (WorkerPool pool = new WorkerPool(connector, workers, maxRetries).stoppedBy(stop);
             WriteWatch watch = WriteWatch.startOrWarn(session.endpoint(), plan.rewrite().orElseThrow(), workers,
                     keys.prefix(), "this rollback")) {
            pool.guardedBy(lock);
            backup.guardedBy(lock);
            if (watch != null) {
                watch.attach(pool); // before the check: a write after it is seen
            }
            boolean resumed = backup.header().phase() == BackupHeader.Phase.ROLLING_BACK;
            // a resumed rollback checks only the records not restored yet: what it restored would look changed now
            if (!overwriteChanged) {
                new ChangedSinceMigration(pool, run.rewriter(), plan, progress).stopSignal(stop)
                        .refuseIfAny(backup, run.superseded(), resumed);
            }
            lock.confirmHeld(); // the check above reads every document, which takes a while
            if (!resumed && watch != null && watch.lost().isPresent()) {
                // lost before anything changed: stopping keeps no index down (tester session 31 R10 L1)
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The rollback's write watch stopped ("
                        + watch.lost().get() + ") before the rollback changed anything; nothing was changed. Re-run "
                        + "the same command.");
            }
            beforeFirstChange.run();
            lock.confirmHeld(); // a person may have taken a while to answer
            markRollingBack(plan, backup);
            backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLING_BACK).withEvictedAtRollback(
                    run.evictedBefore().isPresent() ? Long.valueOf(run.evictedBefore().getAsLong()) : null));
            indexes().dropTargetIndex(plan);
            BackupHeader.RollbackWatch earlier = resumed && backup.header().rollbackWatch() != null
                    ? backup.header().rollbackWatch() : BackupHeader.RollbackWatch.NOTHING;
            // judged as each record lands (every change the server made before it read, sorted out), so that a
            // stopped or killed run leaves what its watch saw in the header (tester session 37 R24 N1: the changes
            // were judged only at the end, and a stop forgot them)
            Supplier<BackupHeader.RollbackWatch> soFar = () -> {
                if (watch == null) {
                    return earlier;
                }
                watch.sync();
                watch.resolve(key -> false); // the records so far have landed
                return earlier.then(new BackupHeader.RollbackWatch(watch.lost().orElse(null), watch.detected(),
                        watch.examples()));
            };
            try {
                new RestorePasses(progress, stop, docsPerSecond, indexes(), soFar).restoreEveryRecord(run, pool,
                        maxRetries, resumed);
            } catch (RuntimeException e) {
                recordQuietly(backup, soFar); // a stop: the run that finishes the rollback reports it
                throw e;
            }
            // what the watch saw until the last restore landed, recorded with it: a loss after that (a server
            // restart before the index step, say) can have let no restore overwrite a change unseen
            BackupHeader.RollbackWatch all = backup.header().rollbackWatch();
            return all == null ? BackupHeader.RollbackWatch.NOTHING : all;
        }
    }

    /**
     * Fails, before the rollback is recorded as done, when the server restarted after the restore passes last looked
     * (its {@code run_id} is not the one the header names): a restart from a snapshot taken before the rollback loses
     * restores it had acknowledged, and the index step then fails on a state it did not make (tester session 37 R23
     * L1: a raw "Unknown index name" from {@code FT.ALIASUPDATE}) or succeeds over documents not restored, and the
     * last look finds nothing where they are now. The re-run sees the new {@code run_id} and restores every record
     * again. {@code failure}, the index step's or the last look's, is kept as the cause, not quoted: its advice
     * (correct the documents by hand, say) is about a state the restart made (tester R26 F-B); without a restart (or
     * when the server cannot say) nothing is thrown.
     */
    private void refuseIfRestartedSinceTheRestore(BackupDirectory backup, RuntimeException failure) {
        String then = backup.header().serverRunId();
        String now;
        try {
            now = session.runId();
        } catch (RuntimeException unreachable) {
            if (failure != null) {
                failure.addSuppressed(unreachable);
            }
            return; // the index step's failure, or none, says more than a failed look
        }
        if (!WorkerPool.restarted(then, now)) {
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The server restarted after the rollback restored the "
                + "originals (run_id " + then + " then, " + now + " now), so it may have lost restores it had "
                + "acknowledged" + (failure == null ? "" : ", and what the rollback met on it since (an index or "
                + "documents in the migrated form) follows from that") + ". Nothing is lost: the backup in "
                + backup.dir() + " still holds "
                + "every original. Re-run the same 'slipway rollback' command: it sees the restart and restores every "
                + "record again.", failure);
    }

    /**
     * Records what the watch saw in the header, unless that fails too (the lock lost, a listener's connection gone
     * while it syncs): the failure that stopped the run is the one to report.
     */
    private static void recordQuietly(BackupDirectory backup, Supplier<BackupHeader.RollbackWatch> watched) {
        try {
            backup.writeHeader(backup.header().withRollbackWatch(watched.get()));
        } catch (RuntimeException e) {
            // the records written so far carry what the watch saw until the last of them
        }
    }

    /** The index side of the rollback, with this restorer's stop signal. */
    private SourceIndexRebuild indexes() {
        return new SourceIndexRebuild(session, keys, stop);
    }

    /**
     * The server's {@code evicted_keys} when this rollback began: as its first run recorded it in the header, so that
     * the run that finishes a stopped rollback reports the evictions of the stopped one too (tester session 34 R16
     * H1: it exited 0); the figure now when none is recorded, or when the count went down since (a restart resets it).
     */
    private static OptionalLong evictedAtStart(BackupHeader header, OptionalLong now) {
        Long recorded = header.evictedAtRollback();
        if (recorded == null || now.isEmpty() || now.getAsLong() < recorded) {
            return now;
        }
        return OptionalLong.of(recorded);
    }

    /**
     * Marks the index's checkpoint as rolling back, so that {@code status} says so and {@code apply},
     * {@code rollback --index} and {@code prune} refuse until this rollback finished (which deletes it).
     */
    private void markRollingBack(MigrationPlan plan, BackupDirectory backup) {
        CheckpointStore checkpoints = new CheckpointStore(session, keys);
        String index = plan.source().indexName();
        String owner = MigrationLock.processOwner();
        Checkpoint rolling = checkpoints.load(index).filter(c -> c.planId().equals(plan.planId()))
                .orElseGet(() -> Checkpoint.start(plan.planId(), index, owner))
                .ownedBy(owner).withStatus(Checkpoint.Status.ROLLING_BACK)
                .withBackupDir(backup.dir().toAbsolutePath().normalize().toString());
        checkpoints.save(rolling);
    }

    /**
     * What the backup's header says was restored, with the index recreated (or found in place). A document backed up
     * by more than one pass counts once; one found deleted counts once per original (so at most as often as it was
     * backed up).
     */
    private static RestoreResult result(BackupDirectory backup, MigrationPlan plan, String index,
                                        boolean alreadyRolledBack, SupersededOriginals superseded,
                                        long evictedSinceMigration) {
        long gone = backup.header().documentsMissing();
        long documents = backup.header().documentsBackedUp() - superseded.count();
        return new RestoreResult(plan.servedName(), plan.planId(), Math.max(0, documents - gone),
                Math.min(gone, documents), index, backup.dir().toString(), alreadyRolledBack, evictedSinceMigration);
    }

    /**
     * Keys the server evicted since the migration began, by the figure apply recorded in its checkpoint (which the
     * rollback is about to delete): documents missing at restore were likely among them, and the rollback says so
     * instead of "may" (tester session 34 R18 F6). 0 when either figure is unknown, or the count went down.
     */
    private long evictedSinceMigration(MigrationPlan plan) {
        return Evictions.since(session, new CheckpointStore(session, keys).load(plan.source().indexName())
                .filter(c -> c.planId().equals(plan.planId())).map(Evictions::atStart).orElse(OptionalLong.empty()));
    }

    /**
     * Whether a finished rollback was undone by the server going back in time, and then reopens it (phase
     * ROLLING_BACK, no record restored): the server restarted from a snapshot taken before the rollback, so it holds
     * the migrated index and documents again, and the plan's checkpoint, which the finished rollback had deleted
     * (tester session 38 R26 F-D: every re-run refused as a finished rollback, and a plan back to the old datatype
     * could not give back the exact originals the backup holds). All three must hold: another {@code run_id} than
     * the one the rollback restored on, the migration's checkpoint naming this backup directory, and the index with
     * exactly the plan's target schema; anything else is a later change, which a finished rollback must not undo.
     */
    private boolean undoneByARestart(BackupDirectory backup, MigrationPlan plan) {
        String now = session.runId();
        if (!WorkerPool.restarted(backup.header().serverRunId(), now)) {
            return false;
        }
        boolean checkpointBack = new CheckpointStore(session, keys).load(plan.source().indexName())
                .filter(c -> c.planId().equals(plan.planId()))
                .filter(c -> c.backupDir() != null && Path.of(c.backupDir()).toAbsolutePath().normalize()
                        .equals(backup.dir().toAbsolutePath().normalize()))
                .isPresent();
        Optional<IndexInfo> target = new LiveIndexReader(session).findPhysical(plan.targetSchema().name());
        if (!checkpointBack || target.isEmpty() || !VisibleSchema.matches(plan.targetSchema(), target.get().schema())) {
            return false;
        }
        LOG.warn("The server restarted since this rollback finished (run_id {} then, {} now) and holds the "
                + "migration's index and checkpoint again: it went back to a snapshot taken before the rollback, so "
                + "the rollback runs again and restores every record", backup.header().serverRunId(), now);
        // what the finished run's watch saw belongs to the timeline the server left
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLING_BACK).withRestoreProgress(0, 0)
                .withRollbackWatch(BackupHeader.RollbackWatch.NOTHING));
        return true;
    }

    /**
     * A rollback that an earlier run finished is not done again: its steps would drop whatever index now carries the
     * target's name and recreate the source schema over documents that may have been migrated again since. With the
     * source index still in place it reports what the earlier run did; otherwise it refuses. Nothing is changed.
     */
    private RestoreResult alreadyRolledBack(BackupDirectory backup, MigrationPlan plan, int maxRetries) {
        IndexSchema source = plan.source().schema();
        LiveIndexReader reader = new LiveIndexReader(session);
        Optional<IndexInfo> live = reader.findPhysical(source.name());
        // the name may serve another version since (a later zero-downtime migration keeps this one retained): the
        // re-run said "has its original schema" naming a version no longer served, exit 0 (tester session 55 R49 T1 F1)
        Optional<String> served = reader.find(plan.source().indexName()).map(i -> i.schema().name())
                .filter(physical -> !physical.equals(source.name()));
        if (live.isEmpty() || !VisibleSchema.matches(source, live.get().schema()) || served.isPresent()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup in " + backup.dir() + " was already rolled "
                    + "back, and " + (served.isPresent() ? "'" + plan.source().indexName() + "' serves '"
                    + served.get() + "'" : "index '" + source.name() + "' has " + (live.isEmpty() ? "been dropped"
                    : "another schema")) + " since; nothing was changed. A finished rollback is not repeated: it "
                    + "would undo whatever changed the index afterwards. Plan a new migration to change it.");
        }
        // the first run failed if documents were left in the migrated form; a re-run must not turn that into success
        SupersededOriginals superseded = SupersededOriginals.find(backup);
        new LastLook(session, progress, plan, backup).refuseWithMigratedFormLeft(superseded, maxRetries);
        return result(backup, plan, source.name(), true, superseded, 0);
    }
}
