package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.plan.ZeroDowntimeStrategy;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.version.HistoryStore;
import dev.slipway.internal.version.VersionHistory;
import dev.slipway.internal.version.VersionHistory.State;
import dev.slipway.internal.version.VersionHistory.VersionEntry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Handlers of the zero-downtime steps: build a shadow version, switch the alias. The verification between them is
 * {@link ShadowVerification}'s.
 */
final class AliasStepHandlers {
    private AliasStepHandlers() {
    }

    /**
     * Creates a versioned physical index (idempotent) and records it as BUILDING in the history. An index of that name
     * that this plan's history entry does not account for is another run's, even with the same schema: a run under
     * another key namespace that planned the same version numbers took it as its own, failed at the next one with
     * advice to drop the index the name then served, and its rollback dropped the other run's versions (tester
     * session 46 R41 F1).
     */
    static String createShadow(StepContext context, PlanStep step) {
        List<String> command = step.commands().get(0);
        String physical = command.get(1);
        IndexSchema schema = schemaOf(context.plan(), physical);
        HistoryStore history = new HistoryStore(context.session(), context.keys());
        String name = context.plan().source().indexName();
        boolean ours = history.load(name).entry(physical).filter(e -> e.state() != State.DROPPED
                && e.planId().equals(context.plan().planId())).isPresent();
        if (!ours && new LiveIndexReader(context.session()).findPhysical(physical).isPresent()) {
            throw foreignVersion(context, physical);
        }
        recordBuilding(context, schema);
        try {
            return IndexStepHandlers.createIndex(context, schema, command);
        } catch (RedisCommandException e) {
            if (!ours && e.serverMessage().toLowerCase(java.util.Locale.ROOT).contains("already exists")) {
                // created by another run between the look and FT.CREATE: not this plan's to keep or discard
                history.save(history.load(name).without(physical));
                throw foreignVersion(context, physical);
            }
            throw e;
        }
    }

    private static SlipwayException foreignVersion(StepContext context, String physical) {
        String name = context.plan().source().indexName();
        boolean serving = new LiveIndexReader(context.session()).find(name).map(i -> i.schema().name())
                .filter(physical::equals).isPresent();
        return new SlipwayException(ErrorCode.MIGRATION_FAILED, "Index '" + physical + "' already exists, and this "
                + "migration (plan " + context.plan().planId() + ") did not create it: another run did, such as a "
                + "migration of '" + name + "' under another --namespace (key namespace here: "
                + context.keys().prefix() + ")" + (serving ? ", and '" + name + "' serves it now: do not drop it" : "")
                + ". It was left as it is. Discard this migration ('slipway rollback --index " + name + "', which "
                + "drops only the versions it created), then plan again where '" + name + "' is managed: the new plan "
                + "takes the next free version number.");
    }

    /**
     * Records a version the plan is about to create as BUILDING in the served name's history, unless an earlier run
     * did. Called before the index exists, so that a crash in between never leaves an index no history knows
     * ({@code status} would list it as a stray). A DROPPED entry of the same name (a plan applied again after a
     * rollback from its backup) is recorded anew.
     */
    static void recordBuilding(StepContext context, IndexSchema schema) {
        String physical = schema.name();
        HistoryStore history = new HistoryStore(context.session(), context.keys());
        VersionHistory current = history.load(context.plan().source().indexName());
        if (current.entry(physical).filter(e -> e.state() != State.DROPPED).isEmpty()) {
            history.save(current.with(new VersionEntry(VersionHistory.versionOf(physical), physical, State.BUILDING,
                    context.plan().planId(), Instant.now(), schema)));
        }
    }

    /** The schema a physical index of this plan is built with: the target, or the copy of the source. */
    static IndexSchema schemaOf(MigrationPlan plan, String physical) {
        return physical.equals(plan.targetSchema().name()) ? plan.targetSchema()
                : plan.source().schema().withName(physical);
    }

