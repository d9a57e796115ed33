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
import dev.slipway.internal.apply.ProgressTask;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.FtCreateArguments;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.internal.version.HistoryStore;
import dev.slipway.internal.version.VersionHistory.RollbackMark;
import dev.slipway.internal.version.VersionHistory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Undoes a rewrite from its backup directory: drops the new index (documents kept), writes every original back
 * (moved keys are renamed back, moved fields return to their old names, converted vectors get their original bytes),
 * then recreates the source index and waits until it has indexed every document. Resumable: the header counts the
 * records restored, and restoring a record twice gives the same result. The caller holds the index's lock.
 */
public final class BackupRestorer {
    /**
     * What a restore that stopped on a busy server says: by then the migrated index is dropped and records are
     * restored (tester session 35 R19 M4: it said "nothing was changed by it").
     */
    private static final String RESUME_RESTORE = "The rollback stopped part way: the migrated index is dropped and "
            + "the original is not built yet, so the index is not served until the rollback finishes. Re-run the same "
            + "rollback when the server is free to continue; restored records are not repeated.";

    private static final Logger LOG = LoggerFactory.getLogger(BackupRestorer.class);
    private static final int MAX_LISTED = 20;
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
     *                          index has been dropped or changed since (nothing was changed)
     */
    public RestoreResult restore(BackupDirectory backup, int workers, int maxRetries, boolean overwriteChanged) {
        MigrationPlan plan = backup.plan();
        requireConsistentHeader(backup, plan);
        if (backup.header().phase() == BackupHeader.Phase.ROLLED_BACK) {
            return alreadyRolledBack(backup, plan);
        }
        refuseIfMigratedSince(backup, plan);
        Optional<Checkpoint> checkpoint = new CheckpointStore(session, keys).load(plan.source().indexName());
        refuseIfAnotherMigrationIsUnfinished(plan, checkpoint);
        refuseIfTheBackupIsElsewhere(plan, backup, checkpoint);
        backup.verify();
        RollbackMemory memory = RollbackMemory.check(new LiveIndexReader(session), plan, backup.header(),
                backup.dir(), ignoreMaxmemory, progress);
        SupersededOriginals superseded = SupersededOriginals.find(backup);
        DocumentRewriter rewriter = new DocumentRewriter(plan.rewrite().orElseThrow(),
                backup.header().quantizationScales());
        VanishedDocuments vanishing = new VanishedDocuments(plan.rewrite().orElseThrow(), rewriter);
        OptionalLong evictedBefore = evictedAtStart(backup.header(), Evictions.evictedKeys(session));
        long writesSeen = 0;
        List<String> written = List.of();
        String watchLost = null;
        try (WorkerPool pool = new WorkerPool(connector, workers, maxRetries);
             WriteWatch watch = WriteWatch.startOrWarn(session.endpoint(), plan.rewrite().orElseThrow(), workers,
                     keys.prefix(), "this rollback")) {
            pool.guardedBy(lock);
            backup.guardedBy(lock);
            if (watch != null) {
                watch.attach(pool); // before the check: a write after it is seen
            }
            // a resumed rollback was checked (or told to overwrite) by its first run; what it restored since would
            // look changed now
            if (!overwriteChanged && backup.header().phase() != BackupHeader.Phase.ROLLING_BACK) {
                new ChangedSinceMigration(pool, rewriter, plan, progress).stopSignal(stop)
                        .refuseIfAny(backup, superseded);
            }
            lock.confirmHeld(); // the check above reads every document, which takes a while
            boolean resumed = backup.header().phase() == BackupHeader.Phase.ROLLING_BACK;
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
                    evictedBefore.isPresent() ? Long.valueOf(evictedBefore.getAsLong()) : null));
            dropTargetIndex(plan);
            String runId = pool.read(WorkerPool::runIdOf);
            if (resumed && restarted(backup.header().serverRunId(), runId)) {
                restoreEveryRecordAgain(plan, backup, "since this rollback last ran", runId);
            }
            backup.writeHeader(backup.header().withServerRunId(runId));
            MemoryCeiling ceiling = memory.guards() ? MemoryCeiling.of(pool,
                    IndexMemoryModel.restoreGrowthPerDocument(plan), evictedBefore.orElse(-1)).everyBatch()
                    : MemoryCeiling.NONE;
            for (int pass = 1; ; pass++) {
                restoreRecords(backup, plan, pool, rewriter, vanishing, superseded, maxRetries, ceiling);
                String now = pool.read(WorkerPool::runIdOf);
                if (!restarted(runId, now) || pass > MAX_PASSES_AFTER_RESTARTS) {
                    break;
                }
                restoreEveryRecordAgain(plan, backup, "during the rollback", now);
                runId = now;
            }
            if (watch != null) {
                watch.sync();
                watch.resolve(key -> false); // every restore has landed
                writesSeen = watch.detected();
                written = watch.examples();
                watchLost = watch.lost().orElse(null);
            }
        }
        lock.confirmHeld();
        String recreated = recreateSourceIndex(plan, backup.header().startedAt(),
                before -> memory.stopBuildIfNear(session, before, plan.source().schema().name(),
                        plan.source().indexMemoryBytes(), ignoreMaxmemory, evictedBefore, plan.servedName(),
                        backup.dir()));
        RollbackMemory.warnIfOverLimit(new LiveIndexReader(session), progress);
        long evictedSinceMigration = evictedSinceMigration(plan);
        new CheckpointStore(session, keys).delete(plan.source().indexName());
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLED_BACK));
        if (writesSeen > 0) {
            // reported after the index is back: stopping half-way would only keep the index down longer, and the
            // value such a write stored is gone either way
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The rollback finished (originals restored, index '"
                    + plan.servedName() + "' recreated), but another client changed documents while it ran ("
                    + Wording.count(writesSeen, "change", "changes") + " seen). A change made after the rollback checked a document and before "
                    + "it restored it was overwritten by the original; one made after the restore is still there. "
                    + "Check these documents against the application's data (the backup in " + backup.dir()
                    + " still holds every original). Changed:", written, null);
        }
        refuseToReportSuccessWithEvictions(plan, backup, evictedBefore);
        refuseToReportSuccessWithMigratedFormLeft(plan, backup);
        if (watchLost != null) {
            // every original is back, as asked, but a write made after the loss may have been overwritten unseen:
            // that is the outcome a seen write fails on too, so it cannot exit 0 (tester session 29 R6 M7 first
            // warned; the decision to fail came in session 37, as apply fails when its watch is lost)
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The rollback finished (originals restored, index '"
                    + plan.servedName() + "' recreated), but its write watch stopped (" + watchLost + ") while it "
                    + "ran, so a change another client made to a document after that and before the rollback "
                    + "restored it may have been overwritten by the original unseen. If no application wrote "
                    + "documents of the index during the rollback, nothing was lost. Otherwise check them against its "
                    + "data (the backup in " + backup.dir() + " still holds every original).");
        }
        return result(backup, plan, recreated, false, superseded, evictedSinceMigration);
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

    /** New passes over the records one rollback makes at most because the server restarted during the one before. */
    private static final int MAX_PASSES_AFTER_RESTARTS = 3;

    /** Whether the server is another one than the {@code run_id} recorded (both known). */
    private static boolean restarted(String before, String now) {
        return before != null && now != null && !before.equals(now);
    }

    /**
     * After the server restarted ({@code when}), which may have lost restores it had acknowledged: the header counts
     * no record restored and names the new {@code run_id}, and the migration's index is dropped again, since a drop
     * lost with them brings it back.
     */
    private void restoreEveryRecordAgain(MigrationPlan plan, BackupDirectory backup, String when, String runIdNow) {
        LOG.warn("The server restarted {} (run_id {} then, {} now), which may have lost restores it had "
                + "acknowledged: every record is restored again", when, backup.header().serverRunId(), runIdNow);
        backup.writeHeader(backup.header().withRestoreProgress(0, 0).withServerRunId(runIdNow));
        dropTargetIndex(plan);
    }

    /**
     * Restores the records the header does not count as restored yet, counting each in the header as it lands (a
     * stopped rollback continues after the last one).
     */
    private void restoreRecords(BackupDirectory backup, MigrationPlan plan, WorkerPool pool,
                                DocumentRewriter rewriter, VanishedDocuments vanishing,
                                SupersededOriginals superseded, int maxRetries, MemoryCeiling ceiling) {
        long[] documents = {0};
        long[] sent = {0};
        long restoredBefore = backup.header().recordsRestored();
        long[] records = {0};
        RatePacer pacer = new RatePacer(docsPerSecond, stop);
        try (ProgressTask task = ProgressTask.begin(progress, "restoring originals",
                backup.header().documentsBackedUp(), "docs")) {
            backup.forEachRecord(0, record -> {
                documents[0] += record.documents().size();
                if (++records[0] <= restoredBefore) { // restored by an earlier run: counted, not repeated
                    return;
                }
                stop.stopHereIfRequested("The rollback stopped after restoring " + (records[0] - 1) + " of "
                        + backup.header().batchesBackedUp() + " records; index '" + plan.servedName() + "' is not "
                        + "served until it finishes. Re-run 'slipway rollback --backup-dir " + backup.dir()
                        + "' to continue; restored records are not repeated.");
                if (records[0] == restoredBefore + 1) {
                    task.update(documents[0] - record.documents().size()); // where an earlier run stopped
                }
                if (ceiling.reached(sent[0], record.documents().size())) {
                    throw nearLimit(ceiling, backup, plan, records[0] - 1);
                }
                sent[0] += record.documents().size();
                // restoring a record again changes nothing in what the first try restored
                long at = records[0] - 1;
                Supplier<Long> restore = () -> restoreRecord(pool, rewriter, vanishing, record.documents(),
                        document -> !superseded.superseded(at, document.key()));
                pacer.beforeWrite();
                long gone = BusyServer.retry(maxRetries, "a record of the rollback", restore, restore,
                        RESUME_RESTORE);
                pacer.landed(record.documents().size());
                backup.writeHeader(backup.header().withRestoreProgress(backup.header().recordsRestored() + 1,
                        backup.header().documentsMissing() + gone), false);
                task.update(documents[0]);
            });
            task.finished();
        }
    }

    /**
     * Keys the server evicted while the rollback ran (at maxmemory, with a policy that evicts): restored documents may
     * be among them, gone from Redis (tester session 29: 14,889 of 20,000 evicted, the rollback exited 0).
     */
    private void refuseToReportSuccessWithEvictions(MigrationPlan plan, BackupDirectory backup, OptionalLong before) {
        long evicted = Evictions.since(session, before);
        if (evicted == 0) {
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The rollback finished (originals restored, index '"
                + plan.servedName() + "' recreated), but the server evicted " + Wording.count(evicted, "key", "keys")
                + " since it began (it reached maxmemory under a policy that evicts; INFO stats evicted_keys counts "
                + "every database): " + Evictions.mayBeAmongThem("restored documents", Evictions.policy(session)
                .orElse(null)) + ", gone from Redis" + (backup.header()
                .documentsMissing() > 0 ? "; " + Wording.count(backup.header().documentsMissing(), "backed-up "
                + "document was", "backed-up documents were") + " already missing at restore (evicted or deleted; "
                + "'slipway rollback' prints them)" : "") + ". Raise maxmemory (or set "
                + "maxmemory-policy noeviction), then compare the documents with the application's data; the backup "
                + "in " + backup.dir() + " still holds every original.");
    }

    /**
     * Documents still in the rewrite's form after the restore ({@link MigratedFormLeft}): the rollback is done, but
     * it fails (exit 1) naming them, since their originals are not in the backup.
     */
    private void refuseToReportSuccessWithMigratedFormLeft(MigrationPlan plan, BackupDirectory backup) {
        MigratedFormLeft.Found left = MigratedFormLeft.find(plan.rewrite().orElseThrow(),
                plan.source().schema().prefixes(), session.endpoint(), backup.header().documentsBackedUp(),
                progress);
        if (left.count() == 0) {
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The rollback finished (originals restored, index '"
                + plan.servedName() + "' recreated), but " + Wording.count(left.count(), "document is", "documents are")
                + " still in the form the migration gave them, and the backup in " + backup.dir() + " holds no "
                + "original for them: its records were damaged or cut off, or the application wrote them in the new "
                + "form after the migration. The restored index cannot take them; restore them from a copy of the "
                + "backup directory or from the application's data. The first of them:", left.examples(), null);
    }

    /**
     * Refuses a header that disagrees with its backup (edited by hand, or files of two backups mixed): another plan
     * than the stored one, or restore progress outside a rollback. Trusting such a count skipped records, restored
     * half the documents and reported them all restored.
     */
    private static void requireConsistentHeader(BackupDirectory backup, MigrationPlan plan) {
        BackupHeader header = backup.header();
        String problem = !header.planId().equals(plan.planId()) ? "its header names plan " + header.planId()
                + " but its plan.yaml is plan " + plan.planId()
                : header.recordsRestored() < 0 || header.recordsRestored() > header.batchesBackedUp()
                ? "its header says " + header.recordsRestored() + " of " + header.batchesBackedUp() + " records "
                + "were restored"
                : header.recordsRestored() > 0 && header.phase() != BackupHeader.Phase.ROLLING_BACK
                && header.phase() != BackupHeader.Phase.ROLLED_BACK
                ? "its header says " + header.recordsRestored() + " records were restored, but no rollback ran "
                + "(phase " + header.phase().name().toLowerCase() + ")"
                : "";
        if (!problem.isEmpty()) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "The backup in " + backup.dir() + " is "
                    + "inconsistent: " + problem + ". Nothing was changed. It was edited, or files of two backups were "
                    + "mixed; put back the directory as 'slipway apply' left it, then re-run.");
        }
    }

    /**
     * Refuses, with nothing changed, while a later migration of the index (another plan) is unfinished or being
     * rolled back: its index may be dropped, so {@link #refuseIfMigratedSince} sees nothing, and its documents are
     * under its new names and fields, where this older backup would count them as deleted. That one has to be
     * finished or undone first, which also needs its checkpoint (this rollback would replace it).
     */
    private static void refuseIfAnotherMigrationIsUnfinished(MigrationPlan plan, Optional<Checkpoint> checkpoint) {
        Optional<Checkpoint> other = checkpoint.filter(c -> !c.planId().equals(plan.planId())
                && c.status() != Checkpoint.Status.COMPLETED);
        if (other.isEmpty()) {
            return;
        }
        Checkpoint c = other.get();
        c.refuseWhileRollingBack("the rollback of an older backup (plan " + plan.planId() + ")");
        String next = c.backupDir().isEmpty() ? "'slipway apply' with that plan, or 'slipway rollback --index "
                + c.index() + "' to discard it" : "'slipway apply' with that plan and --backup-dir " + c.backupDir()
                + (BackupDirectory.readHeader(Path.of(c.backupDir())).isPresent() ? ", or undo it "
                + "with 'slipway rollback --backup-dir " + c.backupDir() + "'" : "");
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Index '" + c.index() + "' has an unfinished later migration ("
                + "plan " + c.planId() + ", " + c.status().name().toLowerCase() + "), so this backup of plan "
                + plan.planId() + " cannot be rolled back now: its documents may have moved on. Nothing was changed. "
                + "Finish that migration first with " + next + ".");
    }

    /**
     * Refuses, with nothing changed, a backup directory other than the one the migration's checkpoint names while
     * that one still holds this plan's backup: the given one is a copy, possibly taken before the rewrite went on,
     * and restoring from it would leave every document rewritten after the copy in the new form (tester session 35
     * R19 M2: 11,449 of 20,000 left migrated, the checkpoint deleted, exit 1 blaming damaged records). apply refuses
     * such a directory too; a directory moved (the recorded one gone) is taken, as apply takes it.
     */
    private static void refuseIfTheBackupIsElsewhere(MigrationPlan plan, BackupDirectory backup,
                                                     Optional<Checkpoint> checkpoint) {
        Optional<String> recorded = checkpoint.filter(c -> c.planId().equals(plan.planId()))
                .map(Checkpoint::backupDir).filter(d -> !d.isEmpty());
        String given = backup.dir().toAbsolutePath().normalize().toString();
        Optional<BackupHeader> theirs = recorded.filter(d -> !d.equals(given))
                .flatMap(d -> BackupDirectory.readHeader(Path.of(d))).filter(h -> h.planId().equals(plan.planId()));
        if (theirs.isEmpty()) {
            return;
        }
        // no way out through the copy is offered: moving the recorded directory away, as this message once advised,
        // let a copy of 6 records of 25 roll back part of the documents (tester session 35 R20 N2)
        throw new SlipwayException(ErrorCode.BAD_USAGE, "This migration's backup is in " + recorded.get() + " (its "
                + "checkpoint names that directory, and it holds the backup of plan " + plan.planId() + ", "
                + theirs.get().batchesBackedUp() + " records); " + given + " is another copy (" + backup.header()
                .batchesBackedUp() + " records), which may be older and miss the originals of documents rewritten "
                + "after it was made. Nothing was changed. Roll back with 'slipway rollback --backup-dir "
                + recorded.get() + "'.");
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
     * Restores one record's documents: moves them back to their old names, then writes their original fields back;
     * returns how many of them are gone (deleted since the migration, or while being restored).
     */
    private static long restoreRecord(WorkerPool pool, DocumentRewriter rewriter, VanishedDocuments vanishing,
                                      List<BackupRecord.DocumentOriginal> documents,
                                      Predicate<BackupRecord.DocumentOriginal> lastOriginal) {
        List<BackupRecord.DocumentOriginal> present = existing(pool, rewriter, documents);
        List<BackupRecord.DocumentOriginal> renamed = renameBack(pool, rewriter, present);
        long vanished = restoreFields(pool, rewriter, vanishing, renamed);
        if (renamed.size() < present.size()) {
            refuseBlockedRenames(present, renamed, rewriter);
        }
        // a document a later record backs up again is counted there
        return documents.stream().filter(lastOriginal).count() - present.stream().filter(lastOriginal).count()
                + vanished;
    }

    /**
     * Refuses, with nothing changed, to roll back over an index that a later migration changed: what is served under
     * the plan's name must be the index this migration created (or its source, when the run stopped before dropping
     * it), reached the same way (alias or not); nothing there means the run stopped between the drop and the create.
     * Restoring the originals under a later migration's index would undo that migration's documents and leave its
     * index failing on them.
     */
    private void refuseIfMigratedSince(BackupDirectory backup, MigrationPlan plan) {
        Optional<IndexInfo> live = new LiveIndexReader(session).find(plan.servedName());
        if (live.isEmpty()) {
            return;
        }
        IndexSchema schema = live.get().schema();
        boolean sameSchema = VisibleSchema.matches(plan.targetSchema(), schema)
                || VisibleSchema.matches(plan.source().schema(), schema);
        if (sameSchema && live.get().isAlias() == plan.source().aliased()) {
            return;
        }
        String now = live.get().isAlias() != plan.source().aliased()
                ? (live.get().isAlias() ? "is now an alias of index '" + schema.name() + "'" : "is no longer an alias")
                : "has another schema";
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Index '" + plan.servedName() + "' " + now + " since the "
                + "migration the backup in " + backup.dir() + " undoes, so another migration has changed it; nothing "
                + "was changed. Restoring these originals would undo that migration's documents too. Roll back the "
                + "later migration first (" + (live.get().isAlias() ? "'slipway rollback --index " + plan.servedName()
                + "', or with its own --backup-dir" : "with its own --backup-dir if it rewrote documents; a "
                + "drop-recreate change of a plain index is undone by planning and applying the reverse change")
                + "), then run this rollback again.");
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
     * A rollback that an earlier run finished is not done again: its steps would drop whatever index now carries the
     * target's name and recreate the source schema over documents that may have been migrated again since. With the
     * source index still in place it reports what the earlier run did; otherwise it refuses. Nothing is changed.
     */
    private RestoreResult alreadyRolledBack(BackupDirectory backup, MigrationPlan plan) {
        IndexSchema source = plan.source().schema();
        Optional<IndexInfo> live = new LiveIndexReader(session).findPhysical(source.name());
        if (live.isEmpty() || !VisibleSchema.matches(source, live.get().schema())) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup in " + backup.dir() + " was already rolled "
                    + "back, and index '" + source.name() + "' has " + (live.isEmpty() ? "been dropped" : "another "
                    + "schema") + " since; nothing was changed. A finished rollback is not repeated: it would undo "
                    + "whatever changed the index afterwards. Plan a new migration to change it.");
        }
        // the first run failed if documents were left in the migrated form; a re-run must not turn that into success
        refuseToReportSuccessWithMigratedFormLeft(plan, backup);
        return result(backup, plan, source.name(), true, SupersededOriginals.find(backup), 0);
    }

    /**
     * Writes the documents' original fields back; returns how many documents turned out to have been deleted (or to
     * have expired) since their existence was checked: what the restore recreated in them is taken back, so they
     * stay deleted, and a JSON document's refused {@code JSON.SET} is not an error.
     */
    private static long restoreFields(WorkerPool pool, DocumentRewriter rewriter, VanishedDocuments vanishing,
                                      List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> commands = documents.stream().map(rewriter::restoreFields).toList();
        List<List<Object>> replies = WritesBeforeDeletes.send(pool, commands);
        BusyServer.refuseIfAny(replies);
        for (int i = 0; i < documents.size(); i++) {
            for (int c = 0; c < commands.get(i).size(); c++) {
                Object reply = replies.get(i).get(c);
                DocumentStore.Command command = commands.get(i).get(c);
                WritesBeforeDeletes.refuseSetNothing(command, reply, "Restoring", "Put the parent object back (or "
                        + "restore the document from the backup by hand), then re-run the same rollback to continue.");
                if (!(reply instanceof Exception e && VanishedDocuments.jsonDocumentGone(command, e))) {
                    checkReply(reply);
                }
            }
        }
        return vanishing.settle(pool, documents, commands, replies, vanishing::takeBackRestore,
                "re-run the same rollback to continue");
    }

    /**
     * Moves documents whose key the rewrite moved back to their old names; returns the documents whose fields may be
     * written back: those not moved, those moved back now or by an earlier run ({@code RENAMENX} then finds no key
     * under the new name), but not one whose old name is taken, which the fields would be written into.
     */
    private static List<BackupRecord.DocumentOriginal> renameBack(WorkerPool pool, DocumentRewriter rewriter,
                                                                  List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> renames = documents.stream().map(rewriter::renameBack).toList();
        if (renames.stream().allMatch(List::isEmpty)) {
            return documents; // no key moved
        }
        List<List<Object>> replies = pool.executeDocuments(renames);
        BusyServer.refuseIfAny(replies);
        List<BackupRecord.DocumentOriginal> renamed = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            replies.get(i).forEach(BackupRestorer::checkReply);
            if (replies.get(i).stream().noneMatch(reply -> reply instanceof Long n && n == 0)) {
                renamed.add(documents.get(i));
            }
        }
        return renamed;
    }

    /**
     * Stops the rollback at a batch some of whose documents could not be moved back: their old name was taken after
     * the migration. The batch's other documents are restored; the record is not counted, so the same rollback, run
     * again once the names are resolved, restores the batch again (which changes nothing for those).
     */
    private static void refuseBlockedRenames(List<BackupRecord.DocumentOriginal> present,
                                             List<BackupRecord.DocumentOriginal> renamed, DocumentRewriter rewriter) {
        List<String> blocked = new ArrayList<>();
        for (BackupRecord.DocumentOriginal document : present) {
            if (!renamed.contains(document)) {
                DocumentStore.Command rename = rewriter.renameBack(document).get(0);
                blocked.add("'" + DocumentRewriter.shown(rename.args().get(0)) + "' cannot move back to '"
                        + DocumentRewriter.shown(rename.args().get(1)) + "', which exists again");
            }
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, blocked.size() + " documents could not be moved back: "
                + "their old names were taken after the migration, and the originals were not written into those "
                + "documents. Delete or rename one of each pair, then run the same rollback again; it continues "
                + "from this batch.", blocked.subList(0, Math.min(blocked.size(), MAX_LISTED)), null);
    }

    /**
     * The documents that still exist under their old or new name. One deleted since the migration stays deleted:
     * writing its originals back would bring back a hash holding only the rewritten fields, and a JSON path cannot
     * be set in a missing key at all. (A document deleted between this check and its restore is not covered; the
     * application's writes are paused during a rollback, as during the rewrite.)
     */
    private static List<BackupRecord.DocumentOriginal> existing(WorkerPool pool, DocumentRewriter rewriter,
                                                               List<BackupRecord.DocumentOriginal> documents) {
        int[] names = ChangedSinceMigration.namesPresent(pool,
                documents.stream().map(rewriter::existenceChecks).toList(), RESUME_RESTORE);
        List<BackupRecord.DocumentOriginal> present = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            if (names[i] != 0) {
                present.add(documents.get(i));
            }
        }
        return present;
    }

    static void checkReply(Object reply) {
        if (reply instanceof Exception e && !String.valueOf(e.getMessage()).toLowerCase().contains("no such key")) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Redis rejected a restore command: "
                    + RedisCommandException.withAdvice(e.getMessage()) + " Re-run the same rollback to continue; "
                    + "restored records are not repeated.");
        }
    }

    /** Drops the index the plan created, unless what stands there is still the source index. */
    private void dropTargetIndex(MigrationPlan plan) {
        LiveIndexReader reader = new LiveIndexReader(session);
        String target = plan.targetSchema().name();
        Optional<IndexInfo> live = reader.findPhysical(target);
        IndexSchema source = plan.source().schema();
        if (live.isPresent() && !VisibleSchema.matches(source.withName(target), live.get().schema())) {
            session.call("FT.DROPINDEX", target);
        }
    }

    /**
     * The stop of a restore whose next records could bring a server that evicts to its limit ({@link
     * MemoryCeiling}), {@code restored} records restored.
     */
    private static SlipwayException nearLimit(MemoryCeiling ceiling, BackupDirectory backup, MigrationPlan plan,
                                              long restored) {
        long evicted = ceiling.evictedSince();
        return new SlipwayException(ErrorCode.MIGRATION_FAILED, "The rollback stopped near the server's maxmemory: "
                + ceiling.describe() + ", and restoring the next records could reach the limit. "
                + RollbackMemory.evictedSaying(evicted, backup.dir(), ceiling.policy()) + restored + " of "
                + backup.header().batchesBackedUp() + " records are restored, and '" + plan.servedName() + "' is not "
                + "served until the rollback finishes. Raise maxmemory (CONFIG SET maxmemory) or free memory, then "
                + "re-run 'slipway rollback --backup-dir " + backup.dir() + "', which continues there.");
    }

    private String recreateSourceIndex(MigrationPlan plan, Instant rewriteStartedAt, Consumer<Boolean> look) {
        LiveIndexReader reader = new LiveIndexReader(session);
        IndexSchema source = plan.source().schema();
        Optional<IndexInfo> existing = reader.findPhysical(source.name());
        if (existing.isEmpty()) {
            look.accept(true); // before the build too: it can outrun any look at it
            session.call(FtCreateArguments.command(source));
        } else if (!VisibleSchema.matches(source, existing.get().schema())) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Documents were restored, but an index named '"
                    + source.name() + "' with another schema is in the way of recreating the original. Drop it and "
                    + "re-run the rollback.");
        } else if (existing.get().stats().indexingFailures() > plan.source().indexingFailures()) {
            // the original stood while documents were rewritten (a server restarted from a snapshot taken before the
            // drop): the server keeps counting the rewritten documents it failed on, though they are restored now,
            // and validation would blame the rollback for them (tester session 35 R19 L4). Built again, it counts
            // only what fails now; the documents stay (no DD).
            LOG.info("Index '{}' counts {} indexing failures, {} when the plan was made: building it again over the "
                    + "restored documents", source.name(), existing.get().stats().indexingFailures(),
                    plan.source().indexingFailures());
            session.call("FT.DROPINDEX", source.name());
            look.accept(true);
            session.call(FtCreateArguments.command(source));
        }
        if (plan.source().aliased()) {
            pointAliasBack(plan, rewriteStartedAt);
        }
        IndexingWait.untilIndexed(reader, source.name(), stop, "The rollback restored every document and recreated "
                + "index '" + source.name() + "', which keeps indexing in the background; re-run the same rollback to "
                + "wait for it and finish.", "Index '" + source.name() + "' is still indexing after an hour; it keeps "
                + "going in the background.", () -> look.accept(false)); // the memory look with each wait
        return source.name();
    }

    /**
     * Points the served name back at the recreated source version, in one transaction with its version history: the
     * source version active again, the version the rewrite created dropped, and a mark that makes a later
     * {@code rollback --index} change nothing (as after one of its own). Without the history, {@code status} named a
     * dropped version as served, and {@code rollback --index} and {@code prune} did not know the version served.
     * Idempotent: a resumed rollback sends the same transaction again, without the history when its restore mark is
     * there already (one of the same plan made after this backup's rewrite started; an older one is from the rollback
     * of an earlier run of the plan, with another backup).
     */
    private void pointAliasBack(MigrationPlan plan, Instant rewriteStartedAt) {
        String name = plan.source().indexName();
        String source = plan.source().schema().name();
        HistoryStore store = new HistoryStore(session, keys);
        VersionHistory history = store.load(name);
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("FT.ALIASUPDATE", name, source));
        if (!history.versions().isEmpty()) { // an alias Slipway has never switched keeps having no history
            String rewritten = plan.targetSchema().name();
            boolean alreadyRestored = history.rollbackMark().filter(m -> m.action().equals(RollbackMark.RESTORED))
                    .filter(m -> m.planId().equals(plan.planId()) && !m.at().isBefore(rewriteStartedAt))
                    .isPresent();
            String from = history.active().map(VersionHistory.VersionEntry::physicalIndex).orElse(rewritten);
            if (!alreadyRestored) {
                commands.add(store.saveCommand(history.restored(source, plan.source().schema(), rewritten,
                        from, plan.planId(), Instant.now())));
            }
        }
        session.transaction(commands);
    }
}
