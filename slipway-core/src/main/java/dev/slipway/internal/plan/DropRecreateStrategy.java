package dev.slipway.internal.plan;

import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.SynonymGroups;
import dev.slipway.internal.schema.FtCreateArguments;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Drop the index definition (documents stay), create the target, wait for the server to index every document,
 * validate. Queries on the name fail between the drop and the create, and see partial results until indexing
 * completes.
 */
public final class DropRecreateStrategy {
    private DropRecreateStrategy() {
    }

    /**
     * {@code FT.CREATE} of {@code schema}, then an {@code FT.SYNUPDATE} per synonym group of the source: a new index
     * starts without the groups.
     */
    static List<List<String>> createCommands(IndexSchema schema, SourceSnapshot source) {
        List<List<String>> commands = new ArrayList<>();
        commands.add(FtCreateArguments.command(schema));
        commands.addAll(SynonymGroups.updateCommands(schema.name(), source.synonyms(),
                schema.options().contains(IndexOption.SKIPINITIALSCAN)));
        return List.copyOf(commands);
    }

    /**
     * The ordered steps. For a name served through an alias, the new physical index gets the next version and the
     * alias is pointed at it once it exists.
     *
     * @param target the target schema, named after its physical index
     */
    public static List<PlanStep> steps(SourceSnapshot source, IndexSchema target, KeyNamespace keys,
                                       Optional<RewriteSpec> rewrite) {
        List<PlanStep> steps = new ArrayList<>();
        steps.add(new PlanStep("drop-index", StepKind.DROP_INDEX, "Drop index '" + source.physicalIndex()
                + "' without deleting its documents (no DD)"
                + (source.aliased() ? "; the alias '" + source.indexName() + "' goes with it." : "."),
                List.of(List.of("FT.DROPINDEX", source.physicalIndex()))));
        rewrite.ifPresent(r -> steps.add(RewritePlanner.step(r, source.schema(), target)));
        steps.add(new PlanStep("create-index", StepKind.CREATE_INDEX, "Create index '" + target.name()
                + "' with the target schema; the server starts indexing the existing documents.",
                createCommands(target, source)));
        if (source.aliased()) {
            List<List<String>> commands = List.of(List.of("MULTI"),
                    List.of("FT.ALIASUPDATE", source.indexName(), target.name()),
                    List.of("SET", keys.history(source.indexName()), ZeroDowntimeStrategy.HISTORY_PLACEHOLDER),
                    List.of("EXEC"));
            steps.add(new PlanStep("switch-alias", StepKind.SWITCH_ALIAS, "Point alias '" + source.indexName()
                    + "' at '" + target.name() + "' and record the version.", commands));
        }
        String served = source.aliased() ? source.indexName() : target.name();
        steps.add(new PlanStep("wait-for-indexing", StepKind.WAIT_FOR_INDEXING, "Poll FT.INFO until '" + served
                + "' reports indexing finished (percent_indexed 1).",
                List.of(List.of("FT.INFO", served))));
        steps.add(validateStep(served, source, rewrite));
        return steps;
    }

    /**
     * The validate step every strategy ends with. It looks up each sampled key on its own, under the name it has
     * after the rewrite's key move, if any.
     */
    static PlanStep validateStep(String indexName, SourceSnapshot source, Optional<RewriteSpec> rewrite) {
        List<List<String>> checks = new ArrayList<>();
        checks.add(List.of("FT.INFO", indexName));
        for (String key : sampledKeysAfter(source, rewrite)) {
            checks.add(List.of("EXISTS", key));
        }
        return new PlanStep("validate", StepKind.VALIDATE, "Check the schema, the document count, the indexing "
                + "failures and that the sampled keys still exist.", checks);
    }

    /** The sampled keys validation looks up: each under the name it has after the rewrite's key move, if any. */
    public static List<String> sampledKeysAfter(SourceSnapshot source, Optional<RewriteSpec> rewrite) {
        return source.keySample().stream().map(key -> rewrite.map(r -> r.newKey(key)).orElse(key)).toList();
    }
}
