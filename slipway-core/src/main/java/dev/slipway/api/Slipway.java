package dev.slipway.api;

import dev.slipway.api.plan.MigrationEstimate;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.PruneResult;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.api.version.RollbackResult;
import dev.slipway.internal.apply.BackupOrigin;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.ContainedProgress;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.apply.MigrationValidator;
import dev.slipway.internal.apply.PermissionProbe;
import dev.slipway.internal.apply.PlanPreconditions;
import dev.slipway.internal.plan.MigrationPlanner;
import dev.slipway.internal.plan.PlanWarnings;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SearchDatabase;
import dev.slipway.internal.redis.ServerRole;
import dev.slipway.internal.redis.Unanswered;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupRestorer;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.RewriteEstimator;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.version.AliasRollback;
import dev.slipway.internal.version.HistoryStore;
import dev.slipway.internal.version.VersionHistory;
import dev.slipway.internal.version.VersionPruner;
import dev.slipway.internal.version.VersionStatusReader;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The entry point of the library: one immutable object per Redis target, with one method per verb.
 *
 * <pre>
 * Slipway slipway = Slipway.configure().url("redis://localhost:6379").load();
 * MigrationPlan plan = slipway.plan(PlanRequest.patchFile("products", path));
 * MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);
 * </pre>
 *
 * Every verb opens its own connection and closes it before returning; instances are safe to share.
 */
public final class Slipway {
    /**
     * How many times a verb's connection is replaced when lost (pauses of 0.1 s doubling to 2 s, about 5 s in
     * all); apply and the rollback of a backup ride out as long an outage on it as their {@code --retries} do on the
     * rewrite's connections ({@link RedisSession#reconnectingFor}).
     */
    private static final int SESSION_RECONNECTS = 6;

    private final RedisEndpoint endpoint;
    private final KeyNamespace keys;
    private final Duration commandTimeout;
    private final Duration lockLease;
    private final ProgressListener progress;
    private final StopSignal stop;

    private Slipway(Configuration configuration) {
        this(RedisEndpoint.parse(configuration.url), new KeyNamespace(configuration.keyNamespace),
                configuration.commandTimeout, configuration.lockLease, ContainedProgress.of(configuration.progress),
                configuration.stop);
    }

    private Slipway(RedisEndpoint endpoint, KeyNamespace keys, Duration commandTimeout, Duration lockLease,
                    ProgressListener progress, StopSignal stop) {
        this.endpoint = endpoint;
        this.keys = keys;
        this.commandTimeout = commandTimeout;
        this.lockLease = lockLease;
        this.progress = progress;
        this.stop = stop;
    }

    /**
     * This facade with another {@link StopSignal}, everything else the same. A signal stays requested once it is, and
     * serves one run: give the next {@code apply} or {@code rollbackFromBackup} a new one (a stopped run resumes
     * through it). One signal shared by concurrent runs stops them all, as a shutdown hook should.
     */
    public Slipway withStopSignal(StopSignal signal) {
        return new Slipway(endpoint, keys, commandTimeout, lockLease, progress,
                signal == null ? new StopSignal() : signal);
    }

    /**
     * Refuses to start a run whose stop signal was requested before it began: it stopped at once, "Re-run to start
     * again", which on the same signal stopped again (tester session 40 R30 F5).
     */
    private void refuseIfStoppedBefore(String verb) {
        if (Thread.currentThread().isInterrupted()) { // it went on to drop or create indexes (tester session 45 R40 F4)
            throw new SlipwayException(ErrorCode.STOPPED, "The calling thread was interrupted before this " + verb
                    + " began, so it did not start; nothing was changed. Clear the interrupt (Thread.interrupted()), "
                    + "then call it again to start or resume. To stop a run between batches, use its StopSignal: an "
                    + "interrupt fails the run where it finds it.");
        }
        stop.stopHereIfRequested("The stop signal was requested before this " + verb + " began, so it did not start; "
                + "nothing was changed. A stop signal serves one run: give the next one a new signal "
                + "(Slipway.withStopSignal), then call it again to start or resume.");
    }

