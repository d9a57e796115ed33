package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.plan.RewritePlanner;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.ConflictCheck;
import dev.slipway.internal.rewrite.DocumentSizes;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.OldVectorScan;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteEstimator;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.rewrite.WriteWatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
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
                     options.maxRetries()).confirmingTheLockAfterARestart();
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
                    new RewriteEngine.RewriteSettings(options.batchSize(), options.maxDocsPerSecond())
                            .withBatchBytes(context.rewriteBatchBytes())
                            .withFieldExpiries(keepsFieldExpiries(context.session(),
                                    context.plan().rewrite().orElseThrow())), watch,
                    context.lock()).stopSignal(context.stop()).guardMemory(
                    MemoryGuard.startedBelowLine(context.checkpoint()))
                    .evictedAtStart(Evictions.atStart(context.checkpoint()))
                    .expectedDocuments(context.rewriteDocuments()).filteredBy(context.filterScope());
            String summary = engine.run();
            long[] unjudged = engine.unjudgedEarlier();
            if (unjudged[1] > 0) { // saved with the step, so later runs' reports still say it
                context.checkpoint(context.checkpoint().withFigure(Checkpoint.UNJUDGED_BATCHES, unjudged[0])
                        .withFigure(Checkpoint.UNJUDGED_DOCUMENTS, unjudged[1]));
            }
            context.rewroteEveryDocument(fromFirstPage);
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
        context.rewriteBatchBytes(measureDocuments(plan, context.filterScope(), context.options(),
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
    static void createBackup(MigrationPlan plan, ApplyOptions options, KeyNamespace keys) {
        if (plan.rewrite().isEmpty() || options.backupDir().isEmpty()) {
            return;
        }
        try (BackupDirectory backup = recordingNamespace(BackupDirectory.openForPlan(options.backupDir().get(), plan),
                keys)) {
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
        checkUsable(dir);
        RewriteEstimator.Needs needs = RewriteEstimator.needs(plan, endpoint);
        checkDiskSpace(dir, needs.diskBytes() - BackupDirectory.dataLength(dir));
        // from the sample, before the CLI's prompt; apply measures every document later (measureDocuments)
        checkHeap(needs.largestDocumentBytes(), "the largest sampled", rewrite.storage(),
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

    /**
     * How much heap a batch's values take, as a multiple of their size, while the rewrite runs: up to four batches
     * are in flight (read, backed up, written, landing), the backup record copies the originals into a direct
     * buffer (which the JVM counts against the same limit), and Jedis copies every argument it sends; JSON values
     * are also held as text. Measured with 1 MB values (the smallest -Xmx that finished batches of 20 and 40
     * documents: HASH 85 and 155 MB, JSON 115 and 225 MB), then rounded up; see docs/architecture.md.
     */
    static final int HASH_BATCH_COPIES = 4;
    static final int JSON_BATCH_COPIES = 6;
    /** Heap the rest of a migration uses besides the batches. */
    static final long HEAP_RESERVE = 32L << 20;

    /**
     * Refuses, before anything changes, a document too large for this JVM's memory even alone in a batch (the
     * rewrite would run out of memory part way, which is safe, but leaves the index dropped, and no re-run with the
     * same memory could finish). Batches of smaller documents are cut to fit ({@link #batchBytes}).
     *
     * @param largest    the largest document's values, in bytes
     * @param largestKey its key, or a description of where it was found
     */
    static void checkHeap(long largest, String largestKey, StorageType storage, long maxHeap) {
        long needed = largest * copies(storage) + HEAP_RESERVE;
        if (needed <= maxHeap) {
            return;
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "The largest document to rewrite (" + largestKey + ", "
                + StrategyChoice.mib(largest) + " in the fields the rewrite reads) needs about "
                + StrategyChoice.mib(needed) + " of memory while it is rewritten, but this JVM may use "
                + StrategyChoice.mib(maxHeap) + "; nothing was changed. Give the JVM more memory (with the CLI: "
                + "SLIPWAY_JAVA_OPTS=-Xmx<size>), then re-run the same command.");
    }

    private static int copies(StorageType storage) {
        return storage == StorageType.JSON ? JSON_BATCH_COPIES : HASH_BATCH_COPIES;
    }

    /**
     * The most bytes of values a batch may hold in this JVM, or 0 when {@code batchSize} documents of the largest
     * size fit anyway (then nothing is measured while rewriting: the usual case costs nothing).
     */
    static long batchBytes(long largest, StorageType storage, int batchSize, long maxHeap) {
        long budget = Math.max((maxHeap - HEAP_RESERVE) / copies(storage), 1);
        return largest * batchSize <= budget ? 0 : budget;
    }

    /**
     * Before anything changes (a fresh run or a resume, under the lock): measures every document the rewrite will
     * read ({@link DocumentSizes#survey}), refuses one too large for this JVM's memory, and returns the bytes per
     * batch the rewrite must keep to ({@link #batchBytes}), telling the user when it cuts batches. When the server
     * refuses the size queries, warns and returns 0 (the check made from the sample stands).
     */
    static long measureDocuments(MigrationPlan plan, FilterScope filter, ApplyOptions options,
                                 RedisEndpoint endpoint, ProgressListener progress, StopSignal stop) {
        return measure(plan, filter, options, endpoint, progress, stop).batchBytes();
    }

    /**
     * What {@link #measureDocuments} found: the bytes per batch, and the documents that hold a field the rewrite
     * reads (-1 when the server refused the size queries).
     */
    record Measured(long batchBytes, long holding) {
    }

    /** {@link #measureDocuments}, with the count of the documents to rewrite. */
    static Measured measure(MigrationPlan plan, FilterScope filter, ApplyOptions options, RedisEndpoint endpoint,
                            ProgressListener progress, StopSignal stop) {
        RewriteSpec rewrite = plan.rewrite().orElseThrow();
        DocumentSizes.Survey survey;
        try {
            // an index with a FILTER the patch changes does not count what its rewrite converts: the total is not
            // known yet
            boolean counted = plan.source().schema().filter().isEmpty() || filter.narrows();
            survey = DocumentSizes.survey(rewrite, filter, counted ? rewrite.documents() : 0, endpoint,
                    options.batchSize(), options.maxRetries(), progress, stop);
        } catch (JedisException | SlipwayException e) {
            if (e instanceof SlipwayException s && s.code() != ErrorCode.REDIS_UNAVAILABLE) {
                throw s;
            }
            // a server still busy, loading or unreachable after --retries (tester session 35 R19 M4: reported as an
            // "unexpected" exception, with no word of what had changed)
            throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Could not count and measure the documents to "
                    + "rewrite: Redis at " + endpoint.redacted() + " answered '" + e.getMessage() + "' after "
                    + options.maxRetries() + " retries (--retries). This run had changed nothing yet (what an earlier "
                    + "run of this plan did stays as it was). Re-run the same command when the server answers "
                    + "again.", e);
        } catch (DocumentSizes.UnmeasurableException e) {
            warn(progress, "could not measure the documents before rewriting them (" + e.getMessage() + "); "
                    + "memory was checked against a sample only, so a document much larger than the sampled ones "
                    + "could exhaust the JVM's memory part way (the migration then resumes when re-run with more).");
            return new Measured(0, -1);
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        checkHeap(survey.largestBytes(), survey.largestKey(), rewrite.storage(), maxHeap);
        int batch = (int) Math.max(1, Math.min(options.batchSize(), Math.max(survey.documents(), 1)));
        long bytes = batchBytes(survey.largestBytes(), rewrite.storage(), batch, maxHeap);
        if (bytes > 0) {
            progress.message("Documents to rewrite hold up to " + StrategyChoice.mib(survey.largestBytes())
                    + " each (" + survey.largestKey() + "): batches are cut to at most "
                    + StrategyChoice.mib(bytes) + " of values to fit this JVM's memory ("
                    + StrategyChoice.mib(maxHeap) + "), measured page by page.");
        }
        return new Measured(bytes, survey.holding());
    }

    /**
     * Refuses, before anything changes, a rewrite that would have to leave documents unchanged because rewriting
     * them would overwrite data (see {@link ConflictCheck}): found by the rewrite itself, they would keep the index
     * dropped until resolved.
     */
    static void refuseConflicts(MigrationPlan plan, FilterScope filter, ApplyOptions options, RedisEndpoint endpoint,
                                ProgressListener progress, StopSignal stop) {
        if (plan.rewrite().isEmpty()) {
            return;
        }
        ConflictCheck.Result found = ConflictCheck.run(plan.rewrite().get(), filter, endpoint, options.batchSize(),
                options.maxRetries(), progress, stop);
        if (found.conflicts() > 0) {
            List<String> problems = new ArrayList<>(found.examples());
            if (found.conflicts() > found.examples().size()) {
                problems.add("... and " + (found.conflicts() - found.examples().size()) + " more");
            }
            throw new SlipwayException(ErrorCode.BAD_USAGE, found.conflicts() + " of " + found.documentsChecked()
                    + " documents of '" + plan.source().indexName() + "' hold data this rewrite would overwrite, so "
                    + "it would have to leave them unchanged; nothing was changed. Move or delete that data (or "
                    + "choose other names and re-run 'slipway plan'), then re-run 'slipway apply'. In the way:",
                    problems, null);
        }
        if (found.inPlace() > 0) {
            RewriteSpec rewrite = plan.rewrite().get();
            warn(progress, found.inPlace() + " documents of '" + plan.source().indexName() + "' already have keys "
                    + "under the new prefix '" + rewrite.targetPrefix().orElse("") + "' (such as "
                    + String.join(", ", found.inPlaceExamples()) + "); they are rewritten in place, not moved.");
        }
    }

    /**
     * Says, before a HASH rewrite starts, what happens to hash fields with expiries of their own (Redis 7.4's
     * HEXPIRE; INFO keyspace counts their keys as {@code subexpiry}). HSET clears a field's expiry, so when the
     * database has such keys the rewrite reads each document's field expiries and sets them again with the write,
     * and the backup records them for the rollback. When INFO is refused that cannot be known, and is not done.
     */
    static void warnOfFieldExpiries(RedisSession session, MigrationPlan plan, ProgressListener progress) {
        if (plan.rewrite().filter(r -> r.storage() == StorageType.HASH).isEmpty()) {
            return;
        }
        long keys = keysWithFieldExpiries(session);
        if (keys > 0) {
            progress.message(keys + " keys of this database have hash fields with an expiry of their own (HEXPIRE): "
                    + "the rewrite keeps the expiry of each field it writes, and the backup records it for a "
                    + "rollback.");
        } else if (keys < 0) {
            warn(progress, "INFO keyspace was refused, so whether hash fields have expiries of their own (HEXPIRE) "
                    + "is not known; a field this rewrite writes would lose one (HSET clears it).");
        }
    }

    /**
     * Whether the rewrite must read and set hash fields' own expiries: a hash rewrite in a database that has such
     * fields. Nothing is read from the server for a JSON rewrite.
     */
    static boolean keepsFieldExpiries(RedisSession session, RewriteSpec rewrite) {
        return rewrite.storage() == StorageType.HASH && keysWithFieldExpiries(session) > 0;
    }

    /**
     * How many keys of the session's database have hash fields with expiries of their own ({@code subexpiry} of
     * INFO keyspace, Redis 7.4); 0 on older servers, -1 when INFO is refused.
     */
    static long keysWithFieldExpiries(RedisSession session) {
        try {
            return session.keyspaceFigure("subexpiry").orElse(-1); // -1: a user whose ACL refuses INFO
        } catch (RuntimeException e) {
            LOG.debug("Could not read INFO keyspace: {}", e.getMessage());
            return -1;
        }
    }

    /** A warning before the first change: in the log, and on the progress output the CLI prints. */
    private static void warn(ProgressListener progress, String text) {
        UserWarnings.warn(LOG, progress, text);
    }

    /** A backup directory must be a directory this process can write, new, empty or holding this backup. */
    private static void checkUsable(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--backup-dir " + dir + " is a file, not a directory; "
                    + "nothing was changed. Give a new or empty directory.");
        }
        if (Files.isDirectory(dir)) {
            if (BackupDirectory.readHeader(dir).isEmpty() && !isEmpty(dir)) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "--backup-dir " + dir + " holds other files and no "
                        + "Slipway backup; nothing was changed. Give a new or empty directory, so that a rollback "
                        + "never mixes a backup with anything else.");
            }
            if (!Files.isWritable(dir)) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "--backup-dir " + dir + " cannot be written by this "
                        + "process; nothing was changed. Give a directory it can write.");
            }
            return;
        }
        Path parent = nearestExisting(dir.getParent());
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--backup-dir " + dir + " cannot be created" + (parent
                    == null ? "" : ": " + parent + (Files.isDirectory(parent) ? " cannot be written by this process"
                    : " is not a directory")) + "; nothing was changed. Give a directory this process can create "
                    + "or write.");
        }
        probeCreate(dir, parent);
    }

    /** What the file system said, in words rather than an exception's class name. */
    private static String reason(Exception e) {
        if (e instanceof FileSystemException failed) {
            String why = failed.getReason() != null ? failed.getReason()
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "the file system does not allow it"
                    : e instanceof FileAlreadyExistsException ? "a file of that name exists"
                    : "refused";
            return failed.getFile() == null ? why : failed.getFile() + ": " + why;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
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
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--backup-dir " + dir + " cannot be created ("
                    + reason(e) + "); nothing was changed. Give a directory this process can create or write.", e);
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
