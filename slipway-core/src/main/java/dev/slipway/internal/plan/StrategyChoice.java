package dev.slipway.internal.plan;

import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.io.Wording;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which strategy a plan uses, why, and its steps.
 *
 * @param mode           the strategy
 * @param reason         why it was chosen
 * @param target         the target schema named after the physical index the strategy creates
 * @param steps          its steps
 * @param warnings       what the reviewer must know about it
 * @param blockedReasons why the requested mode cannot be used, if it cannot
 * @param countBaseline  the retained index validation compares counts with, if any
 */
public record StrategyChoice(MigrationMode mode, String reason, IndexSchema target, List<PlanStep> steps,
                             List<String> warnings, List<String> blockedReasons, Optional<String> countBaseline) {

    /**
     * Chooses the strategy: zero-downtime wherever the change allows it, unless another mode is requested.
     *
     * @param target the merged target schema (named after the source's physical index unless renamed)
     */
    public static StrategyChoice choose(SourceSnapshot source, IndexSchema target, List<SchemaChange> changes,
                                        Optional<MigrationMode> requested, KeyNamespace keys,
                                        Optional<RewriteSpec> rewrite) {
        boolean renames = changes.stream().anyMatch(c -> c.kind() == ChangeKind.RENAME_INDEX);
        if (rewrite.isPresent()) {
            StrategyChoice choice = dropRecreate(source, target, keys, requested.map(m -> m
                    == MigrationMode.ZERO_DOWNTIME ? "--mode zero-downtime was requested, but it does not cover "
                    + "document rewrites yet (blocked)" : "requested with --mode " + m.cliName())
                    .orElse("auto: the change rewrites documents, which the live index reads; zero-downtime does "
                            + "not cover document rewrites yet"), rewrite);
            if (requested.orElse(MigrationMode.DROP_RECREATE) == MigrationMode.ZERO_DOWNTIME) {
                List<String> blocked = new ArrayList<>(choice.blockedReasons());
                blocked.add("zero-downtime does not cover document rewrites yet; use --mode drop-recreate (or auto)");
                return new StrategyChoice(choice.mode(), choice.reason(), choice.target(), choice.steps(),
                        choice.warnings(), blocked, choice.countBaseline());
            }
            return choice;
        }
        if (requested.isEmpty()) {
            return renames ? dropRecreate(source, target, keys, "auto: renaming the index changes the name "
                    + "applications query, which zero-downtime keeps stable; drop-recreate builds the new name",
                    Optional.empty())
                    : zeroDowntime(source, target, keys, "auto: no change rewrites documents, so a new version is "
                    + "built beside the live index and the alias switches atomically");
        }
        if (requested.get() == MigrationMode.DROP_RECREATE) {
            return dropRecreate(source, target, keys, "requested with --mode drop-recreate", Optional.empty());
        }
        StrategyChoice choice = zeroDowntime(source, target, keys, "requested with --mode zero-downtime");
        if (renames) {
            List<String> blocked = new ArrayList<>(choice.blockedReasons());
            blocked.add("zero-downtime keeps the name applications query; it cannot rename the index. Use "
                    + "--mode drop-recreate, or keep the name and let the alias serve it");
            return new StrategyChoice(choice.mode(), choice.reason(), choice.target(), choice.steps(),
                    choice.warnings(), blocked, choice.countBaseline());
        }
        return choice;
    }

    private static StrategyChoice zeroDowntime(SourceSnapshot source, IndexSchema target, KeyNamespace keys,
                                               String reason) {
        int next = source.latestVersion() + (source.aliased() ? 1 : 2);
        IndexSchema physical = target.withName(ZeroDowntimeStrategy.physicalName(source.indexName(), next));
        String baseline = source.aliased() ? source.physicalIndex()
                : ZeroDowntimeStrategy.physicalName(source.indexName(), source.latestVersion() + 1);
        List<String> warnings = new ArrayList<>();
        warnings.add(memoryWarning(source, target));
        if (!source.aliased()) {
            warnings.add("First zero-downtime migration of '" + source.indexName() + "': it is adopted. '"
                    + baseline + "' (a copy of today's schema) and '" + physical.name() + "' are built, then one "
                    + "transaction drops the plain index (documents stay) and makes '" + source.indexName()
                    + "' an alias of '" + physical.name() + "'. No query sees the name missing.");
        }
        return new StrategyChoice(MigrationMode.ZERO_DOWNTIME, reason, physical,
                ZeroDowntimeStrategy.steps(source, physical, keys), warnings, List.of(), Optional.of(baseline));
    }

    /**
     * FT.INFO counts the index structures, not the allocator's overhead around them; the zero-downtime benchmark
     * measured used_memory growing about 1.7 times the FT.INFO figure, so estimates use this factor.
     */
    public static final double MEMORY_OVERHEAD = 1.75;

    /**
     * Memory a migration needs beyond today's: while zero-downtime builds its new versions (the target, and a copy
     * of the live index when it is adopted), or what drop-recreate's new index takes beyond the one it drops.
     */
    static long extraMemory(SourceSnapshot source, IndexSchema target, MigrationMode mode) {
        long built = IndexMemoryModel.target(source, target).bytes();
        long extra = mode == MigrationMode.ZERO_DOWNTIME ? built + (source.aliased() ? 0 : source.indexMemoryBytes())
                : Math.max(0, built - source.indexMemoryBytes());
        return Math.round(extra * MEMORY_OVERHEAD);
    }

    private static String memoryWarning(SourceSnapshot source, IndexSchema target) {
        long bytes = source.indexMemoryBytes();
        IndexMemoryModel.Sizing sizing = IndexMemoryModel.target(source, target);
        String built = Math.abs(sizing.bytes() - bytes) <= bytes / 100 ? "the new version about as much"
                : "the new version about " + mib(sizing.bytes()) + sizingBasis(sizing);
        return "Memory: while the new " + (source.aliased() ? "version builds" : "versions build") + " the server "
                + "needs about " + mib(extraMemory(source, target, MigrationMode.ZERO_DOWNTIME)) + " more (FT.INFO "
                + "of the live index: " + mib(bytes) + (source.aliased() ? "; " : ", once for its copy; ") + built
                + "; x" + MEMORY_OVERHEAD + " for allocator overhead); afterwards the retained previous version keeps "
                + "about " + mib(Math.round(bytes * MEMORY_OVERHEAD)) + " until you drop it with 'slipway prune "
                + "--index " + source.indexName() + "'.";
    }

    /** What the estimate of the new version drew on besides the live figure. */
    static String sizingBasis(IndexMemoryModel.Sizing sizing) {
        List<String> parts = new ArrayList<>();
        if (sizing.vectorsResized()) {
            parts.add("vector indexes " + mib(sizing.vector()) + " from the target's dims, datatypes and graphs");
        }
        if (sizing.text() > 0) {
            parts.add("new TEXT fields " + mib(sizing.text()) + " from " + String.format(java.util.Locale.ROOT,
                    "%.0f", sizing.words()) + " words per sampled document");
        }
        if (sizing.added() > 0) {
            parts.add("the rest grown for " + Wording.count(sizing.added(), "more field", "more fields"));
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    /** A byte count in the largest binary unit that keeps it at or above 1. */
    public static String mib(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /**
     * How to undo a drop-recreate of an aliased name, whose served index is dropped: a plain rollback afterwards went
     * two schema changes back (tester session 40 R29 F3). A rewrite's undo is its backup: zero-downtime is blocked
     * for rewrites, a reverse change cannot bring lossy originals back, and the versions kept from before cannot
     * serve the rewritten documents (tester R49 T1 F5: the warning advised the first two).
     */
    private static String rollbackWarning(SourceSnapshot source, boolean rewrites) {
        String dropped = "Rollback: '" + source.physicalIndex() + "', the index '" + source.indexName() + "' serves "
                + "now, is dropped, so no index with today's schema is kept";
        if (rewrites) {
            return dropped + ", and the versions kept from before cannot serve the rewritten documents. Undo this "
                    + "migration with 'slipway rollback --backup-dir <dir>' (the --backup-dir of apply): it writes "
                    + "the original bytes back and builds the index with today's schema again.";
        }
        return dropped + ": 'slipway rollback' will refuse to go back to an older retained version without '--to'. "
                + "Undo this migration by planning the reverse change, or use --mode zero-downtime, which keeps "
                + "today's version.";
    }

    private static StrategyChoice dropRecreate(SourceSnapshot source, IndexSchema target, KeyNamespace keys,
                                               String reason, Optional<RewriteSpec> rewrite) {
        IndexSchema physical = source.aliased()
                ? target.withName(ZeroDowntimeStrategy.physicalName(source.indexName(), source.latestVersion() + 1))
                : target;
        List<String> blocked = new ArrayList<>();
        if (source.aliased() && !target.name().equals(source.schema().name())) {
            blocked.add("'" + source.indexName() + "' is an alias; renaming it is not supported. Create a new "
                    + "alias with FT.ALIASADD instead");
        }
        List<String> warnings = new ArrayList<>();
        warnings.add("Downtime: queries on '" + source.indexName() + "' fail from the drop until the new index "
                + "exists, and return partial results until it has indexed every document. Writes keep working and "
                + "are indexed by the new index.");
        if (source.aliased()) {
            warnings.add(rollbackWarning(source, rewrite.isPresent()));
        }
        return new StrategyChoice(MigrationMode.DROP_RECREATE, reason, physical,
                DropRecreateStrategy.steps(source, physical, keys, rewrite), warnings, blocked, Optional.empty());
    }
}