    /**
     * Points the name at the new version and stores the history in one transaction. Idempotent: when the alias
     * already points at the new version and the history says so, nothing is sent.
     */
    static String switchAlias(StepContext context, PlanStep step) {
        MigrationPlan plan = context.plan();
        String name = plan.source().indexName();
        String target = plan.targetSchema().name();
        LiveIndexReader reader = new LiveIndexReader(context.session());
        HistoryStore store = new HistoryStore(context.session(), context.keys());
        VersionHistory history = store.load(name);
        Optional<IndexInfo> served = reader.find(name);
        if (served.isPresent() && served.get().isAlias() && served.get().schema().name().equals(target)
                && history.active().map(VersionEntry::physicalIndex).filter(target::equals).isPresent()) {
            context.mark(IndexStepHandlers.AVAILABLE_AT);
            return "'" + name + "' already points at '" + target + "' (switched by an earlier run)";
        }
        // the last look at the live index's synonyms before it stops being served: a term the application added
        // during the verify steps, after their look, was lost (tester session 55 R50 N3); what is added in the
        // moment between this look and the transaction still is
        for (String version : builtVersions(plan)) {
            ShadowVerification.addLateSynonyms(context, name, version);
        }
        VersionHistory next = nextHistory(context, history, reader);
        List<List<String>> commands = new ArrayList<>();
        for (List<String> command : step.commands()) {
            if (command.get(0).equals("MULTI") || command.get(0).equals("EXEC")) {
                continue;
            }
            commands.add(command.contains(ZeroDowntimeStrategy.HISTORY_PLACEHOLDER) ? store.saveCommand(next)
                    : command);
        }
        context.session().transaction(commands);
        context.mark(IndexStepHandlers.AVAILABLE_AT);
        // the version this switch replaced, where a rollback returns (not merely the newest one retained: after a
        // restore from a backup that was a version outdated by it, tester session 30 R9 M4)
        Optional<VersionEntry> replaced = next.entry(target).map(VersionEntry::replaced).flatMap(next::entry)
                .filter(r -> r.state() == State.RETAINED);
        return "'" + name + "' now serves '" + target + "'" + replaced.map(r -> "; '" + r.physicalIndex()
                + "' retained" + (r.outdated() ? ", though it " + r.outdatedBy().reason() : " for rollback"))
                .orElse("");
    }

    /** The versions this plan builds: the target, and the copy of the source an adoption keeps to roll back to. */
    private static List<String> builtVersions(MigrationPlan plan) {
        List<String> built = new ArrayList<>();
        plan.steps().stream().filter(step -> step.kind() == StepKind.CREATE_SHADOW_INDEX)
                .map(step -> step.commands().get(0).get(1)).forEach(built::add);
        return built;
    }

    private static VersionHistory nextHistory(StepContext context, VersionHistory history, LiveIndexReader reader) {
        MigrationPlan plan = context.plan();
        String previous = plan.source().physicalIndex();
        VersionHistory next = history;
        if (next.entry(previous).isEmpty()) {
            next = next.with(new VersionEntry(0, previous, plan.source().aliased() ? State.ACTIVE : State.DROPPED,
                    "", Instant.now(), plan.source().schema()));
        }
        if (!plan.source().aliased()) {
            next = next.with(next.entry(previous).orElseThrow().withState(State.DROPPED));
        }
        String target = plan.targetSchema().name();
        if (next.entry(target).isEmpty()) {
            next = next.with(new VersionEntry(VersionHistory.versionOf(target), target, State.BUILDING, plan.planId(),
                    Instant.now(), plan.targetSchema()));
        }
        next = next.switchTo(target, replacedBy(next, plan));
        if (plan.rewrite().isPresent()) { // the older versions expect the documents as they were
            next = next.outdatedBy(new VersionHistory.Rewrite(plan.planId(), VersionHistory.versionOf(target),
                    context.checkpoint().backupDir()));
        }
        for (VersionEntry entry : next.versions()) {
            if (entry.state() == State.BUILDING && plan.planId().equals(entry.planId())) {
                next = next.with(entry.withState(State.RETAINED));
            }
        }
        return reconcile(next, new HashSet<>(reader.listIndexes()), previous, plan.source().aliased());
    }

    /**
     * What the new version replaces, where {@code rollback --index} returns: the version served so far, or on adoption
     * (whose original index is dropped) the copy of it this plan built.
     */
    private static String replacedBy(VersionHistory history, MigrationPlan plan) {
        String target = plan.targetSchema().name();
        return history.active().map(VersionEntry::physicalIndex).filter(p -> !p.equals(target))
                .or(() -> history.versions().stream().filter(v -> v.state() == State.BUILDING)
                        .filter(v -> plan.planId().equals(v.planId()) && !v.physicalIndex().equals(target))
                        .map(VersionEntry::physicalIndex).findFirst())
                .orElse("");
    }

    /** Marks versions whose physical index no longer exists as dropped (a drop-recreate dropped the previous one). */
    static VersionHistory reconcile(VersionHistory history, Set<String> existing, String previous,
                                    boolean previousMustExist) {
        VersionHistory result = history;
        for (VersionEntry entry : history.versions()) {
            boolean gone = !existing.contains(entry.physicalIndex());
            boolean kept = entry.state() == State.RETAINED || entry.state() == State.BUILDING;
            if (gone && kept && (previousMustExist || !entry.physicalIndex().equals(previous))) {
                result = result.with(entry.withState(State.DROPPED));
            }
        }
        return result;
    }
}
