package dev.slipway.internal.plan;

import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.apply.KeyNamespace;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Build the target as a new versioned physical index beside the live one, wait until the server has indexed every
 * document (live writes keep flowing into both), compare it with the live index, then point the alias at it in one
 * transaction together with the version history. The previous version is retained for rollback.
 *
 * <p>A plain index is adopted on its first such migration: a copy of its current schema is built as version 1
 * (the rollback target), the target as version 2, and {@code MULTI; FT.DROPINDEX name; FT.ALIASUPDATE name
 * name:v2; SET history; EXEC} replaces the plain index by an alias atomically, so no query sees the name missing.
 */
public final class ZeroDowntimeStrategy {
    /** Shown in plans where the switch step stores the history JSON computed at run time. */
    public static final String HISTORY_PLACEHOLDER = "<version history JSON>";

    private ZeroDowntimeStrategy() {
    }

    /** The physical index name of a version of a served name. */
    public static String physicalName(String servedName, int version) {
        return servedName + ":v" + version;
    }

    /**
     * The steps.
     *
     * @param target the target schema, already named after its physical index
     */
    public static List<PlanStep> steps(SourceSnapshot source, IndexSchema target, KeyNamespace keys) {
        String name = source.indexName();
        List<PlanStep> steps = new ArrayList<>();
        List<String> shadows = new ArrayList<>();
        if (!source.aliased()) {
            IndexSchema copy = source.schema().withName(physicalName(name, source.latestVersion() + 1));
            steps.add(createShadow(copy, source, "Build '" + copy.name() + "', a copy of the current schema of '" + name
                    + "', kept as the version to roll back to."));
            shadows.add(copy.name());
        }
        steps.add(createShadow(target, source, "Build '" + target.name() + "' with the target schema beside the live "
                + "index; the server indexes existing documents while writes keep flowing."));
        shadows.add(target.name());
        for (String shadow : shadows) {
            steps.add(new PlanStep("wait-for-indexing:" + shadow, StepKind.WAIT_FOR_INDEXING, "Poll FT.INFO until '"
                    + shadow + "' has indexed every document.", List.of(List.of("FT.INFO", shadow))));
        }
        for (String shadow : shadows) {
            steps.add(new PlanStep("verify:" + shadow, StepKind.VERIFY_SHADOW, "Compare '" + shadow + "' with the "
                    + "live '" + name + "': document counts, indexing failures, a match-all query.",
                    List.of(List.of("FT.INFO", name), List.of("FT.INFO", shadow),
                            List.of("FT.SEARCH", name, "*", "LIMIT", "0", "0", "TIMEOUT", "0"),
                            List.of("FT.SEARCH", shadow, "*", "LIMIT", "0", "0", "TIMEOUT", "0"))));
        }
        steps.add(switchStep(source, target.name(), keys));
        steps.add(DropRecreateStrategy.validateStep(name, source, Optional.empty()));
        return steps;
    }

    private static PlanStep createShadow(IndexSchema schema, SourceSnapshot source, String description) {
        return new PlanStep("create-index:" + schema.name(), StepKind.CREATE_SHADOW_INDEX, description,
                DropRecreateStrategy.createCommands(schema, source));
    }

    /** The atomic switch: alias and history in one MULTI/EXEC. */
    static PlanStep switchStep(SourceSnapshot source, String newPhysical, KeyNamespace keys) {
        String name = source.indexName();
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("MULTI"));
        if (!source.aliased()) {
            commands.add(List.of("FT.DROPINDEX", name));
        }
        commands.add(List.of("FT.ALIASUPDATE", name, newPhysical));
        commands.add(List.of("SET", keys.history(name), HISTORY_PLACEHOLDER));
        commands.add(List.of("EXEC"));
        if (source.aliased()) {
            return new PlanStep("switch-alias", StepKind.SWITCH_ALIAS, "Point alias '" + name + "' at '"
                    + newPhysical + "' and record the version, atomically; '" + source.physicalIndex()
                    + "' is retained for rollback.", commands);
        }
        return new PlanStep("adopt-index", StepKind.ADOPT_INDEX, "Replace the plain index '" + name + "' by an alias "
                + "to '" + newPhysical + "' in one transaction (drop keeps the documents); from now on '" + name
                + "' is an alias.", commands);
    }
}
