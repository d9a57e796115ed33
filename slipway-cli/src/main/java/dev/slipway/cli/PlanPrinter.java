package dev.slipway.cli;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.CostEstimate;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SchemaChange;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Renders a migration plan for a reviewer: the full form after {@code slipway plan} (with every command), the
 * short form before {@code slipway apply} asks for confirmation.
 */
final class PlanPrinter {
    private final PrintWriter out;

    PlanPrinter(PrintWriter out) {
        this.out = out;
    }

    /** Everything a reviewer needs, ending with where the plan was written and what to run next. */
    void full(MigrationPlan plan, Path file) {
        header(plan);
        changes(plan.changes(), plan.blockedReasons());
        list("Blocked", plan.blockedReasons());
        list("Warnings", plan.warnings());
        steps(plan.steps(), true);
        estimate(plan.estimate());
        out.println();
        if (plan.supported()) {
            out.println("Plan written to " + file + ". Review it, then run:");
            String namespace = namespaceOption(plan);
            String planFile = shellWord(file.toString());
            plan.rewrite().ifPresentOrElse(rewrite -> {
                out.println("  slipway estimate --plan " + planFile + namespace);
                out.println("  slipway apply --plan " + planFile + namespace + " --backup-dir <dir>"
                        + (rewrite.lossy() ? " --accept-data-loss" : ""));
            }, () -> out.println("  slipway apply --plan " + planFile + namespace));
        } else {
            out.println("Plan written to " + file + " for review; it cannot be applied (see Blocked above).");
        }
    }

    /**
     * The plan in brief: header, changes, warnings, step names and the estimate, without commands. The plan's
     * warnings say {@code --backup-dir <dir>}; with the directory given, they name it instead.
     */
    void brief(MigrationPlan plan, Optional<Path> backupDir) {
        header(plan);
        changes(plan.changes(), plan.blockedReasons());
        list("Blocked", plan.blockedReasons());
        list("Warnings", backupDir.map(dir -> plan.warnings().stream()
                .map(w -> w.replace("--backup-dir <dir>", "--backup-dir " + dir)).toList())
                .orElse(plan.warnings()));
        steps(plan.steps(), false);
        estimate(plan.estimate());
        out.println();
    }

    /**
     * For a plan that rewrites documents, what the rewrite changes and the options it will run with, so that the
     * person confirming sees where the originals go; nothing for index-only plans.
     */
    void rewriteSettings(MigrationPlan plan, ApplyOptions options) {
        if (plan.rewrite().isEmpty()) {
            // a user who asked for a backup is told none is taken (tester session 54 R48 T2 F9: silently ignored)
            options.backupDir().ifPresent(dir -> out.println("Backup:    none: this plan rewrites no document, so "
                    + "--backup-dir " + dir + " is not used (nothing is written there)."));
            return;
        }
        RewriteSpec rewrite = plan.rewrite().get();
        out.println("Rewrite:");
        out.println("  documents:          about " + rewrite.documents());
        for (RewriteSpec.VectorConversion c : rewrite.conversions()) {
            out.println("  convert:            " + c.path() + " " + c.from() + " -> " + c.to() + " (" + c.dims()
                    + " dims)");
        }
        for (RewriteSpec.FieldMove move : rewrite.fieldMoves()) {
            out.println("  move field:         " + move.from() + " -> " + move.to());
        }
        rewrite.targetPrefix().ifPresent(p -> out.println("  move keys:          " + rewrite.sourcePrefixes()
                + " -> " + p));
        out.println("  backup directory:   " + options.backupDir().map(Path::toString).orElse("(not given)"));
        out.println("  accept data loss:   " + (rewrite.lossy()
                ? (options.acceptDataLoss() ? "yes" : "no (the conversion loses precision)") : "not needed"));
        int batch = options.rewriteBatchSize();
        String cut = batch == options.batchSize() ? "" : batch == options.maxDocsPerSecond()
                ? " (--batch-size " + options.batchSize() + " cut to one second of the rate)"
                : " (--batch-size " + options.batchSize() + " cut to a whole fraction of the rate)";
        // paced, SCAN asks for a little less than a batch (a whole key less below 20), so batches are at most this
        String of = options.maxDocsPerSecond() == 0 ? "batches of " : "batches of at most ";
        out.println("  throughput:         " + of + batch + cut + ", "
                + options.workers()
                + (options.workers() == 1 ? " worker, " : " workers, ") + (options.maxDocsPerSecond() == 0
                ? "no rate limit" : "at most " + options.maxDocsPerSecond() + " docs/s") + ", "
                + options.maxRetries() + " retries");
        out.println();
    }

