package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.ValidationFailedException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.SynonymGroups;
import dev.slipway.internal.rewrite.OldVectorScan;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Handlers for the index-level steps shared by every strategy: drop, create, wait, validate. */
final class IndexStepHandlers {
    /** Marks used to measure downtime. */
    static final String UNAVAILABLE_FROM = "unavailable_from";
    static final String AVAILABLE_AT = "available_at";
    static final String COMPLETE_AT = "complete_at";

    private static final long FIRST_POLL_MILLIS = 5;
    private static final long MAX_POLL_MILLIS = 250;
    /** How often a build under a memory limit is looked at ({@link MemoryGuard}). */
    private static final long GUARDED_POLL_MILLIS = 10;

    private IndexStepHandlers() {
    }

    static String drop(StepContext context, PlanStep step) {
        List<String> command = step.commands().get(0);
        context.mark(UNAVAILABLE_FROM);
        try {
            context.session().call(command);
            return "dropped index '" + command.get(1) + "' (documents kept)";
        } catch (RedisCommandException e) {
            if (e.isUnknownIndex()) {
                return "index '" + command.get(1) + "' was already dropped by an earlier run";
            }
            throw e;
        }
    }

    static String create(StepContext context, PlanStep step) {
        boolean aliased = context.plan().source().aliased();
        if (aliased) { // the next version of an aliased name: known before it exists
            AliasStepHandlers.recordBuilding(context, context.plan().targetSchema());
        }
        String detail = createIndex(context, context.plan().targetSchema(), step.commands().get(0));
        if (!aliased) {
            context.mark(AVAILABLE_AT); // a plain index is served by its own name as soon as it exists
        }
        return detail;
    }