    /** Starts a configuration with defaults: {@code redis://localhost:6379}, namespace {@code slipway:}. */
    public static Configuration configure() {
        return new Configuration();
    }

    /** The Redis URL with the password masked. */
    public String redactedUrl() {
        return endpoint.redacted();
    }

    /** Names of every index on the server, sorted; empty when there are none. */
    public List<String> listIndexes() {
        return withSession(session -> new LiveIndexReader(session).listIndexes());
    }

    /**
     * Describes a live index.
     *
     * @throws SlipwayException {@link ErrorCode#UNKNOWN_INDEX} when it does not exist
     */
    public IndexDescription describe(String index) {
        Arguments.required(index, "The index name");
        return withSession(session -> {
            LiveIndexReader reader = new LiveIndexReader(session);
            IndexInfo info = reader.read(index);
            VersionHistory history = new HistoryStore(session, keys).load(index);
            LiveIndexReader.CompleteSchema complete = reader.completeSchema(index, info,
                    history.entry(info.schema().name()).map(VersionHistory.VersionEntry::schema));
            List<String> warnings = new ArrayList<>(info.unrecognized());
            PlanWarnings.phoneticWarning(complete.phoneticProbed(), info.schema().name()).ifPresent(warnings::add);
            PlanWarnings.hiddenAttributeWarning(complete.schema(), complete.recorded(), complete.vectorTuningRead())
                    .ifPresent(warnings::add);
            reader.temporary(info.schema().name())
                    .ifPresent(kind -> warnings.add(PlanWarnings.temporaryReason(info.schema().name(), kind)));
            if (!info.undecodable().isEmpty()) {
                warnings.add("A plan of this index is blocked: " + LivePlanning.undecodableReason(index,
                        info.undecodable()) + ".");
            }
            return new IndexDescription(index, info.schema().name(), complete.schema(), info.stats().numDocs(),
                    info.stats().indexingFailures(), info.stats().percentIndexed(), info.stats().memoryBytes(),
                    warnings, reader.synonyms(info.schema().name()));
        });
    }

    /**
     * Plans a migration: snapshots the live index, merges the patch (or takes the target), classifies every change
     * and lists the steps. Writes nothing to Redis.
     *
     * @throws SlipwayException {@link ErrorCode#UNKNOWN_INDEX} for a missing index,
     *                          {@link ErrorCode#MALFORMED_INPUT} when the patch does not fit the index
     */
    public MigrationPlan plan(PlanRequest request) {
        Arguments.required(request, "The plan request");
        return withSession(session -> new LivePlanning(session, keys).plan(request));
    }

    /**
     * Applies a plan. Before changing anything it refuses unsupported, edited or stale plans, a plan made under
     * another key namespace ({@link MigrationPlan#keyNamespace()}) and a held lock.
     *
     * @throws MigrationFailedException when a step or validation fails (the report inside says how far it got)
     */
    public MigrationReport apply(MigrationPlan plan, ApplyOptions options) {
        Arguments.required(plan, "The plan");
        Arguments.required(options, "The apply options");
        refuseIfStoppedBefore("apply");
        return withSession("apply", session -> new MigrationExecutor(session.reconnectingFor(WorkerPool.retryWindow(
                options.maxRetries())), keys, progress, lockLease).stopSignal(stop).apply(plan, options));
    }

    /**
     * Estimates a plan's cost from a short read-only sample of the live documents: documents, bytes to back up,
     * disk and memory needed, memory saved by quantization, expected duration. Writes nothing.
     *
     * @throws dev.slipway.api.StalePlanException when the index no longer exists or no longer has the plan's source
     *                                            schema (the plan was applied, say), unless this plan's migration is
     *                                            under way
     * @throws SlipwayException {@link ErrorCode#UNSUPPORTED_CHANGE} for a plan with blocked changes, which apply
     *                          refuses
     */
    public MigrationEstimate estimate(MigrationPlan plan) {
        return estimate(plan, 0);
    }

