package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.ValidationFailedException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.plan.StepReport;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.IndexRecall;
import dev.slipway.internal.rewrite.RewriteSummary;
import dev.slipway.internal.schema.IndexInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Runs a plan's steps in order under the index's migration lock, persisting a checkpoint after each step.
 * A re-run with the same plan skips completed steps; a re-run after completion only re-validates.
 */
public final class MigrationExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationExecutor.class);
    /** Tries at counting the source's keys while writes keep moving the count out of its bracket. */
    private static final int SOURCE_COUNT_ATTEMPTS = 5;

    /** Default lease of the migration lock; refreshed every third of it while the run lasts. */
    public static final Duration LOCK_LEASE = Duration.ofSeconds(30);

    private final RedisSession session;
    private final RedisEndpoint endpoint;
    private final KeyNamespace keys;
    /** The caller's listener, keeping the warnings each run shows for its report. */
    private final UserWarnings.Kept progress;
    private final Duration lockLease;
    private final Map<StepKind, StepHandler> handlers = new EnumMap<>(StepKind.class);
    private StepBoundaryListener boundaries = StepBoundaryListener.NONE;
    private StopSignal stop = new StopSignal();
    /** Whether the server restarted during the run (its run_id changed), and what then. */
    private final ServerRestarts restarts;

    /** An executor on the given session, with the default lock lease. */
    public MigrationExecutor(RedisSession session, KeyNamespace keys, ProgressListener progress) {
        this(session, keys, progress, LOCK_LEASE);
    }

    /** An executor on the given session whose lock lasts {@code lockLease} beyond a stall or death of the process. */
    public MigrationExecutor(RedisSession session, KeyNamespace keys, ProgressListener progress, Duration lockLease) {
        this.session = session;
        this.endpoint = session.endpoint();
        this.keys = keys;
        this.progress = UserWarnings.keeping(progress);
        this.lockLease = lockLease;
        this.restarts = new ServerRestarts(session);
        handlers.put(StepKind.DROP_INDEX, IndexStepHandlers::drop);
        handlers.put(StepKind.CREATE_INDEX, IndexStepHandlers::create);
        handlers.put(StepKind.WAIT_FOR_INDEXING, IndexStepHandlers::waitForIndexing);
        handlers.put(StepKind.VALIDATE, IndexStepHandlers::validate);
        handlers.put(StepKind.CREATE_SHADOW_INDEX, AliasStepHandlers::createShadow);
        handlers.put(StepKind.VERIFY_SHADOW, ShadowVerification::verify);
        handlers.put(StepKind.SWITCH_ALIAS, AliasStepHandlers::switchAlias);
        handlers.put(StepKind.ADOPT_INDEX, AliasStepHandlers::switchAlias);
        handlers.put(StepKind.REWRITE_DOCUMENTS, RewriteStepHandler::run);
    }

    /**
     * Observes step boundaries (after the checkpoint is written). Tests use it to stop the process at every
     * boundary; an {@link Error} thrown here escapes like a crash, without a checkpoint update.
     */
    public MigrationExecutor onStepBoundary(StepBoundaryListener listener) {
        this.boundaries = listener;
        return this;
    }

    /**
     * What asks the run to stop at its next safe point: between steps, after the rewrite's batch in flight landed, or
     * while waiting for indexing. The checkpoint then says {@code STOPPED} and a re-run resumes there.
     */
    public MigrationExecutor stopSignal(StopSignal signal) {
        this.stop = signal;
        return this;
    }

    /** Registers the handler of a step kind (strategies beyond drop-recreate add theirs). */
    public MigrationExecutor handler(StepKind kind, StepHandler handler) {
        handlers.put(kind, handler);
        return this;
    }

    /**
     * Applies the plan.
     *
     * @throws SlipwayException           before any change, when the plan is unsupported, edited or stale, or
     *                                    the lock is held
     * @throws MigrationFailedException   when a step or validation fails; its report says how far it got
     */
    public MigrationReport apply(MigrationPlan plan, ApplyOptions options) {
        progress.clear();
        PlanPreconditions.checkPlan(plan);
        PlanPreconditions.requireNamespace(plan, keys, "apply");
        missingHandlers(plan);
        CheckpointStore store = CheckpointStore.fenced(session, keys);
        String index = plan.source().indexName();
        LiveIndexReader reader = new LiveIndexReader(session);
        // before the checks, whose reads (a survey of every document, the conflict check) need client buffers: near
        // maxmemory under a policy that evicts, they evicted documents, and a mark taken after them counted none
        // (tester session 53 R47 T1 H3: 719 keys evicted, the evictions check passed with "0 keys")
        OptionalLong evictedBeforeTheChecks = Evictions.evictedKeys(session);
        MigrationLock.refuseIfHeld(session, keys, index); // before the checks against the migration's state
        Optional<Checkpoint> previous = usableCheckpoint(store.load(index), plan);
        if (previous.isEmpty()) { // before the checks that read documents: near the limit, their reads evict
            PlanPreconditions.checkMemory(plan, reader, options.ignoreMaxmemory(), progress);
        }
        RewriteStepHandler.check(plan, options, previous, endpoint, keys);
        BackupOrigin.refuseIfForeign(session, keys, options);
        if (previous.isEmpty()) {
            checkLive(plan, options, reader);
            warnIfTheSampleIsMostlyGone(plan);
        }
        if (rewriteStillToRun(plan, previous)) {
            PlanPreconditions.checkConnections(session, plan, options);
        }
        PermissionProbe.requireForApply(session, plan, keys);
        try (MigrationLock lock = MigrationLock.acquire(session, endpoint, keys, index, plan.planId(),
                MigrationLock.leaseCovering(lockLease, options.maxRetries()), progress)) {
            previous = usableCheckpoint(store.load(index), plan);
            if (previous.isEmpty()) {
                checkLive(plan, options, reader); // again, now that no one else can change it
            }
            // on a resume too: its --queries may be new, and are checked at the end, after the remaining changes
            PlanPreconditions.probeTarget(plan, session, keys, options.queryChecks(), progress);
            // an index with a FILTER: only the documents it admits are rewritten (a throwaway index tells which)
            PlanPreconditions.checkScopeMemory(session, plan, previous.isPresent(), options.ignoreMaxmemory(),
                    progress);
            try (FilterScope filter = FilterScope.open(session, keys, plan, stop)) {
                RewriteMeasurement.Measured measured = rewriteStillToRun(plan, previous)
                        ? RewriteMeasurement.measure(plan, filter, previous.isEmpty(), options, endpoint,
                                progress, stop)
                        : new RewriteMeasurement.Measured(0, -1);
                long inPlace = 0;
                if (previous.isEmpty()) {
                    PlanPreconditions.checkMemoryOfEveryDocument(plan, measured.holding(), reader,
                            options.ignoreMaxmemory(), progress);
                    inPlace = RewriteMeasurement.refuseConflicts(plan, filter, options, endpoint, progress, stop);
                    RewriteMeasurement.warnOfFieldExpiries(session, plan, progress);
                }
                RewriteStepHandler.createBackup(session, plan, options, keys, inPlace);
                if (previous.isEmpty()) { // the source index answers KNN queries for the last time before the drop
                    options.backupDir().filter(d -> plan.rewrite().isPresent())
                            .ifPresent(dir -> IndexRecall.capture(session, plan, dir));
                }
                Checkpoint start = previous.map(c -> c.ownedBy(MigrationLock.processOwner())
                                .withStatus(Checkpoint.Status.RUNNING))
                        .orElseGet(() -> Checkpoint.start(plan.planId(), index, MigrationLock.processOwner()))
                        .withBackupDir(options.backupDir().filter(d -> plan.rewrite().isPresent())
                                .map(d -> d.toAbsolutePath().normalize().toString()).orElse("")); // only a rewrite's
                if (previous.isEmpty()) {
                    start = withSourceFailures(start, plan);
                    OptionalLong evicted = evictedBeforeTheChecks.isPresent() ? evictedBeforeTheChecks
                            : Evictions.evictedKeys(session);
                    if (evicted.isPresent()) {
                        start = start.withFigure(Checkpoint.EVICTED_KEYS, evicted.getAsLong());
                    }
                    Optional<ServerInfo.Memory> memory = new LiveIndexReader(session).memory();
                    if (memory.filter(m -> m.maxBytes() > 0
                            && m.usedBytes() >= m.maxBytes() * MemoryHeadroom.USABLE_SHARE).isPresent()) {
                        start = start.withFigure(Checkpoint.FULL_AT_START, 1);
                    }
                }
                boolean wasCompleted = previous.filter(c -> c.status() == Checkpoint.Status.COMPLETED).isPresent();
                return run(plan, options, store, lock, start, previous.isPresent(), measured, wasCompleted,
                        filter);
            }
        }
    }

    /**
     * Records how many of the source index's reported indexing failures belong to keys that exist now, before the
     * first change: the server keeps counting failures of keys deleted or mended since, and validation would
     * otherwise allow the new index that many failures of documents that index fine today. Only when the source
     * reports failures and its keys can be counted ({@link KeyCoverage}).
     */
    private Checkpoint withSourceFailures(Checkpoint start, MigrationPlan plan) {
        String source = plan.source().physicalIndex();
        Optional<IndexInfo> live = new LiveIndexReader(session).findPhysical(source);
        if (live.isEmpty() || live.get().stats().indexingFailures() == 0) {
            return start;
        }
        if (!KeyCoverage.countable(live.get().schema())) { // a FILTER: the keys cannot be counted, but looked up
            recordFailingKeys(plan, live.get()); // (tester session 28: a FILTER index skipped the check)
            return start;
        }
        LOG.info("'{}' reports {} indexing failures; counting the keys under its prefixes to tell those of existing "
                + "documents from those Redis keeps for deleted or mended ones", source,
                live.get().stats().indexingFailures());
        Optional<KeyCoverage> coverage = KeyCoverage.measure(session, live.get().schema(), List.of(source),
                SOURCE_COUNT_ATTEMPTS);
        coverage.ifPresent(keys -> LOG.debug("'{}' reports {} indexing failures, {} of keys that exist", source,
                live.get().stats().indexingFailures(), keys.failuresOfExistingKeys(source)));
        coverage.filter(keys -> keys.failuresOfExistingKeys(source) > 0)
                .ifPresent(keys -> recordFailingKeys(plan, live.get()));
        return coverage.map(keys -> start.withFigure(Checkpoint.SOURCE_FAILURES, keys.failuresOfExistingKeys(source)))
                .orElse(start);
    }

    /**
     * A drop-recreate migration leaves no index to ask which documents the source served, so the keys it failed on
     * are recorded before the drop ({@link SourceFailingKeys}), when the new index covers the same documents.
     */
    private void recordFailingKeys(MigrationPlan plan, IndexInfo live) {
        if (plan.mode() != MigrationMode.DROP_RECREATE
                || !DroppedDocuments.sameDocuments(live.schema(), plan.targetSchema())) {
            return;
        }
        try {
            Optional<Integer> recorded = SourceFailingKeys.record(session, keys, plan.source().indexName(),
                    plan.planId(), live.schema().name(), live.schema());
            LOG.debug("recorded {} keys '{}' fails to index", recorded.map(String::valueOf)
                    .orElse("none (too many)"), live.schema().name());
        } catch (RedisCommandException e) { // an ACL without that key, say: validation counts instead
            LOG.warn("Could not record the keys '{}' fails to index ({}); validation compares failure counts only",
                    live.schema().name(), e.serverMessage());
        }
    }

    /** For a rewrite an earlier run finished: the batches a run before it left unjudged by the write watch. */
    private static String unjudgedNote(PlanStep step, Checkpoint checkpoint) {
        Long batches = checkpoint.marks().get(Checkpoint.UNJUDGED_BATCHES);
        Long documents = checkpoint.marks().get(Checkpoint.UNJUDGED_DOCUMENTS);
        if (step.kind() != StepKind.REWRITE_DOCUMENTS || batches == null || documents == null) {
            return "";
        }
        return "; " + RewriteSummary.unjudgedText(batches, documents);
    }

    /** Whether the plan rewrites documents and its rewrite step is not done yet. */
    private static boolean rewriteStillToRun(MigrationPlan plan, Optional<Checkpoint> previous) {
        return plan.rewrite().isPresent() && plan.steps().stream()
                .anyMatch(s -> s.kind() == StepKind.REWRITE_DOCUMENTS
                        && previous.map(c -> !c.isDone(s.name())).orElse(true));
    }

    /**
     * The checks {@link #apply} makes before its first write. Read-only but for the probe of the target schema, a
     * throwaway index over no key, dropped at once, which has the server parse the schema and the query checks: without
     * it a check passed that apply then refused (tester session 40 R30 F3).
     */
    public void check(MigrationPlan plan, ApplyOptions options) {
        PlanPreconditions.checkPlan(plan);
        PlanPreconditions.requireNamespace(plan, keys, "apply");
        missingHandlers(plan);
        // as apply does: the CLI checks first, and a run going told a second one to resume (tester R26 F-A)
        MigrationLock.refuseIfHeld(session, keys, plan.source().indexName());
        Optional<Checkpoint> previous = usableCheckpoint(new CheckpointStore(session, keys)
                .load(plan.source().indexName()), plan);
        LiveIndexReader reader = new LiveIndexReader(session);
        if (previous.isEmpty() && !options.ignoreMaxmemory()) { // apply warns when it goes on anyway; first, since
            PlanPreconditions.checkMemory(plan, reader, false, ProgressListener.NONE); // reads near the limit evict
        }
        RewriteStepHandler.check(plan, options, previous, endpoint, keys);
        BackupOrigin.refuseIfForeign(session, keys, options);
        if (previous.isEmpty()) {
            checkLive(plan, options, reader);
        }
        PermissionProbe.requireForApply(session, plan, keys);
        PlanPreconditions.probeTarget(plan, session, keys, options.queryChecks(), progress);
    }

    private void missingHandlers(MigrationPlan plan) {
        for (PlanStep step : plan.steps()) {
            if (!handlers.containsKey(step.kind())) {
                throw new SlipwayException(ErrorCode.UNSUPPORTED_CHANGE, "Step '" + step.name() + "' ("
                        + step.kind() + ") is not supported by this version of Slipway; nothing was changed.");
            }
        }
    }

    /** The checkpoint to resume from, if it belongs to this plan; refuses when another plan is unfinished. */
    /** The live index still matches the plan; when not, a missing checkpoint of a started rewrite is named. */
    private void checkLive(MigrationPlan plan, ApplyOptions options, LiveIndexReader reader) {
        try {
            PlanPreconditions.checkLive(plan, reader);
        } catch (StalePlanException stale) {
            throw RewriteStepHandler.explainMissingCheckpoint(plan, options, keys, session, stale);
        }
    }

    private static Optional<Checkpoint> usableCheckpoint(Optional<Checkpoint> checkpoint, MigrationPlan plan) {
        if (checkpoint.isEmpty()) {
            return Optional.empty();
        }
        Checkpoint c = checkpoint.get();
        c.refuseWhileRollingBack("apply");
        if (c.planId().equals(plan.planId())) {
            return checkpoint;
        }
        if (c.status() == Checkpoint.Status.COMPLETED) {
            return Optional.empty();
        }
        throw new StalePlanException("Index '" + c.index() + "' has an unfinished migration of another plan ("
                + c.planId() + ", " + c.status().name().toLowerCase() + ", steps done: "
                + (c.completedSteps().isEmpty() ? "none" : String.join(", ", c.completedSteps()))
                + "); nothing was changed. First " + c.finishOrUndo() + ". Once it is undone this plan can be "
                + "applied; once it is finished, the index has changed, so plan this change again.", List.of());
    }

    private MigrationReport run(MigrationPlan plan, ApplyOptions options, CheckpointStore store, MigrationLock lock,
                                Checkpoint start, boolean resumed, RewriteMeasurement.Measured measured,
                                boolean wasCompleted, FilterScope filter) {
        Instant startedAt = Instant.now();
        String runIdAtStart = restarts.begin();
        StepContext context = new StepContext(session, plan, options, progress, keys, start, lock, stop)
                .rewriteBatchBytes(measured.batchBytes()).rewriteDocuments(measured.holding()).checkpoints(store)
                .filterScope(filter);
        context.serverRunId(runIdAtStart);
        store.save(context.checkpoint());
        List<StepReport> reports = new ArrayList<>();
        for (int i = 0; i < plan.steps().size(); i++) {
            PlanStep step = plan.steps().get(i);
            boolean alwaysRuns = step.kind() == StepKind.VALIDATE;
            if (context.checkpoint().isDone(step.name()) && !alwaysRuns) {
                reports.add(new StepReport(step.name(), StepReport.Status.ALREADY_DONE, 0, "done by an earlier run"
                        + unjudgedNote(step, context.checkpoint())));
                continue;
            }
            try {
                lock.confirmHeld();
                stop.stopHereIfRequested("The migration stopped before step '" + step.name() + "'.");
            } catch (SlipwayException e) {
                return fail(plan, store, context, reports, i, startedAt, resumed, e, wasCompleted);
            }
            progress.message("step " + (i + 1) + "/" + plan.steps().size() + ": " + step.description());
            boundaries.before(step.name());
            long t0 = System.nanoTime();
            try {
                String detail = handlers.get(step.kind()).run(context, step);
                lock.confirmHeld(); // a process that took the lock meanwhile (a rollback) owns the checkpoint now
                long ms = (System.nanoTime() - t0) / 1_000_000;
                restarts.refuseIfRestarted(context, step, false);
                context.checkpoint(context.checkpoint().withStepDone(step.name()));
                store.save(context.checkpoint()); // reported done once recorded: a failure here reports it failed
                restarts.refuseIfRestarted(context, step, true);
                reports.add(new StepReport(step.name(), StepReport.Status.DONE, ms, detail));
                boundaries.after(step.name());
            } catch (RuntimeException e) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                reports.add(new StepReport(step.name(), stopped(e) ? StepReport.Status.STOPPED
                        : StepReport.Status.FAILED, ms, message(e)));
                return fail(plan, store, context, reports, i + 1, startedAt, resumed, e, wasCompleted);
            }
        }
        try {
            lock.confirmHeld(); // a process that took the lock meanwhile, such as a rollback, owns the checkpoint
        } catch (SlipwayException e) {
            return fail(plan, store, context, reports, plan.steps().size(), startedAt, resumed, e, wasCompleted);
        }
        context.checkpoint(context.checkpoint().withStatus(Checkpoint.Status.COMPLETED));
        store.save(context.checkpoint());
        return report(plan, context, reports, startedAt, resumed, MigrationReport.Result.SUCCEEDED, null);
    }

    /**
     * Ends a run that failed or stopped. A re-run of a COMPLETED migration that only re-validated (every other step
     * still done) leaves it COMPLETED: its failed validation is reported (exit 1), but the migration is not made
     * unfinished, which would refuse every later plan of the index (tester session 26). The failed validation is
     * no longer listed as done, so {@code status} shows that it failed.
     */
    private MigrationReport fail(MigrationPlan plan, CheckpointStore store, StepContext context,
                                 List<StepReport> reports, int notRunFrom, Instant startedAt, boolean resumed,
                                 RuntimeException failure, boolean wasCompleted) {
        RuntimeException cause = failure;
        if (!(failure instanceof SlipwayException s && s.code() == ErrorCode.LOCK_HELD)) {
            try {
                context.lock().confirmHeld(); // woken after a stall, its connections closed by the new holder
            } catch (SlipwayException lost) {
                lost.addSuppressed(failure);
                cause = lost;
            }
        }
        for (int j = notRunFrom; j < plan.steps().size(); j++) {
            reports.add(new StepReport(plan.steps().get(j).name(), StepReport.Status.NOT_RUN, 0, ""));
        }
        // a step this run did that a later one undid, such as the index a stopped build dropped (tester session 32
        // R13 L3: reported DONE with "created index", though it was gone)
        reports.replaceAll(r -> r.status() == StepReport.Status.DONE && !context.checkpoint().isDone(r.name())
                ? new StepReport(r.name(), StepReport.Status.UNDONE, r.durationMs(), r.detail()
                + "; undone by a later step, runs again on a re-run") : r);
        boolean stopped = stopped(cause);
        String restarted = stopped || message(cause).contains("The server restarted during step") ? ""
                : restarts.note(message(cause).contains("'slipway status'"));
        try {
            boolean stillComplete = wasCompleted && plan.steps().stream()
                    .allMatch(s -> s.kind() == StepKind.VALIDATE || context.checkpoint().isDone(s.name()));
            context.checkpoint(context.checkpoint().withStatus(stillComplete ? Checkpoint.Status.COMPLETED
                    : stopped ? Checkpoint.Status.STOPPED : Checkpoint.Status.FAILED));
            if (stillComplete) { // its validation no longer holds: status lists it as not done (tester session 27)
                plan.steps().stream().filter(s -> s.kind() == StepKind.VALIDATE)
                        .filter(s -> reports.stream().anyMatch(r -> r.name().equals(s.name())
                                && r.status() == StepReport.Status.FAILED))
                        .forEach(s -> context.checkpoint(context.checkpoint().withStepUndone(s.name())));
            }
            if (!context.lock().isLost()) { // the checkpoint is the new holder's now (a rollback deletes it)
                store.save(context.checkpoint());
            }
        } catch (SlipwayException e) {
            cause.addSuppressed(e);
        }
        MigrationReport report = report(plan, context, reports, startedAt, resumed, stopped
                ? MigrationReport.Result.STOPPED : MigrationReport.Result.FAILED, message(cause) + restarted);
        if (context.lock().isLost()) {
            report = withLiveDowntime(report, plan, cause);
        }
        if (stopped) {
            throw new MigrationFailedException(ErrorCode.STOPPED, "Migration of '" + plan.source().indexName()
                    + "' " + message(cause).replaceFirst("^Stopped", "stopped") + stillDown(report)
                    + " Re-run 'slipway apply' with the same plan to resume; what was done is kept.", report, cause);
        }
        ErrorCode code = cause instanceof ValidationFailedException ? ErrorCode.VALIDATION_FAILED
                : cause instanceof SlipwayException s && s.exitCode() == 1 ? s.code() : ErrorCode.MIGRATION_FAILED;
        String said = message(cause) + restarted;
        boolean advised = said.contains("'slipway ");
        if (!advised && !said.endsWith(".")) {
            said += "."; // "Validation of 'p' failed Its steps are done" (tester session 53 R47 T2 F8)
        }
        throw new MigrationFailedException(code, "Migration of '" + plan.source().indexName() + "' failed: "
                + said + (advised ? "" : code == ErrorCode.VALIDATION_FAILED
                ? afterFailedValidation(plan, context.checkpoint()) : " Fix the cause and re-run 'slipway apply' with "
                + "the same plan; completed steps are not repeated."), report, cause);
    }

    /**
     * What a validation that failed after the index changed leaves, and what to run next: the message said only
     * "Validation of 'vf' failed" and the checks, and {@code status} said FAILED, with the recreated index already
     * serving the target schema (tester session 52 R46 T2 F11).
     */
    private static String afterFailedValidation(MigrationPlan plan, Checkpoint checkpoint) {
        String name = plan.servedName();
        String backup = checkpoint.backupDir().isEmpty() ? "" : " or 'slipway rollback --backup-dir "
                + checkpoint.backupDir() + "' (the originals and the original index)";
        String undo = plan.mode() == MigrationMode.ZERO_DOWNTIME
                ? "'slipway rollback --index " + name + "' switches the name back to the version before" + backup
                : "a drop-recreate keeps no earlier index to switch back to: plan the reverse change" + backup;
        return " Its steps are done: '" + name + "' serves the index the migration built. If the failed checks name "
                + "something the migration should not have changed, undo it: " + undo + ". If they name something "
                + "to mend (a query that needs other data, a document an application wrote), mend it and run "
                + "'slipway validate --plan <plan file>' again; 'slipway status --index " + name + "' shows the "
                + "migration's state.";
    }

    /**
     * After the lock was lost, this run's own marks no longer say whether the name is missing: the process that took
     * the lock (a rollback, a resumed apply) may have brought it back. So "still missing" is what Redis says now; when
     * it is served again, it came back at the latest now.
     */
    private MigrationReport withLiveDowntime(MigrationReport report, MigrationPlan plan, RuntimeException cause) {
        MigrationReport.Downtime own = report.downtime();
        if (!own.ongoing()) {
            return report;
        }
        // on a connection of its own: the process that took the lock closed this one (see MigrationLock)
        try (RedisSession fresh = RedisSession.open(endpoint, 5000)) {
            if (new LiveIndexReader(fresh).find(plan.servedName()).isEmpty()) {
                return report;
            }
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            return report;
        }
        return new MigrationReport(report.planId(), report.index(), report.mode(), report.result(),
                report.startedAt(), report.finishedAt(), report.resumed(), report.steps(),
                new MigrationReport.Downtime(own.unavailableMs(), 0, false), report.validation(), report.error(),
                report.warnings());
    }

    /**
     * Warns, before anything changes, when most of the documents the plan sampled do not exist: deleted since the plan
     * was made, or the plan was made on another server (a staging copy), whose figures it then shows. A plan of a
     * 5,000-document server applied on one of 100 said nothing, and validation blamed "another client" for deleting
     * 19 of the 20 sampled keys (tester session 48 R43 T1 F1).
     */
    private void warnIfTheSampleIsMostlyGone(MigrationPlan plan) {
        List<String> sample = plan.source().keySample();
        if (sample.size() < 4) {
            return;
        }
        List<String> gone = sample.stream().filter(key -> RedisReplies.whole(session.call("EXISTS", key)) == 0)
                .toList();
        if (gone.size() * 2 > sample.size()) {
            UserWarnings.warn(LOG, progress, gone.size() + " of the " + sample.size() + " documents the plan sampled "
                    + "do not exist on " + endpoint.redacted() + " (such as " + String.join(", ", gone.subList(0,
                    Math.min(3, gone.size()))) + "): they were deleted since the plan was made, or the plan was made "
                    + "on another server, whose figures (" + plan.source().numDocs() + " documents) it shows. "
                    + "If so, plan on this server to review its own figures.");
        }
    }

    private static boolean stopped(RuntimeException e) {
        return e instanceof SlipwayException s && s.code() == ErrorCode.STOPPED;
    }

    /** What a stopped run leaves unserved until it is resumed. */
    private static String stillDown(MigrationReport report) {
        return report.downtime().ongoing() ? " Index '" + report.index() + "' is not served until the migration "
                + "is resumed and recreates it." : "";
    }

    private static String message(RuntimeException e) {
        if (e instanceof ValidationFailedException v) {
            return v.getMessage(); // its failed checks travel as the exception's problems, listed once
        }
        return e instanceof SlipwayException s ? s.describe() : e.toString();
    }

    private MigrationReport report(MigrationPlan plan, StepContext context, List<StepReport> steps,
                                          Instant startedAt, boolean resumed, MigrationReport.Result result,
                                          String error) {
        Map<String, Long> marks = context.checkpoint().marks();
        return new MigrationReport(plan.planId(), plan.servedName(), plan.mode(), result, startedAt, Instant.now(),
                resumed, steps, downtime(marks), context.validation(), Optional.ofNullable(error),
                warnings(plan));
    }

    /**
     * The plan's warnings, which apply went ahead despite (the CLI shows them with the plan before it asks), then
     * those the run showed as it went, each once: a report read later in CI had only the latter (tester session 51
     * R44 T2 F5: "it will match nothing" shown, {@code warnings: []} in the report).
     */
    private List<String> warnings(MigrationPlan plan) {
        Set<String> all = new LinkedHashSet<>(plan.warnings());
        all.addAll(progress.warnings());
        return List.copyOf(all);
    }

    /**
     * When the checkpoint's migration dropped the name it serves and has not served it since (a drop-recreate between
     * its drop and its new index, or stopped there); empty otherwise, and for a completed migration.
     */
    public static Optional<Instant> unservedSince(Checkpoint checkpoint) {
        Long down = checkpoint.marks().get(IndexStepHandlers.UNAVAILABLE_FROM);
        return down == null || checkpoint.marks().containsKey(IndexStepHandlers.AVAILABLE_AT)
                || checkpoint.status() == Checkpoint.Status.COMPLETED ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(down));
    }

    static MigrationReport.Downtime downtime(Map<String, Long> marks) {
        Long down = marks.get(IndexStepHandlers.UNAVAILABLE_FROM);
        Long up = marks.get(IndexStepHandlers.AVAILABLE_AT);
        Long complete = marks.get(IndexStepHandlers.COMPLETE_AT);
        boolean ongoing = down != null && up == null;
        long unavailable = down == null ? 0 : Math.max(0, (ongoing ? System.currentTimeMillis() : up) - down);
        // a run that ended while the new index indexed (stopped, timed out): until the report, as unavailable is
        // (it said 0, tester session 45 R40 F7)
        long incomplete = down == null || up == null ? 0
                : Math.max(0, (complete == null ? System.currentTimeMillis() : complete) - up);
        return new MigrationReport.Downtime(unavailable, incomplete, ongoing);
    }
}
