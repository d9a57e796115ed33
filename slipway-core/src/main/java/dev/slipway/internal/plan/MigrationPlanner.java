package dev.slipway.internal.plan;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.CostEstimate;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.io.Digests;
import dev.slipway.internal.io.PlanCodec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Computes a {@link MigrationPlan} from a snapshot and a target. Pure: it reads nothing from Redis and writes
 * nothing, so the same inputs always give the same plan (apart from the timestamp).
 */
public final class MigrationPlanner {
    /** Documents per second assumed when the server does not say how long the source took to index. */
    static final double ASSUMED_INDEX_RATE = 20_000;

    private MigrationPlanner() {
    }

    /**
     * Plans the migration.
     *
     * @param source        the live index
     * @param patch         the requested patch, when planning from one
     * @param target        the merged target schema
     * @param renames       field renames of the patch (old to new)
     * @param requestedMode the mode asked for; empty for automatic choice
     * @param keys          Slipway's key namespace (the steps name its keys)
     * @param allowSharedKeys whether rewriting documents that other indexes also cover is accepted
     * @param now           the plan's timestamp
     */
    public static MigrationPlan plan(SourceSnapshot source, Optional<SchemaPatch> patch, IndexSchema target,
                                     Map<String, String> renames, Optional<MigrationMode> requestedMode,
                                     KeyNamespace keys, boolean allowSharedKeys, Instant now) {
        List<SchemaChange> changes = ChangeClassifier.classify(source.schema(), target, renames);
        List<String> blocked = new ArrayList<>();
        changes.stream().filter(c -> !c.supported())
                .forEach(c -> blocked.add(c.kind().name().toLowerCase() + " of " + c.subject() + " (" + c.from()
                        + " -> " + c.to() + "): " + c.reason()));
        blocked.addAll(ServerCompatibility.missingFeatures(target, source.server()));
        target.fields().stream() // found only by apply's schema check before (tester session 45 R40 F8)
                .filter(f -> f.type() == FieldType.VECTOR && !(f.attrs().get("dims") instanceof Number))
                .forEach(f -> blocked.add("vector field '" + f.name() + "' has no dims: the server needs the number "
                        + "of dimensions of its vectors (attrs: {dims: N})"));
        Optional<RewriteSpec> rewrite = RewritePlanner.spec(source, target, changes, renames);
        if (rewrite.isPresent() && !source.sharedKeyIndexes().isEmpty() && !allowSharedKeys) {
            blocked.add("indexes " + source.sharedKeyIndexes() + " also cover keys of '" + source.indexName()
                    + "', and rewriting the documents changes what they index: " + SharedKeyEffect
                    .changesSeenByOthers(rewrite.get()) + ". Migrate them separately, or pass --allow-shared-keys "
                    + "to accept the effect on them");
        }
        rewrite.flatMap(RewriteSpec::targetPrefix).filter(to -> target.filter().equals(source.schema().filter()))
                .ifPresent(to -> target.filter().filter(f -> f.contains("__key")).ifPresent(f -> blocked.add(
                        "the index's filter '" + f + "' reads the key (@__key), which the move to prefix '" + to
                        + "' changes: the new index would judge every moved document by its new key. Write in the "
                        + "same patch (under 'index:') the filter the moved "
                        + "keys must pass, or leave the prefix as it is")));
        if (rewrite.isPresent() && changes.stream().anyMatch(c -> c.subject().equals(ChangeClassifier.PREFIXES))) {
            // the rewrite reads the documents under the current prefixes: those under an added prefix kept the old
            // form, and validation failed after the rewrite (tester session 41 R31 F2)
            blocked.add("the patch changes the index's prefix list and rewrites documents: the rewrite converts the "
                    + "documents under the current prefixes only, so those under an added prefix would keep the old "
                    + "form (and those under a removed one would be converted for nothing). Change the prefix list in "
                    + "a migration of its own, before or after this one");
        }
        source.temporary().ifPresent(kind -> blocked.add(PlanWarnings.temporaryReason(source.physicalIndex(), kind)));
        StrategyChoice choice = StrategyChoice.choose(source, target, changes, requestedMode, keys, rewrite);
        blocked.addAll(choice.blockedReasons());
        List<PlanStep> steps = choice.steps();
        MigrationPlan.ValidationPolicy validation = new MigrationPlan.ValidationPolicy(true,
                changes.stream().noneMatch(c -> c.subject().equals("index.filter")
                        || c.subject().equals(ChangeClassifier.PREFIXES)), choice.countBaseline());
        CostEstimate estimate = estimate(source, target, choice.mode(), rewrite);
        List<String> warnings = PlanWarnings.of(source, target, changes, choice, rewrite, keys, allowSharedKeys,
                estimate);
        MigrationPlan draft = new MigrationPlan(MigrationPlan.FORMAT_VERSION, "", now, source, patch, choice.target(),
                changes, blocked.isEmpty(), blocked, choice.mode(), choice.reason(), warnings, steps, estimate,
                validation, rewrite, "", keys.prefix());
        return withId(draft, planId(draft));
    }

