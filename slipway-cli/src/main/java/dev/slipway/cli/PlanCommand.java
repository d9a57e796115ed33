package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code slipway plan}: computes a migration plan from the live index and a patch or target schema, writes it
 * to a file for review and prints a summary. Changes nothing in Redis. A plan with blocked changes is still
 * written, so that the reasons can be read, and the command exits 2.
 */
@Command(name = "plan",
        header = "Plan a migration of an index (changes nothing).",
        description = "Snapshots the live index, applies the patch (or takes the target schema), classifies "
                + "every change and lists the exact Redis commands 'slipway apply' will send. The plan is "
                + "written to a file for review; a plan with blocked changes is written too, and exits 2.",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway plan --index products --patch add-price.yaml",
                "  slipway plan --index products --target-schema v2.yaml --mode drop-recreate --out plan.json"})
public final class PlanCommand implements Callable<Integer> {
    /** The plan file written when {@code --out} is not given. */
    static final String DEFAULT_PLAN_FILE = "migration_plan.yaml";

    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--index", required = true, paramLabel = "<name>", order = 1,
            description = "The index (or alias) to migrate.")
    private String index;

    @ArgGroup(exclusive = true, multiplicity = "1", order = 2)
    private Change change;

    @Option(names = "--mode", paramLabel = "<mode>", defaultValue = "auto", order = 4,
            description = "auto, zero-downtime or drop-recreate. Default: ${DEFAULT-VALUE} (the least "
                    + "disruptive mode that supports every change).")
    private String mode;

    @Option(names = "--allow-shared-keys", order = 5,
            description = "Plan a document rewrite even though other indexes cover the same keys (they will "
                    + "see the rewritten documents). Without it such a plan is blocked.")
    private boolean allowSharedKeys;

    @Option(names = "--out", paramLabel = "<plan-file>", defaultValue = DEFAULT_PLAN_FILE, order = 6,
            description = "Where to write the plan (JSON for a *.json name, else YAML). "
                    + "Default: ${DEFAULT-VALUE}")
    private Path out;

    @Option(names = "--format", paramLabel = "<format>", defaultValue = "text", order = 7,
            description = "Output: text (summary), yaml or json (the whole plan). Default: ${DEFAULT-VALUE}")
    private OutputFormat format;

    /** The change: exactly one of a patch or a complete target schema. */
    static final class Change {
        @Option(names = "--patch", paramLabel = "<patch-file>", required = true, order = 2,
                description = "Schema patch (YAML or JSON, RedisVL's schema patch format).")
        private Path patch;

        @Option(names = "--target-schema", paramLabel = "<schema-file>", required = true, order = 3,
                description = "Complete target schema (YAML or JSON, as 'slipway index info' prints it).")
        private Path targetSchema;
    }

    @Override
    public Integer call() {
        MigrationPlan plan = connection.slipway().plan(request());
        SlipwayFiles.writePlan(plan, out);
        PrintWriter stdout = spec.commandLine().getOut();
        if (format == OutputFormat.TEXT) {
            new PlanPrinter(stdout).full(plan, out);
        } else {
            stdout.print(format.render(plan));
        }
        stdout.flush();
        if (!plan.supported()) {
            throw blocked(plan);
        }
        return 0;
    }

    /** The error of a plan that cannot be applied; the text summary has already listed the reasons. */
    private SlipwayException blocked(MigrationPlan plan) {
        boolean listed = format == OutputFormat.TEXT;
        return new SlipwayException(ErrorCode.UNSUPPORTED_CHANGE, "The plan for '" + plan.source().indexName()
                + "' cannot be applied" + (listed ? " (see Blocked above)" : "") + "; it was written to " + out
                + " for review. Change the patch or the target schema (or --mode) and re-run 'slipway plan'."
                + (listed ? "" : " Blocked:"), listed ? List.of() : plan.blockedReasons(), null);
    }

    /** Reads the input files before connecting, so that a bad file fails fast without touching Redis. */
    private PlanRequest request() {
        // a patch that does not fit is named by its file, and each entry by its line, as a YAML error names them
        // (tester session 48 R43 T1 F5, session 52 R46 T2 F5)
        PlanRequest request = change.patch != null ? PlanRequest.patchFile(index, change.patch)
                : PlanRequest.target(index, SlipwayFiles.readSchema(change.targetSchema));
        return Slipway.parseMode(mode).map(request::withMode).orElse(request).withAllowSharedKeys(allowSharedKeys);
    }
}
