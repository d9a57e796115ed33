package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.HeldLock;

import java.util.Optional;

/**
 * What a running step can use and record: the session, the plan, options, progress, the migration lock (for long
 * steps to confirm between batches), the stop signal (for them to stop at a safe point), the checkpoint (for marks
 * that survive restarts), and the validation result once the validate step ran.
 */
public final class StepContext {
    private final RedisSession session;
    private final MigrationPlan plan;
    private final ApplyOptions options;
    private final ProgressListener progress;
    private CheckpointStore checkpoints;
    private final KeyNamespace keys;
    private final HeldLock lock;
    private final StopSignal stop;
    private final Checkpoint atStart;
    private Checkpoint checkpoint;
    private ValidationResult validation;
    private long rewriteBatchBytes;
    private long rewriteDocuments = -1;
    private FilterScope filterScope = FilterScope.everyDocument();
    private boolean rewroteEveryDocument;
    /**
     * The server (run_id) this run's steps so far did their work on, as far as they know: the run_id when the steps
     * began, or the one a step saw its work through on after a restart it handled (the rewrite's last pass); null when
     * the user may not read it.
     */
    private String serverRunId;

    StepContext(RedisSession session, MigrationPlan plan, ApplyOptions options, ProgressListener progress,
                KeyNamespace keys, Checkpoint checkpoint, HeldLock lock, StopSignal stop) {
        this.session = session;
        this.plan = plan;
        this.options = options;
        this.progress = progress;
        this.keys = keys;
        this.atStart = checkpoint;
        this.checkpoint = checkpoint;
        this.lock = lock;
        this.stop = stop;
    }

    public RedisSession session() {
        return session;
    }

    public MigrationPlan plan() {
        return plan;
    }

    /** The most bytes of values a rewrite batch may hold, 0 for no limit (measured before anything changed). */
    public long rewriteBatchBytes() {
        return rewriteBatchBytes;
    }

    StepContext rewriteBatchBytes(long bytes) {
        this.rewriteBatchBytes = bytes;
        return this;
    }

    /**
     * The documents the rewrite will change, as counted before anything changed (-1 when not counted): more than the
     * plan's count for an index with a FILTER, whose rewrite converts every document under its prefixes.
     */
    public long rewriteDocuments() {
        return rewriteDocuments;
    }

    StepContext rewriteDocuments(long documents) {
        this.rewriteDocuments = documents;
        return this;
    }

    /** Which documents the rewrite and validation's scans look at: those the index's FILTER admits, or all. */
    public FilterScope filterScope() {
        return filterScope;
    }

    StepContext filterScope(FilterScope scope) {
        this.filterScope = scope;
        return this;
    }

    /** The run's checkpoint store (fenced: see {@link CheckpointStore#fenced}). */
    StepContext checkpoints(CheckpointStore store) {
        this.checkpoints = store;
        return this;
    }

    /** Saves the checkpoint as it stands, through the run's store. */
    void saveCheckpoint() {
        checkpoints.save(checkpoint);
    }

    /**
     * Whether this run's rewrite read every document, in a pass it began from the first page: a document found in
     * the old form after it was written after the pass reached it, by an application that still writes so. A pass
     * this run resumed from where a killed run stopped did not read the documents before that point.
     */
    boolean rewroteEveryDocument() {
        return rewroteEveryDocument;
    }

    void rewroteEveryDocument(boolean value) {
        this.rewroteEveryDocument = value;
    }

    /** See {@link #serverRunId(String)}. */
    String serverRunId() {
        return serverRunId;
    }

    /**
     * Records the server (run_id) the steps did their work on: set when the steps begin, and by a step that handled a
     * restart and finished its work on the new server. {@code MigrationExecutor} records a step as done only while the
     * server is still that one.
     */
    void serverRunId(String runId) {
        this.serverRunId = runId;
    }

    public ApplyOptions options() {
        return options;
    }

    public ProgressListener progress() {
        return progress;
    }

    public KeyNamespace keys() {
        return keys;
    }

    /** The migration lock the run holds. */
    public HeldLock lock() {
        return lock;
    }

    /** What asks the run to stop at its next safe point (long steps check it between batches or polls). */
    public StopSignal stop() {
        return stop;
    }

    Checkpoint checkpoint() {
        return checkpoint;
    }

    void checkpoint(Checkpoint value) {
        checkpoint = value;
    }

    /** Whether an earlier run had done the named step (this run skips it). */
    public boolean doneBeforeThisRun(String step) {
        return atStart.isDone(step);
    }

    /** Records a named instant (kept across restarts once set). */
    public void mark(String name) {
        checkpoint = checkpoint.withMark(name);
    }

    public Optional<ValidationResult> validation() {
        return Optional.ofNullable(validation);
    }

    void validation(ValidationResult value) {
        validation = value;
    }
}
