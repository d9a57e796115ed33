package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.GlobPattern;
import dev.slipway.internal.rewrite.DocumentRewriter.BatchChanges;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.DocumentStore.ScanPage;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.Collections;
import java.util.List;
import java.util.Map;

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
 * A run killed anywhere resumes from the header: a batch backed up but maybe not applied is planned again from the
 * live documents (already rewritten documents produce nothing) and applied; then SCAN continues from the saved
 * cursor. Memory holds one batch, whatever the number of documents.
 */
public final class RewriteEngine {
    private static final int MAX_REPORTED_CONFLICTS = 20;

    private final RewriteSpec spec;
    private final BackupDirectory backup;
    private final WorkerPool workers;
    private final DocumentRewriter rewriter;
    private final ProgressListener progress;
    private final RewriteSettings settings;
    private final RecallSample recall;
    private final List<String> conflicts = new ArrayList<>();
    private long malformed;

    /**
     * Tunables of a run.
     *
     * @param batchSize        keys per SCAN page and batch
     * @param maxDocsPerSecond rate limit, 0 for none
     */
    public record RewriteSettings(int batchSize, int maxDocsPerSecond) {
    }

    /** An engine for the plan's rewrite, writing through the given workers and backing up into the directory. */
    public RewriteEngine(MigrationPlan plan, BackupDirectory backup, WorkerPool workers, ProgressListener progress,
                         RewriteSettings settings) {
        this.spec = plan.rewrite().orElseThrow(() -> new IllegalArgumentException("plan has no rewrite"));
        this.backup = backup;
        this.workers = workers;
        this.progress = progress;
        this.settings = settings;
        this.rewriter = new DocumentRewriter(spec, Map.of());
        this.recall = new RecallSample(plan);
    }

