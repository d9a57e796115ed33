package dev.slipway.cli;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.StopSignal;
import dev.slipway.api.ValidationFailedException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code slipway validate}: checks the live index against a plan's target (schema, document count, sampled
 * keys, optional queries) without changing anything of the user's (it may copy failing documents into Slipway's
 * namespace for a moment: see the architecture, SourceSchemaProbe). Exits 0 when every check passes, 1 otherwise.
 */
@Command(name = "validate",
        header = "Check the index a plan produced (changes nothing of yours).",
        description = "Compares the live index with the plan's target: the schema, the document count, "
                + "sampled keys, and the queries of --queries. Exits 1 when any check fails. When the counts "
                + "of a drop-recreate differ, documents the index fails on may be copied for a few seconds under "
                + "Slipway's namespace, where a temporary index with the source schema judges them. Ctrl-C or "
                + "SIGTERM stops it before its next check, removing what it made to check (exit 130 / 143).",
        footerHeading = "%nQuery file:%n",
        footer = {"  queries:",
                "    - name: laptops",
                "      query: \"@category:{laptop}\"",
                "      min_results: 1",
                "      max_results: 100",
                "      contains_keys: [\"product:1\"]"})
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--plan", required = true, paramLabel = "<plan-file>", order = 1,
            description = "The plan whose result to check (YAML or JSON).")
    private Path planFile;

    @Option(names = "--queries", paramLabel = "<query-file>", order = 2,
            description = "Queries to run, each with expected result counts or keys.")
    private Path queries;

    @Option(names = "--report-out", paramLabel = "<result-file>", order = 3,
            description = "Write the validation result here: YAML, or JSON when the name ends in .json. A run "
                    + "that cannot validate once its plan is read (a refused plan, an unreachable server) writes a "
                    + "result whose one check, 'validation', failed with the reason.")
    private Path reportOut;

    @Option(names = "--format", paramLabel = "<format>", defaultValue = "text", order = 4,
            description = "Output: text, yaml or json. Default: ${DEFAULT-VALUE}")
    private OutputFormat format;

    @Option(names = "--retries", paramLabel = "<n>", defaultValue = "5", order = 5,
            description = "Retries, with backoff from 100 ms doubling to 10 s, of a read of the searches for "
                    + "documents in the old form after a transient Redis error: connection lost, timeout, or a "
                    + "LOADING or BUSY reply; the other checks reconnect for as long. 0 to 30. "
                    + "Default: ${DEFAULT-VALUE}")
    private int retries;

    @Override
    public Integer call() {
        MigrationPlan plan = SlipwayFiles.readPlan(planFile);
        StopSignal stop = new StopSignal();
        Slipway slipway = connection.slipway(ProgressListener.NONE, stop);
        // the first Ctrl-C or SIGTERM ends it between checks, so that what it made to check is removed on the way out
        ValidationResult result;
        try {
            List<QueryCheck> checks = Optional.ofNullable(queries).map(SlipwayFiles::readQueryChecks)
                    .orElse(List.of());
            result = SignalStop.stoppable(stop, "stopping before the next check and removing the throwaway index "
                    + "and copies of documents it made to check, if any", () -> slipway.validate(plan, checks,
                    retries));
        } catch (SlipwayException e) {
            writeUnrun(plan, e);
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.TEXT) {
            new ReportPrinter(out).validation(result);
        } else {
            out.print(format.render(result));
        }
        if (reportOut != null) {
            SlipwayFiles.write(result, reportOut);
            if (format == OutputFormat.TEXT) {
                out.println("Result written to " + reportOut + ".");
            }
        }
        out.flush();
        if (!result.passed()) {
            throw new ValidationFailedException("Validation of '" + result.index() + "' failed; see the checks "
                    + "above. Investigate the differences before relying on the index:", result);
        }
        return 0;
    }

    /**
     * Writes, to {@code --report-out} if given, a result whose one check says validation did not run and why, so that
     * the file never shows an earlier run's result for this one (as apply's refused report, tester session 44 R38
     * F9). A file that cannot be written is said on stderr, beside the error.
     */
    private void writeUnrun(MigrationPlan plan, SlipwayException e) {
        ReportFiles.writeBesideError(new ValidationResult(plan.servedName(), List.of(new ValidationCheck(
                "validation", false, "to run to the end", "ended with " + e.code() + " (exit " + e.exitCode() + ")",
                e.getMessage(), List.of()))), reportOut, spec.commandLine().getErr());
    }
}
