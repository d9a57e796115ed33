package dev.slipway.api.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.internal.plan.MigrationPlanner;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A reviewed, repeatable migration: what the index looked like, what is asked, what it will look like, which
 * changes are supported, and the exact steps {@code apply} will run. Computed without writing anything.
 *
 * @param formatVersion   plan file format version
 * @param planId          stable identifier derived from the plan's content; checkpoints and locks refer to it
 * @param createdAt       when the plan was made
 * @param source          the frozen snapshot of the live index
 * @param requestedPatch  the patch as requested, when the plan came from a patch
 * @param targetSchema    the schema after the migration (the physical index name for zero-downtime)
 * @param changes         every classified difference between source and target
 * @param supported       whether every change is supported and the server can run the target
 * @param blockedReasons  why the plan cannot be applied; empty when supported
 * @param mode            the strategy
 * @param modeReason      why that strategy was chosen
 * @param warnings        things a reviewer must know (downtime, hidden attributes, ...)
 * @param steps           the ordered steps {@code apply} runs
 * @param estimate        rough cost
 * @param validation      what validation will require
 * @param rewrite         the document rewrites, when the change needs documents rewritten
 * @param reviewDigest    a digest of what a reviewer reads and apply does not act on (the changes, the requested
 *                        patch, reasons, warnings, the estimate), so that an edit there is detected as well (tester
 *                        session 44 R38 F3: a change's weight edited from 2 to 9 was printed by apply, which applied
 *                        2); empty in plans made before it, which are not checked for it
 * @param keyNamespace    the key namespace ({@code --namespace}) the plan was made under, where apply keeps the lock,
 *                        checkpoint and version history of its name; apply and validate refuse the plan under another
 *                        one (tester session 45 R40 F2: a plan applied under another namespace split the version
 *                        history). Empty in plans made before it, which any namespace runs
 */
public record MigrationPlan(int formatVersion, String planId, Instant createdAt, SourceSnapshot source,
                            Optional<SchemaPatch> requestedPatch, IndexSchema targetSchema,
                            List<SchemaChange> changes, boolean supported, List<String> blockedReasons,
                            MigrationMode mode, String modeReason, List<String> warnings, List<PlanStep> steps,
                            CostEstimate estimate, ValidationPolicy validation, Optional<RewriteSpec> rewrite,
                            @JsonInclude(JsonInclude.Include.NON_EMPTY) String reviewDigest,
                            @JsonInclude(JsonInclude.Include.NON_EMPTY) String keyNamespace) {

    /** The plan file format this version of Slipway writes. */
    public static final int FORMAT_VERSION = 1;

    /** Copies the lists. */
    public MigrationPlan {
        reviewDigest = reviewDigest == null ? "" : reviewDigest;
        keyNamespace = keyNamespace == null ? "" : keyNamespace;
        requestedPatch = requestedPatch == null ? Optional.empty() : requestedPatch;
        rewrite = rewrite == null ? Optional.empty() : rewrite;
        changes = List.copyOf(changes);
        blockedReasons = List.copyOf(blockedReasons);
        warnings = List.copyOf(warnings);
        steps = List.copyOf(steps);
    }

    /** A plan without a key namespace, as made before it was recorded. */
    public MigrationPlan(int formatVersion, String planId, Instant createdAt, SourceSnapshot source,
                         Optional<SchemaPatch> requestedPatch, IndexSchema targetSchema, List<SchemaChange> changes,
                         boolean supported, List<String> blockedReasons, MigrationMode mode, String modeReason,
                         List<String> warnings, List<PlanStep> steps, CostEstimate estimate,
                         ValidationPolicy validation, Optional<RewriteSpec> rewrite, String reviewDigest) {
        this(formatVersion, planId, createdAt, source, requestedPatch, targetSchema, changes, supported,
                blockedReasons, mode, modeReason, warnings, steps, estimate, validation, rewrite, reviewDigest, "");
    }

    /** A plan without a review digest or key namespace, as made before they existed. */
    public MigrationPlan(int formatVersion, String planId, Instant createdAt, SourceSnapshot source,
                         Optional<SchemaPatch> requestedPatch, IndexSchema targetSchema, List<SchemaChange> changes,
                         boolean supported, List<String> blockedReasons, MigrationMode mode, String modeReason,
                         List<String> warnings, List<PlanStep> steps, CostEstimate estimate,
                         ValidationPolicy validation, Optional<RewriteSpec> rewrite) {
        this(formatVersion, planId, createdAt, source, requestedPatch, targetSchema, changes, supported,
                blockedReasons, mode, modeReason, warnings, steps, estimate, validation, rewrite, "", "");
    }

    /**
     * Refuses a plan that was edited after it was made, or that another format version of Slipway wrote, as apply,
     * validate and rollback do before they act on it. Call it before showing a plan file to someone who is to act on
     * what it shows.
     *
     * @throws dev.slipway.api.SlipwayException {@link dev.slipway.api.ErrorCode#MALFORMED_INPUT}, saying what was
     *                                          edited
     */
    public void requireIntact() {
        MigrationPlanner.requireIntact(this);
    }

    /** The name applications query afterwards: the source name, or the new name when the plan renames the index. */
    public String servedName() {
        boolean renamed = changes.stream().anyMatch(c -> c.kind() == ChangeKind.RENAME_INDEX);
        return renamed ? targetSchema.name() : source.indexName();
    }

    /**
     * What validation checks.
     *
     * @param requireSchemaMatch   the live schema must equal the target schema
     * @param requireDocCountMatch documents + indexing failures must equal the source's (off when a filter or
     *                             prefix change means the set of documents legitimately changes)
     * @param countBaseline        the retained physical index whose live count the new index must match (it sees
     *                             the same writes); empty to compare with the snapshot's count instead
     */
    public record ValidationPolicy(boolean requireSchemaMatch, boolean requireDocCountMatch,
                                   Optional<String> countBaseline) {
        /** Normalises the baseline. */
        public ValidationPolicy {
            countBaseline = countBaseline == null ? Optional.empty() : countBaseline;
        }
    }
}