    /**
     * As {@link #estimate(MigrationPlan)}, for an apply with {@code --rate-limit maxDocsPerSecond} (0 for none): the
     * rewrite takes at least its documents over the rate.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when {@code maxDocsPerSecond} is negative
     */
    public MigrationEstimate estimate(MigrationPlan plan, int maxDocsPerSecond) {
        Arguments.required(plan, "The plan");
        ApplyOptions.checkRateLimit(maxDocsPerSecond);
        PlanPreconditions.checkPlan(plan); // a plan apply refuses has no cost to show (tester session 40 R30 F15)
        PlanPreconditions.requireNamespace(plan, keys, "estimate");
        return withSession(session -> {
            boolean underway = new CheckpointStore(session, keys).load(plan.source().indexName())
                    .filter(c -> c.planId().equals(plan.planId()) && c.status() != Checkpoint.Status.COMPLETED)
                    .isPresent();
            if (underway) {
                return RewriteEstimator.estimate(plan, session, maxDocsPerSecond);
            }
            // a plan for an index that is gone, or already applied, estimates nothing real
            long liveDocuments = PlanPreconditions.requireCurrent(plan, new LiveIndexReader(session)).stats()
                    .numDocs();
            return RewriteEstimator.withLiveCount(RewriteEstimator.estimate(plan, session, maxDocsPerSecond), plan,
                    liveDocuments);
        });
    }

    /**
     * Makes every read-only check {@code apply} makes before its first write (plan supported and unedited, server
     * features, live index still matching the snapshot, names free, backup directory and data-loss
     * acknowledgement, the server accepting the target schema and parsing every query check), so a caller can refuse
     * before asking a person to confirm. Changes nothing of the user's: the server parses the schema and the queries
     * against a throwaway index of Slipway's over no key, dropped at once.
     *
     * @throws SlipwayException describing the first refusal, exactly as {@code apply} would
     */
    public void check(MigrationPlan plan, ApplyOptions options) {
        Arguments.required(plan, "The plan");
        Arguments.required(options, "The apply options");
        withSession("apply", session -> {
            new MigrationExecutor(session, keys, progress).check(plan, options);
            return null;
        });
    }

    /**
     * Validates the index a plan produced, without changing any document or index of the user's. (After a rewrite
     * of an index with a FILTER, a throwaway index tells which documents the FILTER admits, for the scans for the old
     * form; it is dropped before this returns. One a killed run of Slipway left behind, whose lease ran out, is
     * dropped first.) Refuses ({@link ErrorCode#BAD_USAGE}) a plan made under another key namespace, whose
     * migration's checkpoint and versions it would not see.
     */
    public ValidationResult validate(MigrationPlan plan, List<QueryCheck> queries) {
        return validate(plan, queries, ApplyOptions.DEFAULTS.maxRetries());
    }

    /**
     * As {@link #validate(MigrationPlan, List)}, retrying a read of the scans for documents in the old form
     * {@code maxRetries} times after a transient error (a lost connection, a restarting server), with backoff from
     * 100 ms doubling to 10 s; its other checks' connection rides out as long an outage.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when {@code maxRetries} is negative or above 30
     */
    public ValidationResult validate(MigrationPlan plan, List<QueryCheck> queries, int maxRetries) {
        Arguments.noNullElements(queries, "The query checks");
        Arguments.required(plan, "The plan");
        ApplyOptions.checkRetries(maxRetries);
        MigrationPlanner.requireIntact(plan); // what it checks comes from the plan
        PlanPreconditions.requireNamespace(plan, keys, "validate");
        return withSession(session -> {
            session.reconnectingFor(WorkerPool.retryWindow(maxRetries)); // as long as its scans' connections do
            PlanPreconditions.refuseQuerySyntaxErrors(plan.servedName(), session, queries == null ? List.of()
                    : queries);
            Optional<Checkpoint> checkpoint = new CheckpointStore(session, keys).load(plan.source().indexName());
            FilterScope.dropLeftBehind(session, keys, plan.source().indexName()); // a killed run's
            Optional<String> noRoom = FilterScope.cannotOpen(session, plan); // then its scans are not checked
            ValidationCheck applied = MigrationValidator.whileRunning(MigrationValidator.appliedCheck(checkpoint,
                    plan, new HistoryStore(session, keys).load(plan.servedName())), checkpoint, plan,
                    () -> MigrationLock.holder(session, keys, plan.source().indexName()));
            try (FilterScope filter = noRoom.isPresent() ? FilterScope.everyDocument()
                    : FilterScope.open(session, keys, plan, stop)) {
                ValidationResult result = new MigrationValidator(session, progress).filterScope(filter)
                        .migrationState(applied)
                        .scopeUnavailable(noRoom.orElse(""))
                        .retries(maxRetries).stopSignal(stop)
                        .sourceFailures(MigrationValidator.sourceFailures(checkpoint, plan))
                        .evictionsSince(checkpoint, plan)
                        .backupDir(checkpoint, plan).namespace(keys).validate(plan, queries == null ? List.of()
                                : queries);
                List<ValidationCheck> checks = new ArrayList<>();
                checks.add(applied);
                result.checks().forEach(check -> checks.add(MigrationValidator.putDownTo(applied, check)));
                return new ValidationResult(result.index(), checks);
            }
        });
    }