    private void header(MigrationPlan plan) {
        String index = plan.source().indexName();
        out.println("Index:     " + index + (index.equals(plan.source().physicalIndex()) ? ""
                : " (alias of " + plan.source().physicalIndex() + ")"));
        if (!plan.servedName().equals(index)) {
            out.println("Renamed:   " + index + " -> " + plan.servedName());
        }
        out.println("Plan id:   " + plan.planId());
        if (!namespaceOption(plan).isEmpty()) {
            out.println("Namespace: " + plan.keyNamespace() + " (run apply, validate and rollback with"
                    + namespaceOption(plan) + ")");
        }
        out.println("Mode:      " + plan.mode().cliName() + " (" + plan.modeReason() + ")");
        out.println("Supported: " + (plan.supported() ? "yes" : "NO"));
    }

    /** {@code --namespace X} for a plan made under a namespace other than the default, which apply needs too. */
    private static String namespaceOption(MigrationPlan plan) {
        return plan.keyNamespace().isEmpty() || plan.keyNamespace().equals(Slipway.Configuration.DEFAULT_NAMESPACE)
                ? "" : " --namespace " + shellWord(plan.keyNamespace());
    }

    /**
     * One word of a command to copy into a POSIX shell: as it is when it holds nothing the shell reads, else in single
     * quotes ({@code my plan.yaml} was printed bare, tester session 46 R41 F7).
     */
    static String shellWord(String word) {
        return word.matches("[A-Za-z0-9_./:@%+=,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private void changes(List<SchemaChange> changes, List<String> blocked) {
        out.println();
        if (changes.isEmpty()) {
            out.println("Changes: none (the target schema equals the live schema)");
            return;
        }
        out.println("Changes (" + changes.size() + "):");
        for (SchemaChange change : changes) {
            out.println("  - " + change.kind().name().toLowerCase() + " " + change.subject() + ": "
                    + value(change.from()) + " -> " + value(change.to()));
            // a change Slipway can make may still need a server feature this one lacks (INT8 vectors on Search
            // 2.10): "supported" beside it read as if the plan would run (tester session 35 R19 L6)
            boolean serverLacks = blocked.stream().anyMatch(r -> r.startsWith("field '"
                    + change.subject() + "' uses "));
            String verdict = !change.supported() ? "BLOCKED" : serverLacks
                    ? "BLOCKED on this server (see Blocked below); Slipway itself supports the change" : "supported";
            out.println("      " + verdict + (change.reason().isBlank() ? "" : ": " + change.reason()));
        }
    }

    private static String value(String text) {
        return text == null || text.isEmpty() ? "(none)" : text;
    }

    private void list(String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        out.println();
        out.println(title + ":");
        items.forEach(item -> out.println("  - " + item));
    }

    private void steps(List<PlanStep> steps, boolean withCommands) {
        out.println();
        out.println("Steps (" + steps.size() + "):");
        for (int i = 0; i < steps.size(); i++) {
            PlanStep step = steps.get(i);
            out.println("  " + (i + 1) + ". " + step.name() + ": " + step.description());
            if (withCommands) {
                step.commandLines().forEach(line -> out.println("       " + line));
            }
        }
    }

    private void estimate(CostEstimate estimate) {
        out.println();
        out.println("Estimate (" + estimate.basis() + "):");
        out.println("  documents to index:   " + estimate.documents());
        out.println("  documents rewritten:  " + estimate.documentsToRewrite());
        out.println("  reindex time:         ~" + Units.seconds(estimate.reindexSeconds()));
        out.println("  downtime:             ~" + Units.seconds(estimate.downtimeSeconds())
                + (estimate.documentsToRewrite() > 0 && estimate.downtimeSeconds() > 0 ? " + the rewrite (the index "
                + "is dropped while documents are rewritten; 'slipway estimate --plan' measures it)" : ""));
        out.println("  extra memory:         ~" + Units.bytes(estimate.extraMemoryBytes()));
    }
}
