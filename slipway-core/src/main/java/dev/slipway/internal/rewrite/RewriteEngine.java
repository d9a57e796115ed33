package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.apply.ProgressTask;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.rewrite.BatchReader.BatchInput;
import dev.slipway.internal.rewrite.BatchReader.ReadAhead;
import dev.slipway.internal.rewrite.DocumentRewriter.BatchChanges;
import dev.slipway.internal.vector.QuantizationScale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Rewrites every document of a plan in batches, crash-safely:
 *
 * <ol>
 *   <li>read one SCAN page of keys and the current values of the fields the rewrite touches;</li>
 *   <li>append the originals of every document that will change to the backup and fsync it;</li>
 *   <li>record in the header that the batch is backed up (with the next SCAN cursor);</li>
 *   <li>send the rewrites, spread over the workers' connections;</li>
 *   <li>record in the header that the batch is applied.</li>
 * </ol>
 *
 * The stages run as a pipeline on three threads: while the workers write batch n (converting each vector as they
 * send it, into their connection's reused buffer), this thread plans batch n+1 and backs it up, and a reader thread
 * fetches batch n+2 on its own connection. The order that makes a crash safe
 * is kept per batch (a batch's writes start only after its originals are on disk), and the records and header are
 * written by this thread alone, in batch order.
 *
 * <p>A run killed anywhere resumes from the header: a batch backed up but maybe not applied is planned again from
 * the live documents (already rewritten documents produce nothing) and applied; then SCAN continues from the saved
 * cursor. Memory holds at most four batches, whatever the number of documents.
 */
public final class RewriteEngine {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteEngine.class);
    private static final int MAX_REPORTED_CONFLICTS = 20;
    /** How long a pass waits for the write watch to have read the writes of the batches before it. */
    private static final Duration LANDING_WAIT = Duration.ofSeconds(10);
    private static final String RESUME = "Re-run 'slipway apply' with the same plan to resume (--retries gives a busy "
            + "server more tries); completed batches are kept.";

    private final RewriteSpec spec;
    private final BackupDirectory backup;
    private final WorkerPool workers;
    /** Made when the run starts, with the INT8/UINT8 mappings the header holds or the run chooses. */
    private DocumentRewriter rewriter;
    private Map<String, QuantizationScale> scales = Map.of();
    private final ProgressListener progress;
    private final RewriteSettings settings;
    private final RecallSample recall;
    private final List<String> conflicts = new ArrayList<>();
    private BatchesLanded batchesLanded;
    /** The first documents this run found with a vector of neither length, for the summary. */
    private final List<String> malformedExamples = new ArrayList<>();
    /** The keys of documents a pass left unchanged because a moved field's new name held other data. */
    private final List<byte[]> movedIntoTaken = new ArrayList<>();
    private final StageClock clock = new StageClock();
    private KeyScope scope;
    /** What a document is expected to grow by (a widening conversion; {@link MemoryCeiling} projects with it). */
    private final long plannedGrowth;
    /** Made when the run starts, with the rewriter. */
    private BatchReader reader;
    private final PassTally tally = new PassTally();
    /** Whether the progress shown counts the documents this run's pass read (a new pass) or all rewrites so far. */
    private volatile boolean progressByReads;
    /** Per field, the elements that became infinity this run that the header counts already. */
    private final Map<String, Long> overflowRecorded = new HashMap<>();
    /** The number of the last batch whose window has closed (its changes by others are all reported by now). */
    private volatile long releasedThrough;
    /** Applied batches the watch has judged, saved in the header ({@link BackupHeader#batchesWatched}). */
    private long watchedThrough;
    /** Keeps {@code --rate-limit} ({@link RatePacer}); made when a run starts, after its stop signal is set. */
    private RatePacer pacer = new RatePacer(0, new StopSignal());
    /** Stops the rewrite near a server's maxmemory, where it would evict ({@link MemoryCeiling}). */
    private MemoryCeiling memory = MemoryCeiling.NONE;
    /** The documents apply counted before anything changed, -1 when not counted ({@link #expectedDocuments}). */
    private long expectedDocuments = -1;
    /** False when the server was above the ceiling's line when the migration began (a full LRU cache). */
    private boolean guardMemory = true;
    private long evictedAtStart = -1;
    private final EarlierUnjudged earlierUnjudged = new EarlierUnjudged();
    private final HeaderCadence cadence;
    private BatchReplies replyCheck;
    private final WriteWatchGate watch;
    private final PassRestarts restarts;
    private final HeldLock lock;
    private StopSignal stop = new StopSignal();

    /** An engine for the plan's rewrite, writing through the given workers and backing up into the directory. */
    public RewriteEngine(MigrationPlan plan, BackupDirectory backup, WorkerPool workers, ProgressListener progress,
                         RewriteSettings settings) {
        this(plan, backup, workers, progress, settings, null, HeldLock.NONE);
    }

    /**
     * An engine that also watches for writes by other clients ({@code watch}, null for none): it stops at the first
     * one seen and fails, so that no document the application changed during the rewrite goes unreported. The
     * backup and the workers confirm {@code lock} before every write (see {@link BackupDirectory#guardedBy},
     * {@link WorkerPool#guardedBy}), so the engine stops without writing anything more, not even its progress, once
     * the lock is lost.
     */
    public RewriteEngine(MigrationPlan plan, BackupDirectory backup, WorkerPool workers, ProgressListener progress,
                         RewriteSettings settings, WriteWatch watch, HeldLock lock) {
        this.spec = plan.rewrite().orElseThrow(() -> new IllegalArgumentException("plan has no rewrite"));
        this.watch = new WriteWatchGate(watch, settings.fieldExpiries());
        this.lock = lock;
        backup.guardedBy(lock);
        workers.guardedBy(lock);
        this.backup = backup;
        this.workers = workers;
        this.restarts = new PassRestarts(backup, workers);
        this.progress = progress;
        this.settings = settings;
        this.cadence = new HeaderCadence(backup, settings.headerInterval());
        this.recall = new RecallSample(plan);
        this.scope = KeyScope.of(spec);
        this.plannedGrowth = IndexMemoryModel.growthPerDocument(plan);
    }

    /** Rewrites only the documents {@code filter} admits (an index with a FILTER: {@link FilterScope}). */
    public RewriteEngine filteredBy(FilterScope filter) {
        this.scope = KeyScope.of(spec).filteredBy(filter);
        return this;
    }

    /**
     * Whether to stop near maxmemory ({@link MemoryCeiling}); not on a server that was above the line when the
     * migration began (an LRU cache kept full by evictions), where every rewrite would stop at once, even one that
     * frees memory (tester session 32 R13: float32 to float16 on an allkeys-lru cache at 97%).
     */
    public RewriteEngine guardMemory(boolean guard) {
        this.guardMemory = guard;
        return this;
    }

    /**
     * The server's {@code evicted_keys} when the migration began (apply records it), so that a stop near maxmemory
     * counts every eviction since; without it, from the rewrite's first look at the server's memory.
     */
    public RewriteEngine evictedAtStart(OptionalLong evicted) {
        this.evictedAtStart = evicted.orElse(-1);
        return this;
    }

    /**
     * The documents apply counted before anything changed (-1 when it did not): its progress and messages use them
     * rather than the plan's count when there are more (an index with a FILTER: the plan counts what the index
     * holds, the rewrite converts every document under its prefixes; tester session 34 R16 L2 and R18 F4).
     */
    public RewriteEngine expectedDocuments(long documents) {
        this.expectedDocuments = documents;
        return this;
    }

    /** The documents the rewrite expects to change, for its progress and messages. */
    private long expected() {
        return Math.max(spec.documents(), expectedDocuments);
    }

    /**
     * The documents a new pass expects to read, for its progress: all of them, but under a prefix that moved keys
     * leave, only those not rewritten yet (a pass after a restart ended at 877 of 1,500).
     */
    private long documentsForANewPass() {
        return KeyMove.of(spec).leavesTheSource() ? Math.max(0, expected() - backup.header().documentsRewritten())
                : expected();
    }

    /**
     * Records in Redis, under {@code key}, how many of this plan's batches landed ({@link BatchesLanded}), so that a
     * resume can tell a backup that lost records after they were written.
     */
    public RewriteEngine recordingBatchesIn(String key) {
        this.batchesLanded = new BatchesLanded(key, backup.plan().planId());
        return this;
    }

    /**
     * What asks the rewrite to stop: it then reads no further page, lets the batches in flight land, saves its
     * progress (durably) and throws {@link ErrorCode#STOPPED}; a resumed run continues from the next page.
     */
    public RewriteEngine stopSignal(StopSignal signal) {
        this.stop = signal;
        return this;
    }

    /** Runs (or resumes) the rewrite; returns a one-line summary. */
    public String run() {
        pacer = new RatePacer(settings.maxDocsPerSecond(), stop);
        BackupHeader header = backup.header();
        if (header.phase() == BackupHeader.Phase.REWRITTEN && !restarts.sinceTheRewriteFinished(header)) {
            return "documents were already rewritten by an earlier run (" + header.documentsRewritten() + ")";
        }
        prepare(header);
        boolean restarted = restarts.sinceTheCursorWasSaved(header);
        // a new pass finds most documents converted already: its progress is the documents it reads, not the
        // rewrites of every pass so far (which started it at 100%, its ETA meaningless)
        progressByReads = header.phase() == BackupHeader.Phase.RESCANNING
                || header.phase() == BackupHeader.Phase.CONFLICTS || header.phase() == BackupHeader.Phase.WRITES_SEEN
                || !header.alreadyConverted().counting();
        ProgressTask task = progressByReads ? ProgressTask.begin(progress, "rewriting documents (a new pass, reading "
                + "every document again)", documentsForANewPass(), "docs")
                : ProgressTask.begin(progress, "rewriting documents", expected(), "docs");
        long started = System.nanoTime();
        long startDocs = header.documentsRewritten();
        try (task) {
            task.update(progressByReads ? 0 : header.documentsRewritten());
            if (header.hasUnappliedBatch()) {
                reapplyUnappliedBatches();
            }
            if (restarted) { // after the re-applied batches, which move the cursor on to theirs
                backup.writeHeader(backup.header().restartPass());
            }
            if (backup.header().phase() == BackupHeader.Phase.CONFLICTS
                    || backup.header().phase() == BackupHeader.Phase.WRITES_SEEN) {
                backup.writeHeader(backup.header().restartPass());
            }
            if (!writesSeen() && (backup.header().phase() == BackupHeader.Phase.RESCANNING || !passComplete())) {
                runPasses(task, started, startDocs);
                passForOwnMovedValues(task, started);
            }
            watch.refuseIfWritesSeen(backup, passComplete()
                    && backup.header().phase() != BackupHeader.Phase.RESCANNING);
            // every batch is judged now (an earlier run's gap is kept in the checkpoint, not in this count)
            if (watch.watching()) {
                backup.holdHeader(backup.header().withBatchesWatched(backup.header().batchesApplied()));
            }
            stopIfRequested();
            stopIfMemoryReached();
            restarts.stopIfEveryPassEnded(reader);
            task.finished();
        } catch (RuntimeException e) {
            throw failed(e);
        }
        Map<String, Double> figures = new LinkedHashMap<>(backup.header().recallAt10()); // an earlier run's stay
        figures.putAll(recall.results());
        BackupHeader.Phase end = backup.header().conflicts() > 0 ? BackupHeader.Phase.CONFLICTS
                : BackupHeader.Phase.REWRITTEN;
        backup.writeHeader(backup.header().withPhase(end).withRecall(figures));
        if (end == BackupHeader.Phase.REWRITTEN && batchesLanded != null) {
            batchesLanded.clear(workers);
        }
        return finish(started, startDocs);
    }

    /**
     * What a failed run reports: the lost lock first when it is lost (woken after a stall, a failure such as the
     * rollback's writes, seen, comes of that), else {@code e}; the progress reached goes to the header on disk unless
     * the lock is lost (a lost lock's backup is the new holder's: a rollback's phase must stay).
     */
    private RuntimeException failed(RuntimeException e) {
        RuntimeException reported = e;
        try {
            lock.confirmHeld();
        } catch (SlipwayException lost) {
            lost.addSuppressed(e);
            reported = lost;
        }
        if (!lock.isLost()) {
            cadence.flush(); // not on an Error: the JVM may be failing; a resume recovers from the records anyway
        }
        return reported;
    }

    /** Makes this run's reader, rewriter and checks, and attaches the write watch to its connections. */
    private void prepare(BackupHeader header) {
        scales = ScaleChoice.load(spec, backup, workers, scope, settings.batchSize());
        rewriter = new DocumentRewriter(spec, scales);
        if (header.inPlace() == null) { // none found before the first change (or a header from before it was kept)
            rewriter.noDocumentsUnderTheNewPrefixBefore();
        }
        reader = new BatchReader(spec, workers, rewriter, scope, settings.batchSize(), settings.batchBytes(), clock)
                .readFieldExpiries(settings.fieldExpiries());
        replyCheck = new BatchReplies(workers, new VanishedDocuments(spec, rewriter), this::reportConflict);
        memory = guardMemory ? MemoryCeiling.of(workers, plannedGrowth, evictedAtStart) : MemoryCeiling.NONE;
        watch.attach(workers);
        watch.judgeByForm(reader::inFlight, new DocumentForms(spec, rewriter));
        noteUnjudgedBatches(header);
    }

    /**
     * A pass (a new one, or the rest of one a killed run began; only the first pass counts vectors already
     * converted), then a pass again after each restart of the server during one, which made the cursor skip keys
     * (tester session 28), at most {@link PassRestarts#MAX_PASSES_AFTER_RESTARTS}.
     */
    private void runPasses(ProgressTask task, long started, long startDocs) {
        tally.firstPass(backup.header().phase() == BackupHeader.Phase.RESCANNING
                || !backup.header().alreadyConverted().counting());
        runPass(started);
        for (int again = 0; again < PassRestarts.MAX_PASSES_AFTER_RESTARTS && !stop.isRequested() && !writesSeen()
                && !memoryReached() && restarts.sinceThePassBegan(); again++) {
            tally.passAfterRestart(backup.header().documentsRewritten() - startDocs);
            // most documents are converted already: the new pass's progress is its reads, from none
            progressByReads = true;
            task.beginAgain("rewriting documents (a new pass after a server restart, reading every document again)",
                    documentsForANewPass(), "docs");
            runPass(started);
        }
    }

    /**
     * After a pass that left documents unchanged because a moved field's new name held other data, looks in the
     * backup whether that data is what this migration moved there ({@link OwnMovedValues}); if some are, runs one more
     * pass, which moves their newer values (an application still writing the old form wrote them after the move).
     */
    private void passForOwnMovedValues(ProgressTask task, long started) {
        if (movedIntoTaken.isEmpty() || stop.isRequested() || writesSeen() || memoryReached() || !passComplete()) {
            return;
        }
        OwnMovedValues own = OwnMovedValues.find(backup, rewriter, spec.fieldMoves(), movedIntoTaken);
        movedIntoTaken.clear();
        if (own.documents() == 0) {
            return;
        }
        UserWarnings.warn(LOG, progress, own.documents() + " of the documents left unchanged hold under the new name "
                + "the value this migration moved there, and under the old name a value written since (an "
                + "application that still writes the old form): a new pass moves the newer value; the backup keeps "
                + "what it replaces.");
        rewriter.withOwnMovedValues(own);
        conflicts.clear();
        backup.writeHeader(backup.header().restartPass());
        progressByReads = true;
        task.beginAgain("rewriting documents (a new pass for documents written in the old form after their move)",
                documentsForANewPass(), "docs");
        runPass(started);
    }

    /**
     * Stops between batches when asked: the batches in flight have landed, so the header saved here (durably) is
     * exactly where a resumed run continues. A pass that read its last page finishes instead.
     */
    private void stopIfRequested() {
        if (!stop.isRequested() || passComplete() && backup.header().phase() != BackupHeader.Phase.RESCANNING) {
            return;
        }
        BackupHeader header = backup.header();
        backup.writeHeader(header);
        stop.stopHereIfRequested(RewriteSummary.stopped(header, expected(), backup.dir(), watch.unjudged()));
    }

    /**
     * Stops between batches when a server that evicts came near its maxmemory ({@link MemoryCeiling}), with the
     * header saved where a resumed run continues. A pass that read its last page finishes instead.
     */
    private void stopIfMemoryReached() {
        if (!memory.wasReached() || passComplete() && backup.header().phase() != BackupHeader.Phase.RESCANNING) {
            return;
        }
        BackupHeader header = backup.header();
        backup.writeHeader(header);
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, RewriteSummary.nearMaxmemory(header, expected(), memory,
                backup.dir()));
    }

    /** Whether another client's write has been seen; documents of batches in flight are judged when they land. */
    private boolean writesSeen() {
        long released = releasedThrough; // before the look: every change inside these batches' windows is in it
        boolean seen = watch.writesSeen(reader::inFlight);
        if (!seen && watch.watching()) {
            watchedThrough = Math.max(watchedThrough, released);
        }
        return seen;
    }

    /**
     * A run killed (kill -9, a crash) before its watch had judged its last batches leaves them unjudged: a write by
     * another client inside one of their windows may have been overwritten, and nobody was told. The header's
     * {@link BackupHeader#batchesWatched} shows it; the resumed run says so in its summary and log.
     */
    private void noteUnjudgedBatches(BackupHeader header) {
        watchedThrough = header.batchesWatched();
        if (watch.watching()) {
            earlierUnjudged.note(header, backup, progress);
        }
    }

    /**
     * The batches and documents earlier runs left unjudged as the checkpoint carries them ({0, 0} for none), and where
     * this run records the total once it has added those of a run killed since ({@link EarlierUnjudged}).
     */
    public RewriteEngine unjudgedEarlier(long batches, long documents, Consumer<long[]> record) {
        earlierUnjudged.carried(batches, documents, record);
        return this;
    }

    /** Whether a look at the server's memory says to stop ({@link MemoryCeiling#reached}). */
    private boolean memoryReached() {
        return memory.reached(tally.documentsRead(), settings.batchSize());
    }

    /** Whether the current pass has read the last SCAN page and applied it. */
    private boolean passComplete() {
        return backup.header().cursor().equals("0") && backup.header().batchesApplied() > 0;
    }

    private String finish(long started, long startDocs) {
        BackupHeader header = backup.header();
        double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-9);
        long done = header.documentsRewritten() - startDocs - tally.writtenBefore();
        if (header.conflicts() > 0) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, header.conflicts() + " documents were left "
                    + "unchanged because the rewrite would have overwritten existing data (nothing was overwritten). "
                    + "Resolve them and re-run 'slipway apply' with the same plan, or restore everything with "
                    + "'slipway rollback --backup-dir " + backup.dir() + "'.", conflicts, null);
        }
        String rewrote = RewriteSummary.rewrote(header.documentsRewritten(), done, seconds, tally.newPasses());
        return rewrote + ", originals in "
                + backup.dir() + RewriteSummary.malformedNote(tally.rescanned(), tally.malformed(), backup.header(),
                malformedExamples)
                + RewriteSummary.alreadyConverted(backup.header(), spec) + RewriteSummary.goneMeanwhile(replyCheck)
                + recall.describe() + RewriteSummary.overflowed(backup.header(), rewriter, backup.dir())
                + ScaleChoice.describe(scales, backup.header())
                + watch.describe() + earlierUnjudged.summary() + "; " + clock.describe();
    }

    /** Records in the header the elements that became infinity since it last did (a killed run's count is kept). */
    private BackupHeader withOverflowed(BackupHeader header) {
        Map<String, Long> now = rewriter.overflowed();
        Map<String, Long> more = new HashMap<>();
        now.forEach((field, count) -> {
            long delta = count - overflowRecorded.getOrDefault(field, 0L);
            if (delta > 0) {
                more.put(field, delta);
            }
        });
        overflowRecorded.putAll(now);
        return header.withOverflowed(more);
    }

    /**
     * Re-applies the batches whose originals are saved but whose rewrite may not have been sent (the header lags
     * behind the records after a crash). Each is planned again from the live documents, so documents already
     * rewritten produce nothing; with a limit of bytes per batch, a record is re-applied in parts that fit. First
     * what a killed run's writes may have brought back of a vanished document is deleted again
     * ({@link BatchReplies#settleLeftBehind}).
     */
    private void reapplyUnappliedBatches() {
        backup.forEachRecord(backup.header().batchesApplied(), record -> {
            BusyServer.retry(workers.maxRetries(), "a check of an earlier run's last batches",
                    () -> replyCheck.settleLeftBehind(record), () -> replyCheck.settleLeftBehind(record), RESUME);
            List<byte[]> keys = record.documents().stream().map(BackupRecord.DocumentOriginal::key).toList();
            long newConflicts = 0;
            for (List<byte[]> part : reader.split(keys)) {
                reader.hold(part); // the write watch's window (see BatchReader#inFlight) opens before the read
                // its vectors were mostly converted by the run that backed it up: not counted as already converted
                BatchChanges changes = plan(reader.read(part));
                tally.writtenBefore(part.size() - changes.originals().size());
                recall.add(changes.samples());
                newConflicts += BusyServer.retry(workers.maxRetries(), "a batch of the rewrite",
                        () -> apply(changes), () -> applyAgain(part), RESUME);
                watch.landed(() -> reader.landed(part));
            }
            cadence.record(backup.header().applied(record.nextCursor(), record.documents().size(), newConflicts));
            progress.update(backup.header().documentsRewritten());
        });
    }

    /** A batch whose writes are being sent while the next batches are read and backed up. */
    private record InFlight(Future<List<List<Object>>> replies, BatchChanges changes, String cursorAfter,
                            List<byte[]> keys) {
    }

    /**
     * Runs the rest of a pass as a pipeline: the reader thread fetches pages ahead (SCAN and the current values, on
     * the reading connection), this thread plans each batch and appends its originals (fsynced) to the backup,
     * and the writer thread sends the batch, converting its vectors on the way, while the next one is prepared; then
     * the batch is waited for and recorded. A key read into a batch that has not landed is left out of later pages
     * (SCAN may return a key twice), so no document is read while its own rewrite is pending.
     */
    private void runPass(long started) {
        if (!reader.awaitLanded(LANDING_WAIT)) { // the batches before this pass: their keys are in its pages again
            LOG.warn("The write watch has not read the notifications of the last batches' writes after {} s; the "
                    + "pass begins anyway and leaves those batches' documents (rewritten by them) out of its pages",
                    LANDING_WAIT.toSeconds());
        }
        BackupHeader state = backup.header();
        rewriter.inALaterPass(state.laterPass());
        BlockingQueue<ReadAhead> pages = new ArrayBlockingQueue<>(1);
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "slipway-rewrite-pipeline");
            thread.setDaemon(true);
            return thread;
        });
        String cursor = state.cursor();
        boolean limited = pacer.limited();
        if (limited) { // the rate is kept before each read, not after each write (see BatchReader#pacedBy)
            pacer.passBegins();
            reader.pacedBy(documents -> pacer.beforeRead(started, documents));
        }
        Future<?> reading = threads.submit(() -> reader.readAhead(cursor, pages));
        InFlight inflight = null;
        try {
            while (true) {
                if (limited && inflight != null && pages.isEmpty()) {
                    // the reader waits for the rate: land this batch now, which closes its documents' windows,
                    // instead of after the wait (unlimited, the next batch is planned while this one is written)
                    InFlight landing = inflight;
                    inflight = null;
                    state = land(landing, state);
                }
                ReadAhead next = take(pages);
                if (next == ReadAhead.END || writesSeen() || stop.isRequested()
                        || memoryReached()) {
                    break; // stopping at a write by another client, on request or near maxmemory: the batches in
                    // flight land first
                }
                if (next.failure() instanceof RuntimeException e) {
                    throw e;
                }
                if (next.failure() instanceof Error e) {
                    throw e;
                }
                long begin = System.nanoTime();
                BatchChanges changes = plan(next.input());
                state = backUp(next, changes, state, begin);
                if (inflight != null) {
                    InFlight landing = inflight;
                    inflight = null;
                    state = land(landing, state);
                }
                pacer.beforeWrite(next.input().keys().size());
                inflight = new InFlight(threads.submit(() -> write(changes)), changes, next.cursorAfter(),
                        next.input().keys());
            }
            if (inflight != null) {
                InFlight last = inflight;
                inflight = null;
                land(last, state);
            }
        } finally {
            reading.cancel(true);
            if (inflight != null) {
                awaitQuietly(inflight.replies()); // never leave writes running behind a failed step and a released lock
            }
            threads.shutdownNow();
            awaitTermination(threads); // the reader may be inside a read; the connection is not closed under it
        }
    }

    /**
     * Backs up the originals of a planned batch (fsynced: on disk before any document of the batch changes), after
     * closing the windows of the documents it leaves unchanged; returns the header with the batch backed up. The
     * planning and the backup are timed from {@code begin}.
     */
    private BackupHeader backUp(ReadAhead next, BatchChanges changes, BackupHeader state, long begin) {
        releaseUnchanged(next.input().keys(), changes);
        tally.read(next.input().keys().size(), changes.malformed());
        addUpTo(malformedExamples, changes.malformedExamples(), 3);
        BackupHeader found = state.foundUnchanged(changes.alreadyConverted(), changes.malformed());
        long length = backup.append(new BackupRecord(found.batchesBackedUp() + 1, next.cursorAfter(),
                changes.originals()));
        clock.add(StageClock.Stage.PLAN_AND_BACK_UP, begin);
        return found.backedUp(next.cursorAfter(), changes.originals().size(), length);
    }

    /**
     * Closes the write watch windows of the batch's documents it leaves unchanged (in the new form already, gone, in
     * conflict) now that it is planned: nothing the rewrite sends can overwrite a change to them, so a change after
     * this is judged by the form it leaves (see {@link WriteWatch#judgeByForm}). In a new pass, where most documents
     * are converted already, a change to one it skipped stopped the run as a possible overwrite (tester session 26).
     */
    private void releaseUnchanged(List<byte[]> keys, BatchChanges changes) {
        if (changes.originals().size() >= keys.size()) {
            return; // the usual first pass: every document changes
        }
        Set<ByteBuffer> changed = new HashSet<>();
        changes.originals().forEach(original -> changed.add(ByteBuffer.wrap(original.key())));
        reader.landed(keys.stream().filter(key -> !changed.contains(ByteBuffer.wrap(key))).toList());
    }

    private static void awaitTermination(ExecutorService threads) {
        try {
            if (!threads.awaitTermination(2, TimeUnit.MINUTES)) {
                LOG.warn("The rewrite's reader thread did not stop within 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ReadAhead take(BlockingQueue<ReadAhead> pages) {
        try {
            return pages.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted; re-run to resume.");
        }
    }

    private List<List<Object>> write(BatchChanges changes) {
        long begin = System.nanoTime();
        List<List<Object>> replies = WritesBeforeDeletes.send(workers, changes.writes());
        clock.add(StageClock.Stage.CONVERT_AND_WRITE, begin);
        return replies;
    }

    /** Waits for a batch's writes, checks the replies, and records the batch as applied. */
    private BackupHeader land(InFlight inflight, BackupHeader state) {
        try {
            return landNow(inflight, state);
        } finally {
            pacer.landed(inflight.keys().size());
        }
    }

    private BackupHeader landNow(InFlight inflight, BackupHeader state) {
        long newConflicts = BusyServer.retry(workers.maxRetries(), "a batch of the rewrite",
                () -> replyCheck.check(inflight.changes(), WorkerPool.get(inflight.replies())),
                () -> applyAgain(inflight.keys()), RESUME);
        BackupHeader applied = state.applied(inflight.cursorAfter(), inflight.changes().originals().size(),
                newConflicts);
        long number = applied.batchesApplied();
        if (batchesLanded != null) {
            batchesLanded.record(workers, number);
        }
        watch.landed(() -> {
            reader.landed(inflight.keys());
            releasedThrough = number;
        });
        if (applied.phase() == BackupHeader.Phase.RESCANNING) {
            applied = applied.withPhase(BackupHeader.Phase.REWRITING); // the new pass has applied a batch
        }
        applied = withOverflowed(applied.withBatchesWatched(watchedThrough));
        cadence.record(applied);
        recall.add(inflight.changes().samples());
        progress.update(progressByReads ? tally.documentsReadThisPass() : applied.documentsRewritten());
        return applied;
    }

    private static void awaitQuietly(Future<?> work) {
        try {
            work.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            // the step is failing already; a batch whose writes failed is re-applied from the backup on the next run
        }
    }

    private BatchChanges plan(BatchInput input) {
        rewriter.samplePerBatch(recall.full() ? 0 : 64);
        BatchChanges changes = rewriter.plan(input);
        changes.conflicts().forEach(this::reportConflict);
        addUpTo(movedIntoTaken, changes.movedIntoTaken(), OwnMovedValues.MAX_KEYS);
        return changes;
    }

    /** Adds {@code more} to {@code kept} while it holds fewer than {@code most}. */
    private static <T> void addUpTo(List<T> kept, List<T> more, int most) {
        kept.addAll(more.subList(0, Math.max(0, Math.min(more.size(), most - kept.size()))));
    }

    /** Keeps the first conflicts for the step's failure message. */
    private void reportConflict(String conflict) {
        if (conflicts.size() < MAX_REPORTED_CONFLICTS) {
            conflicts.add(conflict);
        }
    }

    /**
     * Sends a batch again after the server answered BUSY or LOADING to some of its writes: worked out anew from the
     * live documents, so that what did land (a document's new fields, a key move) is not sent twice. Its malformed
     * vectors, conflicts and recall samples were counted when it was first planned.
     */
    private long applyAgain(List<byte[]> keys) {
        rewriter.samplePerBatch(0);
        return apply(rewriter.plan(reader.read(keys)));
    }

    /** Sends the batch's writes over the workers; returns documents that turned out to conflict. */
    private long apply(BatchChanges changes) {
        return replyCheck.check(changes, WritesBeforeDeletes.send(workers, changes.writes()));
    }
}
