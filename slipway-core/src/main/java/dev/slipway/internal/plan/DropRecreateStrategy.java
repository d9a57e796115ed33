package dev.slipway.internal.plan;

import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.schema.FtCreateArguments;

import java.util.ArrayList;
import java.util.List;

/**
 * Drop the index definition (documents stay), create the target, wait for the server to index every document,
 * validate. Queries on the name fail between the drop and the create, and see partial results until indexing
 * completes.
 */
public final class DropRecreateStrategy {
    private DropRecreateStrategy() {
    }

    /** The ordered steps. */
    public static List<PlanStep> steps(SourceSnapshot source, IndexSchema target) {
        List<PlanStep> steps = new ArrayList<>();
        steps.add(new PlanStep("drop-index", StepKind.DROP_INDEX, "Drop index '" + source.physicalIndex()
                + "' without deleting its documents (no DD).",
                List.of(List.of("FT.DROPINDEX", source.physicalIndex()))));
        steps.add(new PlanStep("create-index", StepKind.CREATE_INDEX, "Create index '" + target.name()
                + "' with the target schema; the server starts indexing the existing documents.",
                List.of(FtCreateArguments.command(target))));
        steps.addAll(finishingSteps(target.name(), source));
        return steps;
    }

    /** The wait and validate steps every strategy ends with. */
    static List<PlanStep> finishingSteps(String indexName, SourceSnapshot source) {
        List<PlanStep> steps = new ArrayList<>();
        steps.add(new PlanStep("wait-for-indexing", StepKind.WAIT_FOR_INDEXING, "Poll FT.INFO until '" + indexName
                + "' reports indexing finished (percent_indexed 1).",
                List.of(List.of("FT.INFO", indexName))));
        List<List<String>> checks = new ArrayList<>();
        checks.add(List.of("FT.INFO", indexName));
        if (!source.keySample().isEmpty()) {
            List<String> exists = new ArrayList<>();
            exists.add("EXISTS");
            exists.addAll(source.keySample());
            checks.add(exists);
        }
        steps.add(new PlanStep("validate", StepKind.VALIDATE, "Check the schema, the document count, the indexing "
                + "failures and that the sampled keys still exist.", checks));
        return steps;
    }
}