    /**
     * The status of one served name, or of every name Slipway manages when {@code index} is empty: which physical
     * index serves it, its versions, a migration in progress, the lock holder and stray indexes. A version's own
     * physical name ({@code products:v2}) gives the status of its served name ({@code products}): compare
     * {@link IndexStatus#name()} with the name asked for. Read-only.
     *
     * @throws SlipwayException {@link ErrorCode#UNKNOWN_INDEX} for a name that is nothing: no index or alias, and no
     *                          version history, migration or lock of Slipway's (a misspelt name; it returned a status
     *                          of nothing, while the CLI said the name does not exist: tester session 45 R40 F9)
     */
    public List<IndexStatus> status(Optional<String> index) {
        Optional<String> asked = index == null ? Optional.empty() : index; // null: every name, as empty
        return withSession(session -> {
            VersionStatusReader reader = new VersionStatusReader(session, keys);
            if (asked.isEmpty()) {
                return reader.all();
            }
            IndexStatus status = reader.of(asked.get());
            if (status.servedBy().isEmpty() && status.versions().isEmpty() && status.migration().isEmpty()
                    && status.lockOwner().isEmpty()) {
                throw new SlipwayException(ErrorCode.UNKNOWN_INDEX, "Index '" + asked.get() + "' does not exist on "
                        + endpoint.redacted() + ", and Slipway has no history, migration or lock of that name. "
                        + new HistoryStore(session, keys).namesOnServer(new LiveIndexReader(session))
                        + " Run 'slipway status' to see the names Slipway manages.");
            }
            return List.of(status);
        });
    }

    /**
     * Rolls a served name back: discards an unfinished zero-downtime migration, or points the alias back at the
     * version the active one replaced, atomically. Idempotent: while the name serves what its latest rollback left
     * (no migration switched it since), it changes nothing and returns {@link RollbackResult.Action#ALREADY_DONE},
     * so re-running an interrupted rollback never goes one version further back; {@link #rollback(String, String)}
     * goes further back on purpose.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when there is nothing to roll back to, or the version the
     *                          active one replaced is gone (pruned, or dropped by a drop-recreate) and only an older
     *                          one, which would undo more than one migration, could be served: the message names it
     *                          for {@link #rollback(String, String)} (nothing changes either way);
     *                          {@link ErrorCode#LOCK_HELD} when a migration is running
     */
    public RollbackResult rollback(String index) {
        return rollback(index, Optional.empty());
    }

    /**
     * Points a served name's alias at a retained version, atomically: {@code version} is its number ({@code 2} or
     * {@code v2}) or its physical index name. Returns {@link RollbackResult.Action#ALREADY_DONE} when the name
     * serves that version already.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when no retained version of that name exists, or a
     *                          zero-downtime migration of the name is unfinished (nothing changes);
     *                          {@link ErrorCode#LOCK_HELD} when a migration is running
     */
    public RollbackResult rollback(String index, String version) {
        return rollback(index, Optional.of(Arguments.required(version, "The version")));
    }

    /**
     * The refusals of {@link #rollback(String)} that need no lock, with nothing changed: for a CLI to run before it
     * shows the status and asks for confirmation.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} for a version's own name ({@code products:v2}), a name
     *                          whose latest migration rewrote documents (undo it with {@link #rollbackFromBackup}),
     *                          or one whose previous version is gone, so that only an older one could be served
     */
    public void checkRollback(String index) {
        checkRollback(index, Optional.empty());
    }

