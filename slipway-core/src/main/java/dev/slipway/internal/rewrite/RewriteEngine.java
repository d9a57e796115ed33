package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.RewriteSpec.VectorConversion;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.GlobPattern;
import dev.slipway.internal.rewrite.DocumentRewriter.BatchChanges;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.DocumentStore.ScanPage;
import dev.slipway.internal.vector.QuantizationScale;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
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
    /** Vectors an INT8/UINT8 mapping is derived from. */
    private static final int SCALE_SAMPLE = 2_000;

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
    /** Keys read into a batch that has not landed yet; the reader leaves them out of later pages. */
    private final Set<PendingKey> pending = ConcurrentHashMap.newKeySet();
    private final StageClock clock = new StageClock();
    /** The SCAN MATCH pattern of the pass. */
    private final String pattern;
    /** The source prefixes as bytes, for the per-key scope check; empty means every key. */
    private final List<byte[]> sourcePrefixes;
    private long headerWrittenAt = System.nanoTime();
    private long malformed;
    private BatchReplies replyCheck;
    /** Reports writes by other clients during the rewrite; null when not watched. */
    private final WriteWatch watch;

    /**
     * Tunables of a run.
     *
     * @param batchSize        keys per SCAN page and batch
     * @param maxDocsPerSecond rate limit, 0 for none
     * @param headerInterval   least time between two progress writes of the backup header; zero writes it after
     *                         every batch. Progress on disk may lag by this much: a resumed run then re-applies those
     *                         batches from their records, which changes nothing in documents already rewritten.
     */
    public record RewriteSettings(int batchSize, int maxDocsPerSecond, Duration headerInterval) {

        /** Writes the header's progress at most once a second. */
        public RewriteSettings(int batchSize, int maxDocsPerSecond) {
            this(batchSize, maxDocsPerSecond, Duration.ofSeconds(1));
        }
    }

    /** An engine for the plan's rewrite, writing through the given workers and backing up into the directory. */
    public RewriteEngine(MigrationPlan plan, BackupDirectory backup, WorkerPool workers, ProgressListener progress,
                         RewriteSettings settings) {
        this(plan, backup, workers, progress, settings, null);
    }

    /**
     * An engine that also watches for writes by other clients ({@code watch}, null for none): it stops at the first
     * one seen and fails, so that no document the application changed during the rewrite goes unreported.
     */
    public RewriteEngine(MigrationPlan plan, BackupDirectory backup, WorkerPool workers, ProgressListener progress,
                         RewriteSettings settings, WriteWatch watch) {
        this.watch = watch;
        this.spec = plan.rewrite().orElseThrow(() -> new IllegalArgumentException("plan has no rewrite"));
        this.backup = backup;
        this.workers = workers;
        this.progress = progress;
        this.settings = settings;
        this.recall = new RecallSample(plan);
        this.pattern = spec.sourcePrefixes().size() == 1 ? GlobPattern.startingWith(spec.sourcePrefixes().get(0))
                : "*";
        this.sourcePrefixes = spec.sourcePrefixes().stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Runs (or resumes) the rewrite; returns a one-line summary. */
    public String run() {
        BackupHeader header = backup.header();
        if (header.phase() == BackupHeader.Phase.REWRITTEN) {
            return "documents were already rewritten by an earlier run (" + header.documentsRewritten() + ")";
        }
        scales = quantizationScales();
        rewriter = new DocumentRewriter(spec, scales);
        replyCheck = new BatchReplies(workers, new VanishedDocuments(spec, rewriter), this::reportConflict);
        watchWrites();
        progress.begin("rewriting documents", spec.documents(), "docs");
        long started = System.nanoTime();
        long startDocs = header.documentsRewritten();
        try {
            progress.update(header.documentsRewritten());
            if (header.hasUnappliedBatch()) {
                reapplyUnappliedBatches();
            }
            if (backup.header().phase() == BackupHeader.Phase.CONFLICTS
                    || backup.header().phase() == BackupHeader.Phase.WRITES_SEEN) {
                backup.writeHeader(backup.header().restartPass());
            }
            if (!writesSeen() && (backup.header().phase() == BackupHeader.Phase.RESCANNING || !passComplete())) {
                runPass(started, startDocs);
            }
            refuseIfWritesSeen();
        } catch (RuntimeException e) {
            flushProgress(); // not on an Error: the JVM may be failing; a resume recovers from the records anyway
            throw e;
        } finally {
            progress.end();
        }
        Map<String, Double> figures = recall.results().isEmpty() ? backup.header().recallAt10() : recall.results();
        BackupHeader.Phase end = backup.header().conflicts() > 0 ? BackupHeader.Phase.CONFLICTS
                : BackupHeader.Phase.REWRITTEN;
        backup.writeHeader(backup.header().withPhase(end).withRecall(figures));
        return finish(started, startDocs);
    }

    /** Starts tracking on the writing connections (again after each reconnect) and routes documents to owners. */
    private void watchWrites() {
        if (watch != null) {
            watch.attach(workers);
        }
    }

    /**
     * Whether a write by another client has been seen (without waiting for the server's latest notifications). A
     * reported document that is gone was deleted or expired, which loses nothing; one in a batch still in flight is
     * judged after its batch lands (its write may have brought it back, and the take-back comes with the landing).
     */
    private boolean writesSeen() {
        if (watch == null) {
            return false;
        }
        watch.resolve(this::inFlight);
        return watch.detected() > 0;
    }

    /** Whether a document, named by its key before or after a prefix move, is in a batch that has not landed. */
    private boolean inFlight(byte[] key) {
        return pending.contains(new PendingKey(key)) || pending.contains(new PendingKey(
                DocumentRewriter.bytes(spec.originalKey(new String(key, StandardCharsets.UTF_8)))));
    }

    /**
     * After the writes: waits for the server's notifications of everything it did before them, and fails the step
     * if another client changed a document of the index meanwhile. The header's phase makes the next run scan every
     * document again, which rewrites any the application wrote back in the old format.
     */
    private void refuseIfWritesSeen() {
        if (watch == null) {
            return;
        }
        watch.sync();
        watch.resolve(key -> false); // every batch has landed
        if (watch.detected() == 0) {
            return;
        }
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.WRITES_SEEN));
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Another client changed documents of index '"
                + backup.header().index()
                + "' while they were being rewritten (" + watch.detected() + " changes seen), so the rewrite "
                + "stopped after the batches it had sent. A change that landed between Slipway's read of a document "
                + "and its rewrite was overwritten (the value Slipway read is in the backup); one after it is still "
                + "in the old format. Pause the application's writes, then re-run 'slipway apply' with the same plan "
                + "and --backup-dir: it scans every document again and rewrites those in the old format. Or undo "
                + "everything with 'slipway rollback --backup-dir " + backup.dir() + "'. If the application only "
                + "writes fields this rewrite does not touch, re-run with --no-write-watch. Changed:",
                watch.examples(), null);
    }

    /** What the watch saw, for the step's summary. */
    private String describeWatch() {
        if (watch == null) {
            return "; writes by other clients not watched";
        }
        String deletions = watch.deletions() == 0 ? ""
                : " (" + watch.deletions() + " documents deleted or expired by others meanwhile)";
        return watch.lost().map(reason -> "; writes by other clients were NOT fully watched (" + reason + ")")
                .orElse("; no writes by other clients seen") + deletions;
    }

    /** Whether the current pass has read the last SCAN page and applied it. */
    private boolean passComplete() {
        return backup.header().cursor().equals("0") && backup.header().batchesApplied() > 0;
    }

    private String finish(long started, long startDocs) {
        BackupHeader header = backup.header();
        double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-9);
        long done = header.documentsRewritten() - startDocs;
        if (header.conflicts() > 0) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, header.conflicts() + " documents were left "
                    + "unchanged because the rewrite would have overwritten existing data (nothing was overwritten). "
                    + "Resolve them and re-run 'slipway apply' with the same plan, or restore everything with "
                    + "'slipway rollback --backup-dir " + backup.dir() + "'.", conflicts, null);
        }
        return "rewrote " + header.documentsRewritten() + " documents (" + Math.round(done / seconds)
                + " docs/s this run), originals in " + backup.dir() + (malformed > 0 ? "; " + malformed
                + " vectors of unexpected length left unchanged" : "") + (replyCheck.vanished() > 0
                ? "; " + replyCheck.vanished() + " documents deleted or expired while being rewritten were left deleted"
                : "") + (replyCheck.fieldsRemoved() > 0 ? "; " + replyCheck.fieldsRemoved() + " documents whose "
                + "rewritten field another client removed while they were rewritten were left without it" : "")
                + recall.describe() + describeScales()
                + describeWatch() + "; " + clock.describe();
    }

    /** The INT8/UINT8 mappings used and how many elements each had to clamp, or nothing. */
    private String describeScales() {
        StringBuilder text = new StringBuilder();
        scales.forEach((path, scale) -> {
            BackupHeader.Scale saved = backup.header().quantization().get(path);
            text.append("; ").append(scale.target().redisName()).append(" mapping of ").append(path)
                    .append(": scale ").append(String.format(Locale.ROOT, "%.6g", scale.scale()))
                    .append(", zero point ").append(scale.zeroPoint()).append(" (from ").append(saved.sampled())
                    .append(" sampled vectors), ").append(scale.clampedElements())
                    .append(" elements clamped this run");
        });
        return text.toString();
    }

    /**
     * The mapping of every conversion to INT8 or UINT8 from a floating-point type: the one the header holds when an
     * earlier run chose it (a resumed run must quantize like the documents already converted), else one derived from
     * a sample of the field's current vectors ({@link QuantizationScale#fromSample}) and saved in the header before
     * any document changes.
     */
    private Map<String, QuantizationScale> quantizationScales() {
        Map<String, BackupHeader.Scale> saved = new LinkedHashMap<>(backup.header().quantization());
        boolean chosen = false;
        for (VectorConversion conversion : spec.conversions()) {
            VectorDataType from = VectorDataType.parse(conversion.from());
            VectorDataType to = VectorDataType.parse(conversion.to());
            if (!from.isFloatingPoint() || to.isFloatingPoint() || saved.containsKey(conversion.path())) {
                continue;
            }
            List<float[]> sample = sampleVectors(conversion, from);
            if (sample.isEmpty()) {
                continue; // no vector to convert was found: nothing will be converted
            }
            QuantizationScale scale = QuantizationScale.fromSample(sample, to);
            saved.put(conversion.path(), new BackupHeader.Scale(to.redisName(), scale.scale(), scale.zeroPoint(),
                    sample.size()));
            chosen = true;
        }
        if (chosen) {
            backup.writeHeader(backup.header().withQuantization(saved));
            saved.forEach((path, scale) -> LOG.info("Quantizing {} to {} with scale {} and zero point {} (from {} "
                    + "sampled vectors)", path, scale.datatype(), scale.scale(), scale.zeroPoint(), scale.sampled()));
        }
        return backup.header().quantizationScales();
    }

    /**
     * Up to {@value #SCALE_SAMPLE} vectors of the conversion's source length, from the first SCAN pages (SCAN walks
     * the keyspace in hash order, not key order).
     */
    private List<float[]> sampleVectors(VectorConversion conversion, VectorDataType from) {
        List<String> field = List.of(DocumentRewriter.sourceField(spec, conversion));
        int length = from.bytesPerElement() * conversion.dims();
        List<float[]> sample = new ArrayList<>();
        String cursor = "0";
        do {
            String at = cursor;
            ScanPage page = workers.read(store -> store.scan(at, pattern, settings.batchSize(), "hash"));
            List<byte[]> keys = page.keys().stream().filter(this::inScope).toList();
            if (!keys.isEmpty()) {
                for (byte[][] values : workers.read(store -> store.readHashFields(keys, field))) {
                    if (values[0] != null && values[0].length == length && sample.size() < SCALE_SAMPLE) {
                        sample.add(VectorCodec.decode(values[0], from));
                    }
                }
            }
            cursor = page.nextCursor();
        } while (!cursor.equals("0") && sample.size() < SCALE_SAMPLE);
        return sample;
    }

    /**
     * Re-applies the batches whose originals are saved but whose rewrite may not have been sent (the header lags
     * behind the records after a crash). Each is planned again from the live documents, so documents already
     * rewritten produce nothing.
     */
    private void reapplyUnappliedBatches() {
        backup.forEachRecord(backup.header().batchesApplied(), record -> {
            List<byte[]> keys = record.documents().stream().map(BackupRecord.DocumentOriginal::key).toList();
            BatchChanges changes = plan(read(keys));
            recall.add(changes.samples());
            long newConflicts = apply(changes);
            recordProgress(backup.header().applied(record.nextCursor(), record.documents().size(), newConflicts));
            progress.update(backup.header().documentsRewritten());
        });
    }

    /** A batch whose writes are being sent while the next batches are read and backed up. */
    private record InFlight(Future<List<List<Object>>> replies, BatchChanges changes, String cursorAfter,
                            List<byte[]> keys) {
    }

    /**
     * What the reader hands over: a page with its documents' current values, the end of the pass, or the failure
     * that stopped the reader.
     */
    private record ReadAhead(String cursorAfter, BatchInput input, Throwable failure) {
        static final ReadAhead END = new ReadAhead(null, null, null);
    }

    /**
     * Runs the rest of a pass as a pipeline: the reader thread fetches pages ahead (SCAN and the current values, on
     * the reading connection), this thread plans each batch and appends its originals (fsynced) to the backup,
     * and the writer thread sends the batch, converting its vectors on the way, while the next one is prepared; then
     * the batch is waited for and recorded. A key read into a batch that has not landed is left out of later pages
     * (SCAN may return a key twice), so no document is read while its own rewrite is pending.
     */
    private void runPass(long started, long startDocs) {
        BackupHeader state = backup.header();
        String type = spec.storage() == StorageType.HASH ? "hash" : "ReJSON-RL";
        BlockingQueue<ReadAhead> pages = new ArrayBlockingQueue<>(1);
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "slipway-rewrite-pipeline");
            thread.setDaemon(true);
            return thread;
        });
        String cursor = state.cursor();
        Future<?> reader = threads.submit(() -> readAhead(cursor, type, pages));
        InFlight inflight = null;
        try {
            while (true) {
                ReadAhead next = take(pages);
                if (next == ReadAhead.END || writesSeen()) {
                    break; // stopping at a write by another client: the batches in flight land first
                }
                if (next.failure() instanceof RuntimeException e) {
                    throw e;
                }
                if (next.failure() instanceof Error e) {
                    throw e;
                }
                long begin = System.nanoTime();
                BatchChanges changes = plan(next.input());
                // the originals are on disk (fsynced) before any document of the batch changes
                long length = backup.append(new BackupRecord(state.batchesBackedUp() + 1, next.cursorAfter(),
                        changes.originals()));
                state = state.backedUp(next.cursorAfter(), changes.originals().size(), length);
                clock.add(StageClock.Stage.PLAN_AND_BACK_UP, begin);
                if (inflight != null) {
                    InFlight landing = inflight;
                    inflight = null;
                    state = land(landing, state);
                }
                inflight = new InFlight(threads.submit(() -> write(changes)), changes, next.cursorAfter(),
                        next.input().keys());
                throttle(started, state.documentsRewritten() - startDocs);
            }
            if (inflight != null) {
                InFlight last = inflight;
                inflight = null;
                land(last, state);
            }
        } finally {
            reader.cancel(true);
            if (inflight != null) {
                awaitQuietly(inflight.replies()); // never leave writes running behind a failed step and a released lock
            }
            threads.shutdownNow();
            awaitTermination(threads); // the reader may be inside a read; the connection is not closed under it
        }
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

    /** The reader thread: pages from {@code cursor} to the end of the pass, each with its documents' values. */
    private void readAhead(String cursor, String type, BlockingQueue<ReadAhead> pages) {
        try {
            String from = cursor;
            do {
                long begin = System.nanoTime();
                String at = from;
                ScanPage page = workers.read(store -> store.scan(at, pattern, settings.batchSize(), type));
                List<byte[]> keys = new ArrayList<>(page.keys().size());
                for (byte[] key : page.keys()) {
                    if (inScope(key) && pending.add(new PendingKey(key))) {
                        keys.add(key);
                    }
                }
                BatchInput input = read(keys);
                clock.add(StageClock.Stage.READ, begin);
                pages.put(new ReadAhead(page.nextCursor(), input, null));
                from = page.nextCursor();
            } while (!from.equals("0"));
            pages.put(ReadAhead.END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the pass is over (failed); nobody takes pages any more
        } catch (RuntimeException | Error e) {
            try {
                pages.put(new ReadAhead(null, null, e)); // waits for room: the page before it is taken first
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
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
        List<List<Object>> replies = workers.executeDocuments(changes.writes());
        clock.add(StageClock.Stage.CONVERT_AND_WRITE, begin);
        return replies;
    }

    /**
     * Takes a batch's progress into the header: in memory at once, on disk (atomically, not forced) when the last
     * write is {@link RewriteSettings#headerInterval} old. Serialising and replacing the file after every batch
     * cost a tenth of the planning thread's time (when it also converted); what a resume relies on is the fsynced
     * records.
     */
    private void recordProgress(BackupHeader progressed) {
        long now = System.nanoTime();
        if (now - headerWrittenAt >= settings.headerInterval().toNanos()) {
            backup.writeHeader(progressed, false);
            headerWrittenAt = now;
        } else {
            backup.holdHeader(progressed);
        }
    }

    /** Best effort after a failure: the header on disk shows the progress reached (the records hold it anyway). */
    private void flushProgress() {
        try {
            if (backup.headerHeld()) {
                backup.writeHeader(backup.header(), false);
            }
        } catch (RuntimeException e) {
            LOG.debug("Could not write the backup header after a failure: {}", e.getMessage());
        }
    }

    /** Waits for a batch's writes, checks the replies, and records the batch as applied. */
    private BackupHeader land(InFlight inflight, BackupHeader state) {
        long newConflicts = replyCheck.check(inflight.changes(), WorkerPool.get(inflight.replies()));
        inflight.keys().forEach(key -> pending.remove(new PendingKey(key)));
        BackupHeader applied = state.applied(inflight.cursorAfter(), inflight.changes().originals().size(),
                newConflicts);
        if (applied.phase() == BackupHeader.Phase.RESCANNING) {
            applied = applied.withPhase(BackupHeader.Phase.REWRITING); // the new pass has applied a batch
        }
        recordProgress(applied);
        recall.add(inflight.changes().samples());
        progress.update(applied.documentsRewritten());
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

    /**
     * Whether a key is under one of the source prefixes (compared as UTF-8 bytes, which for a valid key is the same
     * as comparing the text). Keys already moved under a new prefix that extends the old one are planned again: the
     * rewriter finds nothing to do for them, and a document that was there before the migration still gets
     * rewritten.
     */
    private boolean inScope(byte[] key) {
        if (sourcePrefixes.isEmpty()) {
            return true;
        }
        for (byte[] prefix : sourcePrefixes) {
            if (DocumentRewriter.startsWith(key, prefix)) {
                return true;
            }
        }
        return false;
    }

    /** A key as a set element: its bytes compared by content, the hash computed once. */
    private static final class PendingKey {
        private final byte[] bytes;
        private final int hash;

        PendingKey(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PendingKey key && key.hash == hash && Arrays.equals(key.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * What planning a batch needs: its keys, those that still exist, the current values of the fields the rewrite
     * reads (per existing key; for JSON the {@code JSON.GET} replies) and whether each existing key's new name is
     * taken.
     */
    private record BatchInput(List<byte[]> keys, List<byte[]> present, List<?> values, List<Boolean> targets) {
        static final BatchInput EMPTY = new BatchInput(List.of(), List.of(), List.of(), List.of());
    }

    /** Reads what planning a batch needs, on the reading connection. */
    private BatchInput read(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return BatchInput.EMPTY;
        }
        List<String> fields = rewriter.fieldsToRead();
        List<byte[]> present = existingKeys(keys);
        List<Boolean> targets = targetKeysExist(present);
        List<?> values = workers.read(store -> spec.storage() == StorageType.HASH
                ? (fields.isEmpty() ? emptyValues(present.size()) : store.readHashFields(present, fields))
                : (fields.isEmpty() ? Collections.nCopies(present.size(), "{}") : store.readJson(present, fields)));
        return new BatchInput(keys, present, values, targets);
    }

    @SuppressWarnings("unchecked")
    private BatchChanges plan(BatchInput input) {
        if (input.present().isEmpty()) {
            return new BatchChanges(List.of(), List.of(), List.of(), 0, List.of());
        }
        rewriter.samplePerBatch(recall.full() ? 0 : 64);
        BatchChanges changes = spec.storage() == StorageType.HASH
                ? rewriter.planHash(input.present(), (List<byte[][]>) input.values(), input.targets())
                : rewriter.planJson(input.present(), (List<String>) input.values(), input.targets());
        malformed += changes.malformed();
        changes.conflicts().forEach(this::reportConflict);
        return changes;
    }

    /** Keeps the first conflicts for the step's failure message. */
    private void reportConflict(String conflict) {
        if (conflicts.size() < MAX_REPORTED_CONFLICTS) {
            conflicts.add(conflict);
        }
    }

    private static List<byte[][]> emptyValues(int count) {
        List<byte[][]> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add(new byte[0][]);
        }
        return values;
    }

    /**
     * The keys that still exist. With a prefix move, a key of a resumed batch may already be under its new name; it
     * is done, not a conflict with itself.
     */
    private List<byte[]> existingKeys(List<byte[]> keys) {
        if (spec.targetPrefix().isEmpty() || keys.isEmpty()) {
            return keys;
        }
        List<Command> checks = keys.stream().map(k -> DocumentRewriter.command("EXISTS", k)).toList();
        List<Object> replies = workers.read(store -> store.execute(checks));
        List<byte[]> present = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            if (replies.get(i) instanceof Long n && n > 0) {
                present.add(keys.get(i));
            }
        }
        return present;
    }

    private List<Boolean> targetKeysExist(List<byte[]> keys) {
        if (spec.targetPrefix().isEmpty()) {
            return keys.stream().map(k -> false).toList();
        }
        List<Command> checks = keys.stream().map(k -> DocumentRewriter.command("EXISTS",
                DocumentRewriter.bytes(spec.newKey(new String(k, StandardCharsets.UTF_8))))).toList();
        List<Object> replies = workers.read(store -> store.execute(checks));
        return replies.stream().map(r -> r instanceof Long n && n > 0).toList();
    }

    /** Sends the batch's writes over the workers; returns documents that turned out to conflict. */
    private long apply(BatchChanges changes) {
        return replyCheck.check(changes, workers.executeDocuments(changes.writes()));
    }

    private void throttle(long started, long documents) {
        if (settings.maxDocsPerSecond() <= 0) {
            return;
        }
        long expectedNanos = documents * 1_000_000_000L / settings.maxDocsPerSecond();
        long ahead = expectedNanos - (System.nanoTime() - started);
        if (ahead > 0) {
            try {
                Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted; re-run to resume.");
            }
        }
    }
}
