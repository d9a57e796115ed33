package dev.slipway.internal.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.apply.ProgressTask;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.IndexMemoryModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Supplier;

/**
 * The passes of a rollback over its backup's records ({@link BackupRestorer}): each record restored whole, paced by
 * the rate limit, retried on a busy server, and counted in the header as it lands, so that a stopped rollback goes on
 * after the last one; a new pass over every record after the server restarted, which may have lost restores it had
 * acknowledged; a stop near the server's maxmemory.
 */
final class RestorePasses {
    private static final Logger LOG = LoggerFactory.getLogger(RestorePasses.class);
    private final ProgressListener progress;
    private final StopSignal stop;
    private final int docsPerSecond;
    private final SourceIndexRebuild indexes;
    private final Supplier<BackupHeader.RollbackWatch> watched;

    /**
     * Passes that report progress on {@code progress}, honour {@code stop} between records, restore at most
     * {@code docsPerSecond} (0: no limit), and record with each record what the write watch has seen so far
     * ({@code watched}).
     */
    RestorePasses(ProgressListener progress, StopSignal stop, int docsPerSecond, SourceIndexRebuild indexes,
                  Supplier<BackupHeader.RollbackWatch> watched) {
        this.progress = progress;
        this.stop = stop;
        this.docsPerSecond = docsPerSecond;
        this.indexes = indexes;
        this.watched = watched;
    }

    /**
     * What a stop message adds about the write watch (tester session 37 R24 N4): the run that finishes the rollback
     * fails on a loss or on changes seen, and the user should know it before.
     */
    private String watchSaid() {
        BackupHeader.RollbackWatch seen = watched.get();
        return (seen.lost() == null ? "" : " Its write watch had stopped (" + seen.lost() + "), so the run that "
                + "finishes it will say so and exit 1.") + (seen.writesSeen() == 0 ? "" : " Another client changed "
                + seen.writesSeen() + " of the documents while it ran; the run that finishes it will name them and "
                + "exit 1.");
    }

    /**
     * Restores the records not restored yet, and every record again when the server restarted since this rollback
     * last ran or while it ran (up to {@value #MAX_PASSES_AFTER_RESTARTS} more passes).
     */
    void restoreEveryRecord(BackupRestorer.Run run, WorkerPool pool, int maxRetries, boolean resumed) {
        MigrationPlan plan = run.plan();
        BackupDirectory backup = run.backup();
        // records are restored one after the other: a killed run can have been writing only the first one not counted
        long inFlight = resumed ? backup.header().recordsRestored() + 1 : 0;
        String runId = pool.read(WorkerPool::runIdOf);
        if (resumed && WorkerPool.restarted(backup.header().serverRunId(), runId)) {
            restoreEveryRecordAgain(plan, backup, "since this rollback last ran", runId);
        }
        backup.writeHeader(backup.header().withServerRunId(runId));
        MemoryCeiling ceiling = run.memory().guards() ? MemoryCeiling.of(pool,
                IndexMemoryModel.restoreGrowthPerDocument(plan), run.evictedBefore().orElse(-1)).everyBatch()
                : MemoryCeiling.NONE;
        VanishedDocuments vanishing = new VanishedDocuments(plan.rewrite().orElseThrow(), run.rewriter());
        for (int pass = 1; ; pass++) {
            restoreRecords(backup, plan, pool, run.rewriter(), vanishing, run.superseded(), maxRetries, ceiling,
                    pass == 1 ? inFlight : 0);
            String now = pool.read(WorkerPool::runIdOf);
            if (!WorkerPool.restarted(runId, now) || pass > MAX_PASSES_AFTER_RESTARTS) {
                return;
            }
            restoreEveryRecordAgain(plan, backup, "during the rollback", now);
            runId = now;
        }
    }

    /** New passes over the records one rollback makes at most because the server restarted during the one before. */
    private static final int MAX_PASSES_AFTER_RESTARTS = 3;

    /**
     * After the server restarted ({@code when}), which may have lost restores it had acknowledged: the header counts
     * no record restored and names the new {@code run_id}, and the migration's index is dropped again, since a drop
     * lost with them brings it back.
     */
    private void restoreEveryRecordAgain(MigrationPlan plan, BackupDirectory backup, String when, String runIdNow) {
        LOG.warn("The server restarted {} (run_id {} then, {} now), which may have lost restores it had "
                + "acknowledged: every record is restored again", when, backup.header().serverRunId(), runIdNow);
        backup.writeHeader(backup.header().withRestoreProgress(0, 0).withServerRunId(runIdNow));
        indexes.dropTargetIndex(plan);
    }