    /** As {@link #checkRollback(String)}, for {@link #rollback(String, String)}. */
    public void checkRollback(String index, String version) {
        checkRollback(index, Optional.of(Arguments.required(version, "The version")));
    }

    private void checkRollback(String index, Optional<String> version) {
        Arguments.required(index, "The index name");
        withSession("rollback", session -> {
            new AliasRollback(session, keys).check(index, version);
            return null;
        });
    }

    private RollbackResult rollback(String index, Optional<String> version) {
        Arguments.required(index, "The index name");
        return withSession("rollback", session -> {
            new AliasRollback(session, keys).check(index, version); // before the lock: a refusal takes nothing over
            try (MigrationLock lock = acquireForRollback(session, index)) {
                FilterScope.dropLeftBehind(session, keys, index); // a killed run's (R33 F9: status promised it)
                return new AliasRollback(session, keys).rollback(index, version);
            }
        });
    }

    /**
     * The lock for a rollback. At maxmemory (noeviction) Redis refuses to store it, and the user needs a way out: the
     * unfinished migration's new versions are what holds the memory, so the error names them to drop by hand (tester
     * session 29 R6 M1: the rollback only said to free memory).
     */
    private MigrationLock acquireForRollback(RedisSession session, String index) {
        try {
            return MigrationLock.acquire(session, endpoint, keys, index, "rollback", lockLease, progress);
        } catch (RedisCommandException e) {
            if (!e.serverMessage().startsWith("OOM")) {
                throw e;
            }
            String unfinished = new CheckpointStore(session, keys).load(index)
                    .filter(c -> c.status() != Checkpoint.Status.COMPLETED).map(Checkpoint::planId).orElse("");
            List<String> building = new HistoryStore(session, keys).load(index).versions().stream()
                    .filter(v -> v.state() == VersionHistory.State.BUILDING && v.planId().equals(unfinished))
                    .map(VersionHistory.VersionEntry::physicalIndex).toList();
            throw new SlipwayException(ErrorCode.REDIS_ERROR, "Redis is at its maxmemory and refuses to store "
                    + "Slipway's lock, so the rollback cannot start; nothing was changed. " + (building.isEmpty()
                    ? "Free memory or raise the limit (CONFIG SET maxmemory), then re-run it."
                    : "The unfinished migration's new versions hold memory: drop them by hand (the documents are "
                    + "kept), " + String.join(", ", building.stream().map(b -> "FT.DROPINDEX " + b).toList())
                    + ", or raise the limit (CONFIG SET maxmemory); then re-run 'slipway rollback --index " + index
                    + "', which finishes the discard."), e);
        }
    }

    /**
     * Undoes a document rewrite from its backup directory: restores every original byte, then recreates the
     * source index. Resumable: re-running continues where it stopped. Refuses, before changing anything, when a
     * document was changed after the migration in a field the rewrite touched (see
     * {@link #rollbackFromBackup(Path, int, boolean)}).
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when the directory holds no backup (nothing changes)
     */
    public RestoreResult rollbackFromBackup(Path backupDir, int workers) {
        return rollbackFromBackup(backupDir, workers, false);
    }

    /**
     * Undoes a document rewrite from its backup directory: restores every original byte, then recreates the
     * source index. Resumable: re-running continues where it stopped.
     *
     * @param overwriteChanged also restore documents changed after the migration in a field the rewrite touched
     *                         (those changes are lost); when false, a first run reads every backed-up document
     *                         before changing anything and refuses if there is one
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when the directory holds no backup, or a backup an earlier
     *                          run finished rolling back while the source index has been dropped or changed since
     *                          (a finished rollback is never repeated: while the index is as it left it, running
     *                          it again changes nothing and reports {@link RestoreResult#alreadyRolledBack()}), and
     *                          {@link ErrorCode#CONFIRMATION_REQUIRED} when documents changed since the migration and
     *                          {@code overwriteChanged} is false (nothing changes in either case)
     */
    public RestoreResult rollbackFromBackup(Path backupDir, int workers, boolean overwriteChanged) {
        return rollbackFromBackup(backupDir, workers, overwriteChanged, false);
    }

