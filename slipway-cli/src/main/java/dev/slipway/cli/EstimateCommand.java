package dev.slipway.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationEstimate;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code slipway estimate}: what applying a plan will cost, measured on a short read-only sample of the live
 * documents: documents, bytes to back up, disk and memory, memory saved by quantization, duration and downtime.
 */
@Command(name = "estimate",
        header = "Estimate what applying a plan costs (changes nothing).",
        description = "Reads a sample of the documents the plan rewrites, times it and extrapolates: documents to "
                + "rewrite, bytes to back up and disk needed under --backup-dir, extra memory while the migration "
                + "runs, memory saved by converting vectors, expected duration and downtime. Figures are "
                + "estimates, not promises.",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway estimate --plan migration_plan.yaml",
                "  slipway estimate --plan migration_plan.yaml --format json",
                "  slipway estimate --plan migration_plan.yaml --rate-limit 2000"})
public final class EstimateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--plan", required = true, paramLabel = "<plan-file>", order = 1,
            description = "The plan to estimate (YAML or JSON).")
    private Path planFile;

    @Option(names = "--format", paramLabel = "<format>", defaultValue = "text", order = 2,
            description = "Output: text, yaml or json (sizes in bytes, times in seconds). Default: ${DEFAULT-VALUE}")
    private OutputFormat format;

    @Option(names = "--rate-limit", paramLabel = "<docs/s>", defaultValue = "0", order = 3,
            description = "Estimate for 'apply --rate-limit' of this many documents a second: the rewrite takes at "
                    + "least its documents over the rate; 0 for no limit. Default: ${DEFAULT-VALUE}")
    private int rateLimit;

    @Override
    public Integer call() {
        MigrationPlan plan = SlipwayFiles.readPlan(planFile);
        MigrationEstimate estimate = connection.slipway().estimate(plan, rateLimit);
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.TEXT) {
            print(out, plan, estimate);
        } else {
            out.print(format.render(new Rendered(plan.planId(), plan.mode().cliName(), estimate)));
        }
        out.flush();
        return 0;
    }

    /**
     * What {@code --format json|yaml} prints: the plan's id and mode, as the text's first line names them, then the
     * estimate (the JSON had no plan id or mode: tester session 52 R46 T2 F13).
     */
    record Rendered(String planId, String mode, @JsonUnwrapped MigrationEstimate estimate) {
    }

    /** Where the memory saved comes from, and when it is freed. */
    private static String saving(MigrationPlan plan, MigrationEstimate e) {
        if (e.memorySavedBytes() == 0) {
            return "";
        }
        long inDocuments = e.memorySavedBytes() - e.indexMemorySavedBytes();
        String where = inDocuments == 0 ? "in the vector index"
                : "~" + Units.bytes(Math.abs(inDocuments)) + " in the documents, ~"
                + Units.bytes(Math.abs(e.indexMemorySavedBytes())) + " in the vector index";
        if (e.memorySavedBytes() < 0) {
            return " (none: the vectors widen, so Redis needs ~" + Units.bytes(-e.memorySavedBytes()) + " more: "
                    + where + ")";
        }
        return plan.mode() == MigrationMode.ZERO_DOWNTIME
                ? " (" + where + ", once the previous version is pruned with 'slipway prune --index " + e.index()
                + "')"
                : plan.rewrite().map(r -> !r.conversions().isEmpty()).orElse(false)
                ? " (once vectors are converted: " + where + ")" : " (" + where + ", once it is rebuilt)";
    }

    private void print(PrintWriter out, MigrationPlan plan, MigrationEstimate e) {
        out.println("Estimate for '" + e.index() + "' (plan " + plan.planId() + ", " + plan.mode().cliName() + "):");
        out.println("  documents:             " + e.documents());
        out.println("  documents to rewrite:  " + e.documentsToRewrite());
        out.println("  sampled documents:     " + e.sampledDocuments());
        out.println("  bytes to back up:      ~" + Units.bytes(e.bytesToBackUp()));
        out.println("  disk needed:           ~" + Units.bytes(e.diskNeededBytes())
                + (e.diskNeededBytes() > 0 ? " (under --backup-dir)" : ""));
        out.println("  extra memory:          ~" + Units.bytes(e.extraMemoryBytes()) + " (while it runs)");
        out.println("  memory saved:          " + (e.memorySavedBytes() < 0 ? "0 B" : "~"
                + Units.bytes(e.memorySavedBytes())) + saving(plan, e));
        out.println("  expected duration:     ~" + Units.seconds(e.expectedSeconds()));
        out.println("  expected downtime:     ~" + Units.seconds(e.expectedDowntimeSeconds()));
        out.println("  basis:                 " + e.basis());
        plan.rewrite().ifPresent(rewrite -> {
            out.println();
            out.println("Apply with: slipway apply --plan " + planFile + " --backup-dir <dir>"
                    + (rewrite.lossy() ? " --accept-data-loss" : ""));
        });
    }
}