    /**
     * Sends an FT.CREATE unless an earlier run already created the same index, and then the source's synonym groups
     * (the {@code FT.SYNUPDATE}s the step lists after it) that the index lacks; refuses a foreign index.
     */
    static String createIndex(StepContext context, IndexSchema schema, List<String> command) {
        String name = schema.name();
        Optional<IndexInfo> existing = new LiveIndexReader(context.session()).find(name);
        if (existing.isPresent()) {
            if (VisibleSchema.matches(schema, existing.get().schema().withName(name))
                    && !existing.get().isAlias()) {
                return "index '" + name + "' already exists with the planned schema (created by an earlier run)"
                        + addSynonyms(context, schema);
            }
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Index '" + name + "' already exists but is not "
                    + "the one this plan creates: " + (existing.get().isAlias() ? "it is an alias of '"
                    + existing.get().schema().name() + "'" : String.join("; ", VisibleSchema.differences(schema,
                    existing.get().schema()))) + ". Someone else created it; drop or rename it, then re-run "
                    + "'slipway apply' with the same plan.");
        }
        sendCreate(context, schema, command);
        return "created index '" + name + "'" + addSynonyms(context, schema);
    }

    /**
     * Sends an FT.CREATE, which must not run twice ("Index already exists"). When the connection is lost with it, the
     * server may or may not have run it: the index is looked up on the new connection, and the command sent again
     * only when it is not there (one lost connection failed the run, exit 1).
     */
    private static void sendCreate(StepContext context, IndexSchema schema, List<String> command) {
        try {
            context.session().call(command);
        } catch (SlipwayException e) {
            if (!context.session().replacesAfter(e)) {
                throw e;
            }
            Optional<IndexInfo> created = new LiveIndexReader(context.session()).find(schema.name());
            if (created.isEmpty()) {
                context.session().call(command);
            } else if (!VisibleSchema.matches(schema, created.get().schema().withName(schema.name()))
                    || created.get().isAlias()) {
                throw e;
            }
        }
    }

    /**
     * Adds the source's synonym groups the new index lacks: all of them after its FT.CREATE, none on a resume that
     * finds them there (each one sent again would index every document again).
     */
    private static String addSynonyms(StepContext context, IndexSchema schema) {
        int sent = SynonymGroups.addMissing(context.session(), schema.name(), context.plan().source().synonyms(),
                schema.options().contains(IndexOption.SKIPINITIALSCAN)).size();
        return sent == 0 ? "" : ", with " + (sent == 1 ? "1 synonym group" : sent + " synonym groups");
    }

    static String waitForIndexing(StepContext context, PlanStep step) {
        String name = step.commands().get(0).get(1);
        LiveIndexReader reader = new LiveIndexReader(context.session());
        Duration timeout = context.options().indexingTimeout();
        // a timeout beyond ~292 years (ChronoUnit.FOREVER's duration: no limit) overflowed here, after the first
        // change (tester session 47 R42 T2 F2); it never runs out now
        long budget = timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : timeout.toNanos();
        long began = System.nanoTime();
        long pause = FIRST_POLL_MILLIS;
        // a zero-downtime build adds an index beside the live one: stop it before the server reaches maxmemory; so
        // is a drop-recreate build on a server that would evict the application's keys at the limit (the index is
        // down either way, and documents are worth more)
        // (MemoryGuard#stopIfNear reads the policy at each look)
        Optional<MemoryGuard> guard = MemoryGuard.of(reader).filter(g -> context.plan().mode()
                == MigrationMode.ZERO_DOWNTIME || MemoryGuard.startedBelowLine(context.checkpoint()));
        try (ProgressTask progress = ProgressTask.begin(context.progress(), "indexing " + name, 100, "%")) {
            while (true) {
                guard.ifPresent(g -> g.stopIfNear(context, reader));
                IndexInfo info = reader.read(name);
                progress.update(Math.round(info.stats().percentIndexed() * 100));
                if (info.stats().fullyIndexed()) {
                    progress.finished();
                    context.mark(COMPLETE_AT);
                    return "indexed " + info.stats().numDocs() + " documents, " + info.stats().indexingFailures()
                            + " failures";
                }
                context.stop().stopHereIfRequested("The wait for index '" + name + "' to finish indexing stopped at "
                        + Math.round(info.stats().percentIndexed() * 100) + "%; the index keeps indexing in the "
                        + "background.");
                if (System.nanoTime() - began > budget) {
                    // "after 0 s" for a timeout under a second (tester session 46 R41 F11)
                    long ms = timeout.toMillis();
                    throw new SlipwayException(ErrorCode.TIMEOUT, "Index '" + name + "' was still indexing after "
                            + (ms == 0 ? "under 1 ms" : ms < 1000 ? ms + " ms" : timeout.toSeconds() + " s") + " ("
                            + Math.round(info.stats().percentIndexed() * 100) + "% done). It keeps indexing in the "
                            + "background; re-run 'slipway apply' with the same plan (optionally with a longer "
                            + "--timeout) to wait again and validate.");
                }
                sleep(pause);
                pause = Math.min(pause * 2, guard.isPresent() ? GUARDED_POLL_MILLIS : MAX_POLL_MILLIS); // small indexes
                // finish fast (don't overstate downtime); a guarded build is looked at often, for it can grow fast
            }
        }
    }

    /**
     * Validates the migrated index. When documents hold vectors of the old datatype again that a new pass of the
     * rewrite would convert, the rewrite is reopened ({@link RewriteStepHandler#reopenForOldVectors}): run again
     * now, once, when an earlier run had done it (then validated again), else by the next run.
     */
    static String validate(StepContext context, PlanStep step) {
        MigrationValidator validator = new MigrationValidator(context.session(), context.progress())
                .filterScope(context.filterScope())
                .sourceFailures(MigrationValidator.sourceFailures(Optional.of(context.checkpoint()), context.plan()))
                .evictionsSince(Optional.of(context.checkpoint()), context.plan())
                .backupDir(Optional.of(context.checkpoint()), context.plan()).namespace(context.keys())
                .retries(context.options().maxRetries()).stopSignal(context.stop());
        ValidationResult result = validator.validate(context.plan(), context.options().queryChecks());
        String rewritten = "";
        Optional<OldVectorScan.Result> old = validator.oldVectors().filter(OldVectorScan.Result::repairable);
        if (old.isPresent()) {
            Optional<String> summary = RewriteStepHandler.reopenForOldVectors(context, old.get(), true);
            if (summary.isPresent()) {
                rewritten = " (after rewriting the documents found with vectors of the old datatype: "
                        + summary.get() + ")";
                result = validator.validate(context.plan(), context.options().queryChecks());
                validator.oldVectors().filter(OldVectorScan.Result::repairable)
                        .ifPresent(again -> RewriteStepHandler.reopenForOldVectors(context, again, false));
            }
        }
        context.validation(result);
        if (!result.passed()) { // what this step rewrote is said even so (tester session 26)
            throw new ValidationFailedException("Validation of '" + result.index() + "' failed" + rewritten, result);
        }
        return result.checks().size() + " checks passed" + rewritten;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted while waiting for indexing; re-run "
                    + "'slipway apply' with the same plan to continue.");
        }
    }
}