    /**
     * As {@link #rollbackFromBackup(Path, int, boolean)}, and refuses too, with nothing changed
     * ({@link ErrorCode#BAD_USAGE}), when what the rollback adds to the server's memory (the original values of
     * narrowed vectors, the original index, less the index it drops) would take a server with a {@code maxmemory}
     * past 90% of it, unless {@code ignoreMaxmemory}. Either way, on a server that evicts, the restore stops between
     * records and the rebuild of the original index is dropped when the server comes near its limit
     * ({@link ErrorCode#MIGRATION_FAILED}; a re-run continues).
     */
    public RestoreResult rollbackFromBackup(Path backupDir, int workers, boolean overwriteChanged,
                                            boolean ignoreMaxmemory) {
        return rollbackFromBackup(backupDir, RestoreOptions.DEFAULTS.withWorkers(workers)
                .withOverwriteChanged(overwriteChanged).withIgnoreMaxmemory(ignoreMaxmemory));
    }

    /**
     * As {@link #rollbackFromBackup(Path, int, boolean, boolean)}, with every option: the retries of a record after a
     * transient error and a rate limit as well ({@link RestoreOptions}).
     */
    public RestoreResult rollbackFromBackup(Path backupDir, RestoreOptions options) {
        return rollbackFromBackup(backupDir, options, () -> { });
    }

    /**
     * As {@link #rollbackFromBackup(Path, RestoreOptions)}, running {@code beforeFirstChange} once every check has
     * passed and before the first change (to ask a person there, say); an exception it throws ends the rollback with
     * nothing changed. It is not run when the backup was already rolled back.
     */
    public RestoreResult rollbackFromBackup(Path backupDir, RestoreOptions options, Runnable beforeFirstChange) {
        Arguments.required(backupDir, "The backup directory");
        BackupDirectory.refuseEmpty(backupDir);
        Arguments.required(options, "The restore options");
        Runnable beforeChanging = beforeFirstChange == null ? () -> { } : beforeFirstChange;
        refuseIfStoppedBefore("rollback");
        return withSession("rollback", session -> {
            // the lock first: opening the backup cuts off a torn tail, which would corrupt the file of a run that
            // holds the lock and is still appending to it
            BackupDirectory.readHeader(backupDir).ifPresent(h -> {
                Path dir = backupDir.toAbsolutePath().normalize();
                BackupDirectory.requireNamespace(dir, h, keys.prefix(), "the rollback");
                BackupOrigin.require(session, keys, dir, h, "the rollback");
            });
            MigrationPlan stored = BackupDirectory.storedPlan(backupDir);
            // the source index is recreated from it: an edited copy recreated a different index
            MigrationPlanner.requireIntact(stored, "The plan in " + backupDir.resolve("plan.yaml"), "Put back the "
                    + "plan.yaml 'slipway apply' wrote there (the same as the plan file it applied), then re-run.");
            PermissionProbe.requireForRestore(session, stored, keys);
            session.reconnectingFor(WorkerPool.retryWindow(options.maxRetries())); // rides out what the records do
            String index = stored.source().indexName();
            try (MigrationLock lock = MigrationLock.acquire(session, endpoint, keys, index, "restore",
                    MigrationLock.leaseCovering(lockLease, options.maxRetries()), progress);
                 BackupDirectory backup = BackupDirectory.openExisting(backupDir)) {
                FilterScope.dropLeftBehind(session, keys, index); // a killed run's (the documents stay)
                return new BackupRestorer(session, keys, progress).withLock(lock).withStopSignal(stop)
                        .withIgnoreMaxmemory(options.ignoreMaxmemory()).withRateLimit(options.maxDocsPerSecond())
                        .withBeforeFirstChange(beforeChanging)
                        .restore(backup, options.workers(), options.maxRetries(), options.overwriteChanged());
            }
        });
    }