    /**
     * Refuses a plan this version cannot read or that was edited after it was made: another format version, content
     * that does not give its id, or changes listed as blocked in a plan that says it is supported (those lists are
     * not in the digest, since apply does not act on them, but a file that shows a blocked change must not run).
     *
     * @param what   the file, for the message ("The plan file", "The plan in /backup/plan.yaml")
     * @param advice what to do about an edited one
     * @throws SlipwayException {@link ErrorCode#MALFORMED_INPUT}
     */
    public static void requireIntact(MigrationPlan plan, String what, String advice) {
        if (plan.formatVersion() != MigrationPlan.FORMAT_VERSION) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " has format version "
                    + plan.formatVersion() + "; this Slipway reads version " + MigrationPlan.FORMAT_VERSION
                    + ". Nothing was changed. " + advice);
        }
        String expectedId = planId(plan);
        if (!expectedId.equals(plan.planId())) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " was edited after it was made "
                    + "(its content gives id " + expectedId + ", the file says " + plan.planId() + "). Nothing was "
                    + "changed. " + advice);
        }
        if (plan.reviewDigest().isEmpty() && !plan.keyNamespace().isEmpty()) {
            // every plan that records its namespace carries a digest, which came first: the line was taken out, which
            // let edits to the warnings through with only a log line (tester session 51 R44 T2 F7)
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " was edited after it was made: its "
                    + "review_digest was removed (every plan that records a key_namespace carries one), so edits to "
                    + "what it shows a reviewer could not be detected. Nothing was changed. " + advice);
        }
        if (!plan.reviewDigest().isEmpty() && !plan.reviewDigest().equals(reviewDigest(plan))) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " was edited after it was made, in what it "
                    + "shows a reviewer (the changes, the requested patch, reasons, warnings or the estimate), which "
                    + "apply does not act on: an edit there changes nothing apply does. Nothing was changed. "
                    + advice);
        }
        boolean blockedListed = !plan.blockedReasons().isEmpty()
                || plan.changes().stream().anyMatch(c -> !c.supported());
        if (plan.supported() && blockedListed) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " was edited after it was made: it says "
                    + "it is supported but lists blocked changes. Nothing was changed. " + advice);
        }
    }

    /** {@link #requireIntact(MigrationPlan, String, String)} for a plan file a user passes. */
    public static void requireIntact(MigrationPlan plan) {
        requireIntact(plan, "The plan file", "Change the patch instead and re-run 'slipway plan'.");
    }

    /** The identifier of a plan: a digest of everything apply acts on, so that an edited plan is detected. */
    public static String planId(MigrationPlan plan) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("source", plan.source());
        content.put("target", plan.targetSchema());
        content.put("mode", plan.mode());
        content.put("steps", plan.steps());
        content.put("supported", plan.supported());
        content.put("validation", plan.validation());
        content.put("rewrite", plan.rewrite());
        if (!plan.keyNamespace().isEmpty()) { // absent from plans made before it, whose ids stay as they were
            content.put("key_namespace", plan.keyNamespace());
        }
        return Digests.shortSha256(PlanCodec.canonicalJson(content));
    }

    /**
     * The plan with one more warning, its id worked out anew: for what the planner's inputs do not say, such as a
     * source index still indexing when its snapshot was taken.
     */
    public static MigrationPlan withWarning(MigrationPlan p, String warning) {
        List<String> warnings = new ArrayList<>(p.warnings());
        warnings.add(warning);
        return rebuilt(p, p.supported(), p.blockedReasons(), warnings);
    }

    /**
     * The plan blocked for one more reason, its id worked out anew: for what only the live server can tell, such as
     * a FILTER it cannot parse.
     */
    public static MigrationPlan withBlockedReason(MigrationPlan p, String reason) {
        List<String> blocked = new ArrayList<>(p.blockedReasons());
        blocked.add(reason);
        return rebuilt(p, false, blocked, p.warnings());
    }

    /**
     * As {@link #withBlockedReason(MigrationPlan, String)}, the change of {@code subject} ({@code index.filter})
     * marked blocked with that reason too: the change list said "supported" beside a plan blocked for that very
     * change (tester session 52 R46 T2 F7).
     */
    public static MigrationPlan withBlockedReason(MigrationPlan p, String reason, String subject) {
        List<SchemaChange> changes = p.changes().stream().map(c -> c.subject().equals(subject) ? new SchemaChange(
                c.kind(), c.subject(), c.from(), c.to(), false, reason) : c).toList();
        List<String> blocked = new ArrayList<>(p.blockedReasons());
        blocked.add(reason);
        return rebuilt(p, changes, false, blocked, p.warnings());
    }

    /** {@code p} with these reasons and warnings, its id and review digest worked out anew. */
    private static MigrationPlan rebuilt(MigrationPlan p, boolean supported, List<String> blocked,
                                         List<String> warnings) {
        return rebuilt(p, p.changes(), supported, blocked, warnings);
    }

    /** {@code p} with these changes, reasons and warnings, its id and review digest worked out anew. */
    private static MigrationPlan rebuilt(MigrationPlan p, List<SchemaChange> changes, boolean supported,
                                         List<String> blocked, List<String> warnings) {
        MigrationPlan draft = new MigrationPlan(p.formatVersion(), "", p.createdAt(), p.source(), p.requestedPatch(),
                p.targetSchema(), changes, supported, blocked, p.mode(), p.modeReason(), warnings, p.steps(),
                p.estimate(), p.validation(), p.rewrite(), "", p.keyNamespace());
        return withId(draft, planId(draft));
    }

    private static MigrationPlan withId(MigrationPlan p, String id) {
        return new MigrationPlan(p.formatVersion(), id, p.createdAt(), p.source(), p.requestedPatch(),
                p.targetSchema(), p.changes(), p.supported(), p.blockedReasons(), p.mode(), p.modeReason(),
                p.warnings(), p.steps(), p.estimate(), p.validation(), p.rewrite(), reviewDigest(p),
                p.keyNamespace());
    }

    /** The digest of what a reviewer reads and the plan id does not cover ({@link MigrationPlan#reviewDigest}). */
    static String reviewDigest(MigrationPlan plan) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("changes", plan.changes());
        content.put("requested_patch", plan.requestedPatch());
        content.put("blocked_reasons", plan.blockedReasons());
        content.put("mode_reason", plan.modeReason());
        content.put("warnings", plan.warnings());
        content.put("estimate", plan.estimate());
        return Digests.shortSha256(PlanCodec.canonicalJson(content));
    }

    private static CostEstimate estimate(SourceSnapshot source, IndexSchema target, MigrationMode mode,
                                         Optional<RewriteSpec> rewrite) {
        boolean measured = source.indexingMillis() > 0 && source.numDocs() > 0;
        double reindex = measured ? source.indexingMillis() / 1000.0
                : source.numDocs() / ASSUMED_INDEX_RATE;
        String basis = measured ? "re-index time from the source index's total_indexing_time"
                : "re-index time assumes " + (long) ASSUMED_INDEX_RATE + " documents/second";
        boolean zeroDowntime = mode == MigrationMode.ZERO_DOWNTIME;
        long growth = IndexMemoryModel.documentGrowth(rewrite, IndexMemoryModel.hashShape(source));
        long extra = StrategyChoice.extraMemory(source, target, mode) + growth;
        long rewritten = rewrite.map(RewriteSpec::documents).orElse(0L);
        return new CostEstimate(source.numDocs() + source.indexingFailures(), round(reindex),
                zeroDowntime ? 0 : round(reindex), extra, rewritten,
                basis + "; memory from FT.INFO of the source index, its vector indexes sized anew from the "
                        + "target schema, x" + StrategyChoice.MEMORY_OVERHEAD + " for allocator overhead"
                        + (growth > 0 ? ", plus " + StrategyChoice.mib(growth) + " the documents grow by as their "
                        + "vectors widen" : ""));
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
