package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.IndexSchema;

import java.util.List;
import java.util.Optional;

/**
 * Which strategy a plan uses, why, and its steps.
 *
 * @param mode           the strategy
 * @param reason         why it was chosen
 * @param steps          its steps
 * @param warnings       what the reviewer must know about it
 * @param blockedReasons why the requested mode cannot be used, if it cannot
 */
public record StrategyChoice(MigrationMode mode, String reason, List<PlanStep> steps, List<String> warnings,
                             List<String> blockedReasons) {

    /** Chooses the strategy for the changes. */
    public static StrategyChoice choose(SourceSnapshot source, IndexSchema target, List<SchemaChange> changes,
                                        Optional<MigrationMode> requested) {
        MigrationMode mode = requested.orElse(MigrationMode.DROP_RECREATE);
        String reason = requested.isPresent() ? "requested with --mode " + mode.cliName()
                : "drop-recreate is the only strategy this version offers";
        return new StrategyChoice(mode, reason, DropRecreateStrategy.steps(source, target),
                List.of("Downtime: queries on '" + source.indexName() + "' fail from the drop until the new index "
                        + "exists, and return partial results until it has indexed every document. Writes keep "
                        + "working and are indexed by the new index."),
                List.of());
    }
}