    /**
     * Drops retained versions of a served name (documents are kept) and reports the memory freed. A version asked
     * for that was dropped before (a re-run) drops nothing and is reported in {@link PruneResult#droppedAlready()}.
     *
     * @param version only this version; empty (or null) for every retained version
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} for the active version or a number the name never had
     */
    public PruneResult prune(String index, Optional<Integer> version) {
        Arguments.required(index, "The index name");
        Optional<Integer> only = version == null ? Optional.empty() : version;
        return withSession("prune", session -> {
            new VersionPruner(session, keys).check(index, only); // before the lock: a refusal takes nothing
            try (MigrationLock lock = MigrationLock.acquire(session, endpoint, keys, index, "prune",
                    lockLease, progress)) {
                FilterScope.dropLeftBehind(session, keys, index); // a killed run's (the documents stay)
                return new VersionPruner(session, keys).prune(index, only);
            }
        });
    }

    /**
     * Runs a verb on its own session. A database Redis Search does not index is refused first: indexes are global,
     * so through it every index looks as in database 0 while its documents look gone.
     */
    private <T> T withSession(Function<RedisSession, T> verb) {
        return withSession(null, verb);
    }

    /**
     * As {@link #withSession(Function)}, for a verb that changes Redis (or checks what such a verb would do): a
     * replica is refused first, naming its primary ({@code changing} names the verb; null for a read-only one).
     */
    private <T> T withSession(String changing, Function<RedisSession, T> verb) {
        try (RedisSession session = RedisSession.open(endpoint, (int) commandTimeout.toMillis())
                .reconnecting(SESSION_RECONNECTS).stoppedBy(stop)) {
            if (changing != null) {
                ServerRole.requirePrimary(session, changing);
            }
            SearchDatabase.requireIndexable(session);
            return verb.apply(session);
        } catch (RedisCommandException e) {
            if (e.command().startsWith("FT.") && e.serverMessage().startsWith("ERR unknown command")) {
                // the first FT command of a verb is a read: a server without Search changed nothing (tester R30 F10)
                throw new SlipwayException(ErrorCode.UNSUPPORTED_BY_SERVER, "The server at " + endpoint.redacted()
                        + " has no Search module (" + e.serverMessage().strip() + "), which Slipway needs. Nothing "
                        + "was changed. Point --url (or REDIS_URL) at Redis Stack, or Redis 8 with the Query Engine.",
                        e);
            }
            if (changing == null && Unanswered.isUnknownCommand(e.serverMessage())) {
                // a read-only verb changed nothing: a command renamed or disabled away is the server's setup, not a
                // failed operation (plan exited 1 with a raw "Redis rejected SCAN" where SCAN was disabled)
                throw new SlipwayException(ErrorCode.UNSUPPORTED_BY_SERVER, "The server at " + endpoint.redacted()
                        + " has no " + Unanswered.name(e.command()) + " command (renamed or disabled with "
                        + "rename-command: " + e.serverMessage().strip() + "), which Slipway needs for this. Nothing "
                        + "was changed. Give the command its name back in the server's configuration (it takes a "
                        + "restart), then re-run.", e);
            }
            throw e;
        } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
            // one of a verb's own connections (a sample's, a scan's) lost outside the session's reconnects: the
            // library's callers catch SlipwayException, and met a Jedis class (tester session 53 R47 T2 F4)
            throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Lost the connection to Redis at "
                    + endpoint.redacted() + ": " + RedisSession.rootMessage(e) + ". "
                    + (changing == null ? "Nothing was changed. "
                    + "Re-run the same command when Redis is back." : "Re-run the same command when Redis is back; "
                    + "finished steps are not repeated."), e);
        }
    }

    /** Builder of a {@link Slipway}. */
    public static final class Configuration {
        /** The key namespace when none is given: {@value}. */
        public static final String DEFAULT_NAMESPACE = "slipway:";
        private String url = RedisEndpoint.DEFAULT_URL;
        private String keyNamespace = DEFAULT_NAMESPACE;
        private Duration commandTimeout = Duration.ofSeconds(30);
        private Duration lockLease = MigrationExecutor.LOCK_LEASE;
        private ProgressListener progress = ProgressListener.NONE;
        private StopSignal stop = new StopSignal();

        private Configuration() {
        }

        /**
         * The Redis URL ({@code redis://user:pass@host:port/db}, {@code rediss://} for TLS); without a call,
         * {@code redis://localhost:6379}.
         *
         * @throws SlipwayException {@link ErrorCode#BAD_USAGE} for a null or blank URL: a missing environment
         *                          variable passed on here quietly targeted localhost (tester session 47 R42 T2 F3)
         */
        public Configuration url(String value) {
            if (value == null || value.isBlank()) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The Redis URL must not be "
                        + (value == null ? "null" : "blank") + "; nothing was changed. Give the server's URL, such as "
                        + "redis://localhost:6379 (the default when url() is not called).");
            }
            this.url = value;
            return this;
        }

        /** The key prefix under which Slipway keeps its own state (default {@code slipway:}). */
        public Configuration keyNamespace(String value) {
            if (value == null || value.isBlank()) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The key namespace must not be empty.");
            }
            this.keyNamespace = value;
            return this;
        }

        /**
         * Socket timeout of each Redis command (default 30 s).
         *
         * @throws SlipwayException {@link ErrorCode#BAD_USAGE} outside 1 ms to 1 day: a null one failed every verb
         *                          later, and a negative one, or one of 25 days or more (over an int of milliseconds),
         *                          said that the server could not be reached (tester session 40 R30 F2)
         */
        public Configuration commandTimeout(Duration value) {
            if (value == null || value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(Duration.ofDays(1)) > 0) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The command timeout must be between 1 ms and 1 day, "
                        + "not " + value + ".");
            }
            this.commandTimeout = value;
            return this;
        }

        /**
         * How long the migration lock outlives a process that died or stalled (default 30 s). A running apply or
         * rollback extends it every third of the lease, and confirms it before each batch when the last extension is
         * older than half of it: a process that stalled longer than the lease (a GC pause, a suspended VM) stops
         * instead of writing over what another process did meanwhile. Longer leases make the next run wait longer
         * after a crash on another host; a dead process on the same host is taken over at once. An apply, or a
         * rollback of a backup, whose retries wait longer in all holds a lease long enough to outlast them (1.5 times
         * the wait and 5 s), so that a run riding out an outage does not lose its lock meanwhile.
         *
         * @throws SlipwayException {@link ErrorCode#BAD_USAGE} outside 1 s to 1 h
         */
        public Configuration lockLease(Duration value) {
            if (value == null || value.compareTo(Duration.ofSeconds(1)) < 0
                    || value.compareTo(Duration.ofHours(1)) > 0) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The lock lease must be between 1 s and 1 h, not "
                        + value + ".");
            }
            this.lockLease = value;
            return this;
        }

        /**
         * Where progress of long steps goes. An exception the listener throws is logged and ignored: a progress
         * display never fails a migration. An {@link Error} (an {@code AssertionError}, an {@code OutOfMemoryError})
         * is not caught: it ends the call where it is thrown, like any other error of the JVM, and leaves the
         * migration as a killed process would, resumed by calling the same apply again.
         */
        public Configuration progress(ProgressListener value) {
            this.progress = value == null ? ProgressListener.NONE : value;
            return this;
        }

        /**
         * What asks a running {@code apply} or {@code rollbackFromBackup} to stop at its next safe point (a shutdown
         * hook, a signal handler); see {@link StopSignal}. By default nothing does.
         */
        public Configuration stopSignal(StopSignal value) {
            this.stop = value == null ? new StopSignal() : value;
            return this;
        }

        /**
         * Builds the facade. Does not connect.
         *
         * @throws SlipwayException {@link ErrorCode#BAD_USAGE} for an invalid URL
         */
        public Slipway load() {
            return new Slipway(this);
        }
    }

    /** The modes a caller may request, by CLI name. */
    public static Optional<MigrationMode> parseMode(String text) {
        if (text == null || text.equalsIgnoreCase("auto")) {
            return Optional.empty();
        }
        for (MigrationMode mode : MigrationMode.values()) {
            if (mode.cliName().equalsIgnoreCase(text)) {
                return Optional.of(mode);
            }
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Unknown mode '" + text
                + "'; expected auto, zero-downtime or drop-recreate.");
    }
}
