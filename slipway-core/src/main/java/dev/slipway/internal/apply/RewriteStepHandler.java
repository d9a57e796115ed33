package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.StepKind;
import dev.slipway.internal.io.FileReasons;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.plan.RewritePlanner;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.BatchesLanded;
import dev.slipway.internal.rewrite.OldVectorScan;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.RewriteEstimator;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.rewrite.WriteWatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/** Runs the rewrite step, and checks before a migration starts that a rewrite can run at all. */
final class RewriteStepHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteStepHandler.class);

    private RewriteStepHandler() {
    }

    static String run(StepContext context, PlanStep step) {
        ApplyOptions options = context.options();
        Path dir = options.backupDir().orElseThrow();
        try (BackupDirectory backup = recordingNamespace(BackupDirectory.openForPlan(dir, context.plan()),
                context.keys());
             WorkerPool pool = WorkerPool.open(context.session().endpoint(), options.workers(),
                     options.maxRetries()).confirmingTheLockAfterARestart().stoppedBy(context.stop());
             WriteWatch watch = options.watchWrites() ? startWatch(context, options) : null) {
            BackupHeader before = backup.header();
            // a new pass (after conflicts or writes seen, or reopened and not begun: records a killed run appended
            // past the header move its cursor on), or the first pass of a fresh rewrite
            boolean notBegun = before.cursor().equals("0") && before.pendingCursor().equals("0");
            boolean fromFirstPage = switch (before.phase()) {
                case CONFLICTS, WRITES_SEEN -> true;
                case RESCANNING -> notBegun;
                case REWRITING -> notBegun && before.batchesBackedUp() == 0;
                default -> false;
            };
            RewriteEngine engine = new RewriteEngine(context.plan(), backup, pool, context.progress(),
                    new RewriteSettings(options.batchSize(), options.maxDocsPerSecond())
                            .withBatchBytes(context.rewriteBatchBytes())
                            .withFieldExpiries(RewriteMeasurement.keepsFieldExpiries(context.session(),
                                    context.plan().rewrite().orElseThrow())), watch,
                    context.lock()).stopSignal(context.stop())
                    .recordingBatchesIn(context.keys().rewriteBatches(context.plan().source().indexName()))
                    .guardMemory(
                    MemoryGuard.startedBelowLine(context.checkpoint()))
                    .evictedAtStart(Evictions.atStart(context.checkpoint()))
                    .expectedDocuments(context.rewriteDocuments()).filteredBy(context.filterScope())
                    .unjudgedEarlier(context.checkpoint().marks().getOrDefault(Checkpoint.UNJUDGED_BATCHES, 0L),
                            context.checkpoint().marks().getOrDefault(Checkpoint.UNJUDGED_DOCUMENTS, 0L), figures -> {
                                // with the step, so later runs' reports still say it; saved before this run's
                                // own batches, so that a kill keeps it
                                context.checkpoint(context.checkpoint()
                                        .withFigureNow(Checkpoint.UNJUDGED_BATCHES, figures[0])
                                        .withFigureNow(Checkpoint.UNJUDGED_DOCUMENTS, figures[1]));
                                context.saveCheckpoint();
                            });
            String summary = engine.run();
            context.rewroteEveryDocument(fromFirstPage);
            // the server its last pass ran on (a pass after a restart it saw runs on the new one)
            Optional.ofNullable(backup.header().serverRunId()).ifPresent(context::serverRunId);
            return summary;
        }
    }

    /**
     * After validation found documents holding vectors of the old datatype that a new pass of the rewrite converts
     * ({@link OldVectorScan}): sets the backup to a new pass ({@code RESCANNING}; each such document is backed up
     * again, with the value the client wrote, before it is converted). When {@code runNow} and this run's rewrite did
     * not read every document itself (an earlier run did the step, and this one only re-validates; or this run
     * resumed a pass a killed run began, so the documents before its stop were not read again), runs that pass now
     * and returns its summary. Otherwise (the application wrote them after this run's own pass reached them, so it
     * still writes the old format: the user must see that first) marks the step to run again, so that the next run
     * does it, and returns empty. The step is recorded undone before the pass, so a kill during it leaves the pass
     * to the next run.
     */
    static Optional<String> reopenForOldVectors(StepContext context, OldVectorScan.Result found, boolean runNow) {
        MigrationPlan plan = context.plan();
        PlanStep rewrite = plan.steps().stream().filter(s -> s.kind() == StepKind.REWRITE_DOCUMENTS).findFirst()
                .orElseThrow();
        try (BackupDirectory backup = BackupDirectory.openForPlan(context.options().backupDir().orElseThrow(), plan)
                .guardedBy(context.lock())) { // a process that lost its lock to a rollback writes nothing
            BackupHeader header = backup.header();
            // always a pass from the first page: one an earlier run began and did not finish (killed while it
            // repaired, then a run that only validated) has passed documents written in the old form before now
            // (tester session 27, #1: it continued from its cursor and missed them)
            if (header.phase() != BackupHeader.Phase.RESCANNING || !header.cursor().equals("0")) {
                backup.writeHeader(header.restartPass());
            }
        }
        // undone first, and recorded before the pass: a pass that fails, stops or is killed now leaves the step for
        // the next run (a kill used to leave the checkpoint saying it was done, and the next run only validated)
        context.checkpoint(context.checkpoint().withStepUndone(rewrite.name()));
        context.lock().confirmHeld();
        context.saveCheckpoint();
        if (!runNow || context.rewroteEveryDocument()) {
            LOG.info("Documents holding vectors of the old datatype again: {}; the next run of this plan rewrites "
                    + "them", found.found());
            return Optional.empty();
        }
        context.progress().message((found.found() == 1 ? "1 document holds a vector" : found.found()
                + " documents hold vectors") + " of the old datatype (such as "
                + found.examples().get(0) + "), written after the rewrite passed them: rewriting them now, in a new "
                + "pass over every document.");
        context.rewriteBatchBytes(RewriteMeasurement.measureDocuments(plan, context.filterScope(), context.options(),
                context.session().endpoint(), context.progress(), context.stop()));
        String summary = run(context, rewrite);
        context.checkpoint(context.checkpoint().withStepDone(rewrite.name()));
        return Optional.of(summary);
    }

    /**
     * Creates a rewrite's backup directory (its header and plan, no records yet) before the first change: a run
     * stopped or killed between the drop and the rewrite step left no backup, so every rollback route was refused
     * and the index stayed down until the apply was re-run (tester session 23). With the directory in place,
     * {@code rollback --backup-dir} restores nothing and recreates the source index. Nothing for an index-only plan.
     */
    static void createBackup(RedisSession session, MigrationPlan plan, ApplyOptions options, KeyNamespace keys,
                             long inPlace) {
        if (plan.rewrite().isEmpty() || options.backupDir().isEmpty()) {
            return;
        }
        try (BackupDirectory backup = recordingNamespace(BackupDirectory.openForPlan(options.backupDir().get(), plan),
                keys)) {
            if (backup.header().batchesBackedUp() > 0) {
                // a resume reads the records it redoes only once it runs: a damaged one failed it part way, exit 1,
                // though nothing had changed, and the output said a rollback would restore from it (R47 T1 M1)
                backup.verifyForResume();
            }
            BatchesLanded.refuseIfRecordsWereLost(session, keys.rewriteBatches(plan.source().indexName()),
                    plan.planId(), backup.header().batchesBackedUp(), backup.dir().toString());
            BackupOrigin.markOrRequire(session, keys, backup);
            if (inPlace > 0 && backup.header().inPlace() == null) { // found before the first change only
                backup.writeHeader(backup.header().withInPlace(inPlace), true);
            }
            LOG.debug("Backup directory {} ready ({} records)", backup.dir(), backup.header().batchesBackedUp());
        }
    }

    /**
     * Records the apply's key namespace in a backup that does not have it yet, so that a rollback or resume in
     * another one is refused ({@link BackupDirectory#requireNamespace}).
     */
    private static BackupDirectory recordingNamespace(BackupDirectory backup, KeyNamespace keys) {
        if (backup.header().keyNamespace() == null) {
            backup.writeHeader(backup.header().withKeyNamespace(keys.prefix()), true);
        }
        return backup;
    }

    private static WriteWatch startWatch(StepContext context, ApplyOptions options) {
        return WriteWatch.startOrWarn(context.session().endpoint(), context.plan().rewrite().orElseThrow(),
                options.workers(), context.keys().prefix(), "this rewrite");
    }

    /**
     * Whether the backup directory a resumed migration recorded holds no backup any more while its rewrite is not
     * done: deleted (a reboot that wiped /tmp, a cleaner) or moved. Its records are the only originals of the
     * documents rewritten so far.
     */
    private static boolean lostBackup(MigrationPlan plan, Checkpoint resumed, Path recorded) {
        boolean rewriteDone = plan.steps().stream().filter(s -> s.kind() == StepKind.REWRITE_DOCUMENTS)
                .allMatch(s -> resumed.isDone(s.name()));
        return !rewriteDone && BackupDirectory.readHeader(recorded).isEmpty();
    }

    /**
     * A resumed migration continues with the backup directory it recorded. Another one is refused, unless the
     * recorded one lost its backup ({@link #lostBackup}): then the backup moved there, or a new, empty one is given
     * on purpose (the documents rewritten before have no original then, which the run warns of). The recorded one
     * holding no backup now is refused: a new one there would look like the old one, and a rollback from it would
     * leave the documents rewritten before in the new form (tester session 29: a wiped backup directory was started
     * anew and the run exited 0).
     */
    /**
     * A live index that no longer matches the plan while no checkpoint of it exists: when {@code --backup-dir} holds
     * this plan's rewrite, unfinished, the plan was being applied and Slipway's checkpoint is gone (evicted under an
     * allkeys-* policy, or deleted). It used to say the plan was stale and to make a new one, although the index was
     * already dropped (tester session 29 R6 M3). Apply cannot tell which steps ran without it, so it changes
     * nothing; the rollback from the backup works without a checkpoint.
     *
     * @return the refusal to throw instead of {@code stale}, or {@code stale} itself
     */
    static StalePlanException explainMissingCheckpoint(MigrationPlan plan, ApplyOptions options, KeyNamespace keys,
                                                       RedisSession session, StalePlanException stale) {
        if (plan.rewrite().isEmpty() || options.backupDir().isEmpty()) {
            return stale;
        }
        Path dir = options.backupDir().get().toAbsolutePath().normalize();
        Optional<BackupHeader> header = BackupDirectory.readHeader(dir).filter(h -> h.planId().equals(plan.planId())
                && h.phase() != BackupHeader.Phase.ROLLED_BACK);
        if (header.isEmpty()) {
            return stale;
        }
        OptionalLong evicted = Evictions.evictedKeys(session);
        String why = evicted.isPresent() && evicted.getAsLong() > 0 ? "; the server has evicted "
                + evicted.getAsLong() + " keys since it started"
                + new LiveIndexReader(session).memory().map(m -> " (maxmemory-policy " + m.policy() + ")").orElse("")
                + ", so it was most likely evicted" : "";
        return new StalePlanException("No checkpoint of this migration was found (key "
                + keys.checkpoint(plan.source().indexName()) + "), but " + dir + " holds its rewrite, started "
                + header.get().startedAt() + " and left in phase " + header.get().phase() + " with "
                + header.get().documentsRewritten() + " documents rewritten: the checkpoint was evicted or deleted"
                + why + ". Without it apply cannot tell which steps ran, so nothing was changed. Undo the migration "
                + "with 'slipway rollback --backup-dir " + dir + "' (it restores the original documents and "
                + "recreates the index from the backup), then plan again; and keep Slipway's keys from being evicted "
                + "(maxmemory-policy noeviction or volatile-*, or more memory).", stale.problems());
    }

    private static void checkRecordedDirectory(MigrationPlan plan, Optional<Checkpoint> resumed, Path dir,
                                               Optional<BackupHeader> header) {
        Optional<String> recorded = resumed.map(Checkpoint::backupDir).filter(d -> !d.isEmpty());
        if (recorded.isEmpty()) {
            return;
        }
        boolean same = recorded.get().equals(dir.toString());
        if (!lostBackup(plan, resumed.get(), Path.of(recorded.get()))) {
            if (!same) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "This migration was started with --backup-dir "
                        + recorded.get() + "; resume it with the same directory (given: " + dir + "). Nothing was "
                        + "changed.");
            }
            return;
        }
        if (same) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "This migration's rewrite was started with --backup-dir "
                    + dir + ", which holds no backup now (no header.json): it was deleted or "
                    + "moved, and its records are the only originals of the documents rewritten so far. Nothing was "
                    + "changed. Put the directory back as it was, then re-run the same command. If it is lost for "
                    + "good, re-run with a new, empty --backup-dir: the rewrite then continues, but the documents it "
                    + "rewrote before cannot be rolled back from any backup.");
        }
        if (header.isPresent()) {
            LOG.info("This migration's backup moved from {} to {}", recorded.get(), dir); // its plan was checked
            return;
        }
        LOG.warn("The backup directory this migration's rewrite started with ({}) holds no backup now; the rewrite "
                + "continues with the new one ({}), and the documents it rewrote before have no original in it: a "
                + "rollback from it names them and fails", recorded.get(), dir);
    }

    /**
     * Refuses, before anything changes, a rewrite without a backup directory, a lossy one without
     * {@code --accept-data-loss}, a directory holding another plan's backup, a resume with another directory, a
     * path that cannot hold a backup (a file, a directory with other files, one that cannot be written), and a disk
     * too small for the originals (sized from a sample of the live documents, as {@code estimate} does).
     */
    static void check(MigrationPlan plan, ApplyOptions options, Optional<Checkpoint> resumed,
                      RedisEndpoint endpoint, KeyNamespace keys) {
        if (plan.rewrite().isEmpty()) {
            return;
        }
        RewriteSpec rewrite = plan.rewrite().get();
        rewrite.targetPrefix().ifPresent(prefix -> refuseNamespaceUnder(prefix, plan, keys));
        if (options.backupDir().isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "This plan rewrites documents, so apply needs "
                    + "--backup-dir <dir>, where the original bytes are saved before anything changes; nothing was "
                    + "changed.");
        }
        if (rewrite.lossy() && !options.acceptDataLoss()) {
            throw new SlipwayException(ErrorCode.CONFIRMATION_REQUIRED, "This plan converts vectors with loss of "
                    + "precision (" + String.join(", ", RewritePlanner.lossyConversions(rewrite))
                    + "); re-run with --accept-data-loss to confirm. Nothing was changed.");
        }
        Path dir = options.backupDir().get().toAbsolutePath().normalize();
        Optional<BackupHeader> header = BackupDirectory.readHeader(dir);
        header.ifPresent(h -> BackupDirectory.requireNamespace(dir, h, keys.prefix(), "'slipway apply'"));
        header.filter(h -> !h.planId().equals(plan.planId())).ifPresent(h -> {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Backup directory " + dir + " holds the backup of "
                    + "another plan (" + h.planId() + "); nothing was changed. Use an empty directory.");
        });
        checkRecordedDirectory(plan, resumed, dir, header);
        BackupHeader.Phase phase = header.map(BackupHeader::phase).orElse(null);
        if (phase == BackupHeader.Phase.ROLLED_BACK) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup in " + dir + " was rolled back; start a new "
                    + "migration with a new plan and an empty backup directory. Nothing was changed.");
        }
        if (phase == BackupHeader.Phase.ROLLING_BACK) {
            // the rollback counts the records it has restored; rewriting their documents again behind its back
            // would make it skip them when it continues
            throw new SlipwayException(ErrorCode.BAD_USAGE, "A rollback from " + dir + " was started and did not "
                    + "finish; nothing was changed. Finish it first with 'slipway rollback --backup-dir " + dir
                    + "' (it continues where it stopped), then plan the migration again with an empty backup "
                    + "directory.");
        }
        header.filter(h -> h.dataLength() > 0).ifPresent(h -> BackupDirectory.requireRecords(dir, h));
        header.ifPresent(h -> BackupDirectory.requireIntactTail(dir, h));
        checkUsable(dir, plan);
        RewriteEstimator.Needs needs = RewriteEstimator.needs(plan, endpoint);
        checkDiskSpace(dir, needs.diskBytes() - BackupDirectory.dataLength(dir));
        // from the sample, before the CLI's prompt; apply measures every document later (RewriteMeasurement.measureDocuments)
        RewriteMeasurement.checkHeap(needs.largestDocumentBytes(), "the largest sampled", rewrite.storage(),
                Runtime.getRuntime().maxMemory());
    }

    /**
     * Refuses a key namespace that puts Slipway's own keys (this migration's lock and checkpoint, the name's history)
     * under the prefix the documents move to: the conflict check would find them there and blame the user's keys.
     */
    private static void refuseNamespaceUnder(String targetPrefix, MigrationPlan plan, KeyNamespace keys) {
        Set<String> names = new LinkedHashSet<>(List.of(plan.source().indexName(), plan.servedName()));
        keys.keyUnder(targetPrefix, names).ifPresent(key -> {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The key namespace '" + keys.prefix() + "' puts "
                    + "Slipway's own keys (such as " + key + ") under '" + targetPrefix + "', the prefix this plan "
                    + "moves the documents to; nothing was changed. Choose a --namespace outside the index's key "
                    + "prefixes" + (keys.equals(KeyNamespace.DEFAULT) ? "" : " (the default is '"
                    + KeyNamespace.DEFAULT.prefix() + "')") + ".");
        });
    }

    /** A warning before the first change: in the log, and on the progress output the CLI prints. */
    private static void warn(ProgressListener progress, String text) {
        UserWarnings.warn(LOG, progress, text);
    }

    /**
     * A backup directory must be a directory this process can write, new, empty, holding this backup, or what an
     * earlier run stopped while it set this backup up left ({@link BackupDirectory#setUpInterrupted}).
     */
    private static void checkUsable(Path dir, MigrationPlan plan) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new SlipwayException(ErrorCode.FILE_UNWRITABLE, "--backup-dir " + dir + " is a file, not a "
                    + "directory; nothing was changed. Give a new or empty directory.");
        }
        if (Files.isDirectory(dir)) {
            if (BackupDirectory.readHeader(dir).isEmpty() && !isEmpty(dir)
                    && !BackupDirectory.setUpInterrupted(dir, plan)) { // an earlier run's, begun again (R44 T1 M2)
                throw new SlipwayException(ErrorCode.BAD_USAGE, "--backup-dir " + dir + " holds other files and no "
                        + "Slipway backup; nothing was changed. Give a new or empty directory, so that a rollback "
                        + "never mixes a backup with anything else.");
            }
            if (!Files.isWritable(dir)) {
                throw new SlipwayException(ErrorCode.FILE_UNWRITABLE, "--backup-dir " + dir + " cannot be written "
                        + "by this process; nothing was changed. Give a directory it can write.");
            }
            return;
        }
        Path parent = nearestExisting(dir.getParent());
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new SlipwayException(ErrorCode.FILE_UNWRITABLE, "--backup-dir " + dir + " cannot be created"
                    + (parent == null ? "" : ": " + parent + (Files.isDirectory(parent)
                    ? " cannot be written by this process" : " is not a directory")) + "; nothing was changed. Give a "
                    + "directory this process can create or write.");
        }
        probeCreate(dir, parent);
    }

    /**
     * Creates {@code dir} and removes it again, with the directories between it and {@code parent}: write permission
     * on the parent is not enough to know (a root process may write /proc, but it holds no directory; a read-only
     * mount). A directory that cannot be created is refused with the system's reason; nothing is left behind.
     */
    private static void probeCreate(Path dir, Path parent) {
        try {
            Files.createDirectories(dir);
        } catch (IOException | UnsupportedOperationException e) {
            throw new SlipwayException(ErrorCode.FILE_UNWRITABLE, "--backup-dir " + dir + " cannot be created ("
                    + FileReasons.of(e) + "); nothing was changed. Give a directory this process can create or write.",
                    e);
        }
        try {
            for (Path created = dir; created != null && !created.equals(parent); created = created.getParent()) {
                Files.deleteIfExists(created);
            }
        } catch (IOException e) {
            LOG.debug("Could not remove the probe directory {}: {}", dir, e.getMessage());
        }
    }

    /** The path itself, or the closest of its parents that exists; null when none does. */
    private static Path nearestExisting(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing;
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Cannot list --backup-dir " + dir + ": " + e.getMessage()
                    + "; nothing was changed.", e);
        }
    }

    private static void checkDiskSpace(Path dir, long needed) {
        try {
            Path existing = nearestExisting(dir);
            long free = existing == null ? Long.MAX_VALUE : Files.getFileStore(existing).getUsableSpace();
            if (free < needed) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup needs about " + StrategyChoice.mib(needed)
                        + " more but " + dir + " has " + StrategyChoice.mib(free) + " free; nothing was changed. Free "
                        + "space there" + (BackupDirectory.readHeader(dir).isPresent() ? " and re-run the same command"
                        : " or choose another --backup-dir") + ".");
            }
        } catch (IOException e) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Cannot check free space of " + dir + ": "
                    + e.getMessage(), e);
        }
    }
}
