package dev.slipway.cli;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.QueryCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code slipway apply}: runs a reviewed plan. Asks for confirmation on a terminal, refuses without a terminal
 * unless {@code --yes} is given, prints the report and writes it to {@code --report-out} whether the migration
 * succeeded or failed.
 */
@Command(name = "apply",
        header = "Apply a plan written by 'slipway plan' (changes Redis).",
        description = "Refuses, before anything changes, a plan that has blocked changes, was edited, or no "
                + "longer matches the live index. Asks for confirmation on a terminal; without one, pass --yes. "
                + "A failed or interrupted run resumes after its last completed step when re-run with the same "
                + "plan.",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway apply --plan migration_plan.yaml",
                "  slipway apply --plan migration_plan.yaml --yes --report-out report.yaml --queries checks.yaml"})
public final class ApplyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--plan", required = true, paramLabel = "<plan-file>", order = 1,
            description = "The plan to apply (YAML or JSON).")
    private Path planFile;

    @Option(names = "--report-out", paramLabel = "<report-file>", order = 2,
            description = "Write the migration report here, on success and on failure: YAML, or JSON when the "
                    + "name ends in .json.")
    private Path reportOut;

    @Option(names = "--yes", order = 3,
            description = "Apply without asking (required when no terminal can ask).")
    private boolean yes;

    @Option(names = "--timeout", paramLabel = "<seconds>", defaultValue = "3600", order = 4,
            description = "How long to wait for the new index to finish indexing. Default: ${DEFAULT-VALUE}")
    private long timeoutSeconds;

    @Option(names = "--queries", paramLabel = "<query-file>", order = 5,
            description = "Query checks that validation runs after the migration (see 'slipway validate').")
    private Path queries;

    @Override
    public Integer call() {
        if (timeoutSeconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--timeout must be a positive number of seconds, "
                    + "got " + timeoutSeconds + ".");
        }
        MigrationPlan plan = SlipwayFiles.readPlan(planFile);
        List<QueryCheck> checks = Optional.ofNullable(queries).map(SlipwayFiles::readQueryChecks).orElse(List.of());
        PrintWriter out = spec.commandLine().getOut();
        new PlanPrinter(out).brief(plan);
        out.flush();
        refuseUnsupported(plan);
        Slipway slipway = connection.slipway(CliProgress.create(spec.commandLine().getErr()));
        if (!yes && !Confirmation.confirm(plan, slipway.redactedUrl(), spec.commandLine().getErr())) {
            return ErrorCode.CONFIRMATION_REQUIRED.exitCode();
        }
        MigrationReport report;
        try {
            report = slipway.apply(plan, new ApplyOptions(Duration.ofSeconds(timeoutSeconds), checks));
        } catch (MigrationFailedException e) {
            finish(e.report());
            throw e;
        }
        finish(report);
        return 0;
    }

    /** Refuses a plan that cannot be applied before asking anyone to confirm it. */
    private void refuseUnsupported(MigrationPlan plan) {
        if (!plan.supported()) {
            throw new SlipwayException(ErrorCode.UNSUPPORTED_CHANGE, "Plan " + planFile + " cannot be applied; "
                    + "nothing was changed. Fix the patch and re-run 'slipway plan'. Blocked:",
                    plan.blockedReasons(), null);
        }
    }

    private void finish(MigrationReport report) {
        PrintWriter out = spec.commandLine().getOut();
        new ReportPrinter(out).report(report);
        if (reportOut != null) {
            SlipwayFiles.write(report, reportOut);
            out.println("Report written to " + reportOut + ".");
        }
        out.flush();
    }
}