    /**
     * Restores the records the header does not count as restored yet, counting each in the header as it lands (a
     * stopped rollback continues after the last one). Before record number {@code inFlight} (0: none), the one a
     * killed run may have been restoring, deletes what that run's writes brought back of documents that vanished
     * meanwhile, had it died before taking that back ({@link VanishedDocuments#restoredPartialsLeftBehind}).
     */
    private void restoreRecords(BackupDirectory backup, MigrationPlan plan, WorkerPool pool,
                                DocumentRewriter rewriter, VanishedDocuments vanishing,
                                SupersededOriginals superseded, int maxRetries, MemoryCeiling ceiling, long inFlight) {
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
                if (stop.isRequested()) {
                    stop.stopHereIfRequested("The rollback stopped after restoring " + (records[0] - 1) + " of "
                            + backup.header().batchesBackedUp() + " records; index '" + plan.servedName() + "' is not "
                            + "served until it finishes. Re-run 'slipway rollback --backup-dir " + backup.dir()
                            + "' to continue; restored records are not repeated." + watchSaid());
                }
                if (records[0] == restoredBefore + 1) {
                    task.update(documents[0] - record.documents().size()); // where an earlier run stopped
                }
                if (ceiling.reached(sent[0], record.documents().size())) {
                    throw nearLimit(ceiling, backup, plan, records[0] - 1);
                }
                sent[0] += record.documents().size();
                // restoring a record again changes nothing in what the first try restored
                long at = records[0] - 1;
                List<List<BackupRecord.DocumentOriginal>> parts = evenParts(record.documents(), docsPerSecond);
                if (records[0] == inFlight) {
                    deletePartialsLeftBehind(pool, vanishing, record, backup, maxRetries);
                }
                long gone = 0;
                long restored = documents[0] - record.documents().size();
                for (int i = 0; i < parts.size(); i++) {
                    List<BackupRecord.DocumentOriginal> part = parts.get(i);
                    Supplier<Long> restore = () -> RecordRestore.restoreRecord(pool, rewriter, vanishing, part,
                            document -> !superseded.superseded(at, document.key()));
                    pacer.beforeWrite(part.size());
                    gone += BusyServer.retry(maxRetries, "a record of the rollback", restore, restore,
                            RecordRestore.RESUME_RESTORE);
                    if (i == parts.size() - 1) {
                        // what the watch saw goes with each record: a run stopped or killed later cannot lose it
                        backup.writeHeader(backup.header().withRollbackWatch(watched.get()).withRestoreProgress(
                                backup.header().recordsRestored() + 1,
                                backup.header().documentsMissing() + gone), false);
                    }
                    pacer.landed(part.size());
                    restored += part.size();
                    task.update(restored);
                }
            });
            task.finished();
        }
    }

    /**
     * Deletes what a killed run's writes brought back of {@code record}'s documents that vanished while it restored
     * them (tester session 48 R43 T2 F4, on the rollback's side); the restore then finds them gone and counts them
     * as missing, as any document gone since the migration.
     */
    private void deletePartialsLeftBehind(WorkerPool pool, VanishedDocuments vanishing, BackupRecord record,
                                          BackupDirectory backup, int maxRetries) {
        long[] deleted = {0};
        Supplier<Long> check = () -> VanishedDocuments.deleteLeftBehind(pool,
                vanishing.restoredPartialsLeftBehind(record), n -> deleted[0] += n, "Re-run 'slipway rollback "
                + "--backup-dir " + backup.dir() + "' to continue; restored records are not repeated.");
        BusyServer.retry(maxRetries, "the check of the record an earlier run was restoring", check, check,
                RecordRestore.RESUME_RESTORE);
        if (deleted[0] > 0) {
            progress.message("An earlier run of this rollback, killed while restoring, had brought back in part "
                    + Wording.count(deleted[0], "document", "documents") + " deleted or expired meanwhile: deleted "
                    + "again, and counted as missing.");
        }
    }

    /**
     * A record's documents in equal parts that a rate limit keeps whole within a second: none larger than {@link
     * ApplyOptions#batchSizeAt} of the record's size (the whole record without a limit, or when it fits). A record of
     * 1,000 restored at 200 a second landed at once, five times the rate within a second, every 5 s (tester session
     * 39 R27 F5). A part is restored as a record is (restoring it again changes nothing), and the record counts as
     * restored once its last part is.
     */
    static <T> List<List<T>> evenParts(List<T> items, int docsPerSecond) {
        int most = ApplyOptions.batchSizeAt(items.size(), docsPerSecond);
        if (items.size() <= most) {
            return List.of(items);
        }
        int count = (items.size() + most - 1) / most;
        return BatchReader.atMost(items, (items.size() + count - 1) / count);
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
}