    /** Runs (or resumes) the rewrite; returns a one-line summary. */
    public String run() {
        BackupHeader header = backup.header();
        if (header.phase() == BackupHeader.Phase.REWRITTEN) {
            return "documents were already rewritten by an earlier run (" + header.documentsRewritten() + ")";
        }
        progress.begin("rewriting documents", spec.documents(), "docs");
        long started = System.nanoTime();
        long startDocs = header.documentsRewritten();
        try {
            progress.update(header.documentsRewritten());
            if (header.hasUnappliedBatch()) {
                reapplyUnappliedBatches();
            }
            if (backup.header().phase() == BackupHeader.Phase.CONFLICTS) {
                backup.writeHeader(backup.header().restartPass());
            }
            if (backup.header().phase() == BackupHeader.Phase.RESCANNING || !passComplete()) {
                runPass(started, startDocs);
            }
        } finally {
            progress.end();
        }
        Map<String, Double> figures = recall.results().isEmpty() ? backup.header().recallAt10() : recall.results();
        BackupHeader.Phase end = backup.header().conflicts() > 0 ? BackupHeader.Phase.CONFLICTS
                : BackupHeader.Phase.REWRITTEN;
        backup.writeHeader(backup.header().withPhase(end).withRecall(figures));
        return finish(started, startDocs);
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
                + " vectors of unexpected length left unchanged" : "") + recall.describe();
    }

    /**
     * Re-applies the batches whose originals are saved but whose rewrite may not have been sent (the header lags
     * behind the records after a crash). Each is planned again from the live documents, so documents already
     * rewritten produce nothing.
     */
    private void reapplyUnappliedBatches() {
        backup.forEachRecord(backup.header().batchesApplied(), record -> {
            List<byte[]> keys = record.documents().stream().map(BackupRecord.DocumentOriginal::key).toList();
            BatchChanges changes = plan(keys);
            recall.add(changes.samples());
            long newConflicts = apply(changes);
            backup.writeHeader(backup.header().applied(record.nextCursor(), record.documents().size(), newConflicts),
                    false);
            progress.update(backup.header().documentsRewritten());
        });
    }

    /** A batch whose writes are being sent while the next batch is read and backed up. */
    private record InFlight(Future<List<List<Object>>> replies, BatchChanges changes, String cursorAfter,
                            Set<ByteBuffer> keys) {
    }

    /**
     * Runs the rest of a pass. Stages overlap: while the workers write batch n, the reading connection fetches
     * batch n+1 and its originals are appended (and fsynced) to the backup; batch n is then waited for and recorded.
     * Keys of batch n are left out of batch n+1 (SCAN may return a key twice), so no document is planned while its
     * own rewrite is in flight.
     */
    private void runPass(long started, long startDocs) {
        BackupHeader state = backup.header();
        String cursor = state.cursor();
        String type = spec.storage() == StorageType.HASH ? "hash" : "ReJSON-RL";
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "slipway-rewrite-writer");
            thread.setDaemon(true);
            return thread;
        });
        InFlight inflight = null;
        try {
            do {
                String from = cursor;
                ScanPage page = workers.read(store -> store.scan(from, pattern(), settings.batchSize(), type));
                Set<ByteBuffer> busy = inflight == null ? Set.of() : inflight.keys();
                List<byte[]> keys = page.keys().stream().filter(this::inScope)
                        .filter(k -> !busy.contains(ByteBuffer.wrap(k))).toList();
                BatchChanges changes = plan(keys);
                // the originals are on disk (fsynced) before any document of the batch changes
                long length = backup.append(new BackupRecord(state.batchesBackedUp() + 1, page.nextCursor(),
                        changes.originals()));
                state = state.backedUp(page.nextCursor(), changes.originals().size(), length);
                if (inflight != null) {
                    InFlight landing = inflight;
                    inflight = null;
                    state = land(landing, state);
                }
                inflight = new InFlight(writer.submit(() -> workers.executeDocuments(changes.writes())), changes,
                        page.nextCursor(), keys.stream().map(ByteBuffer::wrap).collect(Collectors.toSet()));
                cursor = page.nextCursor();
                throttle(started, state.documentsRewritten() - startDocs);
            } while (!cursor.equals("0"));
            InFlight last = inflight;
            inflight = null;
            land(last, state);
        } finally {
            if (inflight != null) {
                awaitQuietly(inflight); // never leave writes running behind a failed step and a released lock
            }
            writer.shutdownNow();
        }
    }

    /** Waits for a batch's writes, checks the replies, and records the batch as applied. */
    private BackupHeader land(InFlight inflight, BackupHeader state) {
        long newConflicts = checkReplies(inflight.changes(), WorkerPool.get(inflight.replies()));
        BackupHeader applied = state.applied(inflight.cursorAfter(), inflight.changes().originals().size(),
                newConflicts);
        if (applied.phase() == BackupHeader.Phase.RESCANNING) {
            applied = applied.withPhase(BackupHeader.Phase.REWRITING); // the new pass has applied a batch
        }
        backup.writeHeader(applied, false);
        recall.add(inflight.changes().samples());
        progress.update(applied.documentsRewritten());
        return applied;
    }

    private static void awaitQuietly(InFlight inflight) {
        try {
            inflight.replies().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            // the step is failing already; this batch is re-applied from the backup on the next run
        }
    }

    private String pattern() {
        return spec.sourcePrefixes().size() == 1 ? GlobPattern.startingWith(spec.sourcePrefixes().get(0)) : "*";
    }

    private boolean inScope(byte[] key) {
        String text = new String(key, StandardCharsets.UTF_8);
        boolean underSource = spec.sourcePrefixes().isEmpty()
                || spec.sourcePrefixes().stream().anyMatch(text::startsWith);
        // keys already moved under a new prefix that extends the old one are planned again: the rewriter finds
        // nothing to do for them, and a document that was there before the migration still gets rewritten
        return underSource;
    }

    private BatchChanges plan(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return new BatchChanges(List.of(), List.of(), List.of(), 0, List.of());
        }
        List<String> fields = rewriter.fieldsToRead();
        List<byte[]> present = existingKeys(keys);
        List<Boolean> targets = targetKeysExist(present);
        BatchChanges changes = workers.read(store -> spec.storage() == StorageType.HASH
                ? rewriter.planHash(present, fields.isEmpty() ? emptyValues(present.size())
                : store.readHashFields(present, fields), targets)
                : rewriter.planJson(present, fields.isEmpty() ? Collections.nCopies(present.size(), "{}")
                : store.readJson(present, fields), targets));
        malformed += changes.malformed();
        for (String conflict : changes.conflicts()) {
            if (conflicts.size() < MAX_REPORTED_CONFLICTS) {
                conflicts.add(conflict);
            }
        }
        return changes;
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
        return checkReplies(changes, workers.executeDocuments(changes.writes()));
    }

    private long checkReplies(BatchChanges changes, List<List<Object>> replies) {
        long renameConflicts = 0;
        for (int doc = 0; doc < replies.size(); doc++) {
            List<Command> commands = changes.writes().get(doc);
            for (int i = 0; i < commands.size(); i++) {
                Object reply = replies.get(doc).get(i);
                if (reply instanceof Exception e) {
                    checkError(commands.get(i), e);
                } else if (commands.get(i).name().equals("RENAMENX") && reply instanceof Long n && n == 0) {
                    renameConflicts++; // the new key appeared after the check: nothing was overwritten
                    if (conflicts.size() < MAX_REPORTED_CONFLICTS) {
                        conflicts.add(new String(commands.get(i).args().get(0), StandardCharsets.UTF_8)
                                + ": its new key already exists");
                    }
                }
            }
        }
        return changes.conflicts().size() + renameConflicts;
    }

    private static void checkError(Command command, Exception e) {
        String message = String.valueOf(e.getMessage());
        // a resumed batch may rename a key an earlier run already renamed
        if (!(command.name().equals("RENAMENX") && message.toLowerCase().contains("no such key"))) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Redis rejected " + command.name() + " on '"
                    + new String(command.args().get(0), StandardCharsets.UTF_8) + "': " + message + ". Re-run "
                    + "'slipway apply' with the same plan to resume; completed batches are kept.");
        }
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
