package dev.slipway.cli;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.plan.StepReport;
import dev.slipway.internal.io.FileReasons;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code slipway apply}: runs a reviewed plan. Asks for confirmation on a terminal, refuses without a terminal
 * unless {@code --yes} is given, prints the report and writes it to {@code --report-out} whether the migration
 * succeeded or failed. Plans that rewrite documents also need {@code --backup-dir} (and {@code --accept-data-loss}
 * when a conversion loses precision); the library refuses them without, before anything changes.
 */
@Command(name = "apply",
        header = "Apply a plan written by 'slipway plan' (changes Redis).",
        description = {"Refuses, before anything changes, a plan that has blocked changes, was edited, or no "
                + "longer matches the live index. Asks for confirmation on a terminal; without one, pass --yes. "
                + "A failed or interrupted run resumes after its last completed step when re-run with the same "
                + "plan. Ctrl-C or SIGTERM stops it at the next safe point (after the batch being written, or "
                + "between steps), saving progress and writing the report; a second one stops it at once.",
                "",
                "A plan that rewrites documents (vector datatype, field or key prefix changes) saves the original "
                + "bytes under --backup-dir first; 'slipway rollback --backup-dir' restores them. A conversion "
                + "that loses precision also needs --accept-data-loss."},
        footerHeading = "%nExamples:%n",
        footer = {"  slipway apply --plan migration_plan.yaml",
                "  slipway apply --plan migration_plan.yaml --yes --report-out report.yaml --queries checks.yaml",
                "  slipway apply --plan f16.yaml --backup-dir backups/f16 --accept-data-loss --workers 4"})
public final class ApplyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--plan", required = true, paramLabel = "<plan-file>", order = 1,
            description = "The plan to apply (YAML or JSON).")
    private Path planFile;

    @Option(names = "--backup-dir", paramLabel = "<dir>", order = 2,
            description = "Where the original bytes of rewritten documents are saved before they change (a new "
                    + "or empty directory; required by plans that rewrite documents).")
    private Path backupDir;

    @Option(names = "--accept-data-loss", order = 3,
            description = "Accept a conversion that loses precision (such as float32 to float16 vectors).")
    private boolean acceptDataLoss;

    @Option(names = "--yes", order = 4,
            description = "Apply without asking (required when no terminal can ask).")
    private boolean yes;

    @Option(names = "--report-out", paramLabel = "<report-file>", order = 5,
            description = "Write the migration report here, whatever the result: YAML, or JSON when the name "
                    + "ends in .json. A run refused before its first change (exit 2, nothing changed) writes one "
                    + "whose result is REFUSED, with the reason and no steps. Only a refusal before the plan is read "
                    + "(a bad option, an unreadable plan or query file) or of this path itself leaves an existing "
                    + "file as it was.")
    private Path reportOut;

    @Option(names = "--timeout", paramLabel = "<seconds>", defaultValue = "3600", order = 6,
            description = "How long to wait for the new index to finish indexing. Default: ${DEFAULT-VALUE}")
    private long timeoutSeconds;

    @Option(names = "--queries", paramLabel = "<query-file>", order = 7,
            description = "Query checks that validation runs after the migration (see 'slipway validate').")
    private Path queries;

    @Option(names = "--batch-size", paramLabel = "<n>", defaultValue = "500", order = 8,
            description = "Documents per batch of a rewrite (1 to 100000). Default: ${DEFAULT-VALUE}")
    private int batchSize;

    @Option(names = "--workers", paramLabel = "<n>", defaultValue = "1", order = 9,
            description = "Connections that write a batch in parallel (1 to 64). One keeps a Redis server busy "
                    + "unless the client is slower than the server; with the write watch on, each more connection "
                    + "costs the server a notification per document. Default: ${DEFAULT-VALUE}")
    private int workers;

    @Option(names = "--rate-limit", paramLabel = "<docs/s>", defaultValue = "0", order = 10,
            description = "At most this many documents read and rewritten per second, over any second (time lost "
                    + "to a stall is not made up; --batch-size is cut to a whole fraction of this, so that whole "
                    + "batches fill a second); 0 for no limit. "
                    + "Default: ${DEFAULT-VALUE}")
    private int rateLimit;

    @Option(names = "--retries", paramLabel = "<n>", defaultValue = "5", order = 11,
            description = "Retries, with backoff from 100 ms doubling to 10 s, of a batch after a transient "
                    + "Redis error: connection lost, timeout, or a LOADING or BUSY reply (a batch whose writes got "
                    + "one is worked out again from the live documents, so nothing that landed is sent twice). "
                    + "0 to 30. The migration lock's lease grows to outlast them (39 s for 8, 99 s for 12). The "
                    + "write watch's own connections are not retried: one lost (a server restart, CLIENT KILL) stops "
                    + "the rewrite (re-run to resume); with --no-write-watch the retries ride out a restart. "
                    + "Default: ${DEFAULT-VALUE}")
    private int retries;

    @Option(names = "--no-write-watch", order = 12,
            description = "Do not stop a rewrite when another client changes one of its documents. Use only when "
                    + "the application's writes cannot touch the fields and keys the rewrite changes.")
    private boolean noWriteWatch;

    @Option(names = "--ignore-maxmemory", order = 13,
            description = "Start even though the server's used memory plus what the plan adds (a zero-downtime "
                    + "migration's second copy of the index) goes over its maxmemory. Without it, apply refuses "
                    + "before any change: at the limit Redis evicts keys or refuses writes, the application's "
                    + "included. Use only when you know the plan's memory estimate is too high for your data.")
    private boolean ignoreMaxmemory;

    @Override
    public Integer call() {
        if (timeoutSeconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--timeout must be a positive number of seconds, "
                    + "got " + timeoutSeconds + ".");
        }
        List<QueryCheck> checks = Optional.ofNullable(queries).map(SlipwayFiles::readQueryChecks).orElse(List.of());
        ApplyOptions options = options(checks); // bad numbers fail here, before the plan is read
        MigrationPlan plan = SlipwayFiles.readPlan(planFile);
        requireWritableReport();
        Instant startedAt = Instant.now();
        try {
            return apply(plan, options, startedAt);
        } catch (MigrationFailedException e) {
            throw e; // its report is written
        } catch (SlipwayException e) {
            writeUnstarted(plan, startedAt, e.exitCode() == 2 ? MigrationReport.Result.REFUSED
                    : e.code() == ErrorCode.STOPPED ? MigrationReport.Result.STOPPED : MigrationReport.Result.FAILED,
                    e.getMessage());
            throw e;
        }
    }

    /** Everything after the plan is read: refusals and failures are reported by {@link #call}. */
    private int apply(MigrationPlan plan, ApplyOptions options, Instant startedAt) {
        plan.requireIntact(); // before showing what an edit may have changed
        PrintWriter out = spec.commandLine().getOut();
        PlanPrinter printer = new PlanPrinter(out);
        printer.brief(plan, options.backupDir());
        printer.rewriteSettings(plan, options);
        out.flush();
        refuseUnsupported(plan);
        StopSignal stop = new StopSignal();
        Slipway slipway = connection.slipway(CliProgress.create(spec.commandLine().getErr()), stop);
        slipway.check(plan, options); // refuse a stale plan or missing --backup-dir before asking anyone
        Confirmation confirmation = Confirmation.ofPlan(plan, slipway.redactedUrl());
        if (!confirmation.granted(yes, spec.commandLine().getErr())) {
            writeUnstarted(plan, startedAt, MigrationReport.Result.REFUSED, confirmation.refusal()
                    + ": the answer was not yes. Nothing was changed.");
            return ErrorCode.CONFIRMATION_REQUIRED.exitCode();
        }
        MigrationReport report;
        try {
            report = SignalStop.stoppable(stop, () -> slipway.apply(plan, options));
        } catch (MigrationFailedException e) {
            finish(plan, e.report()).ifPresent(unwritten -> spec.commandLine().getErr().println("slipway: "
                    + unwritten.getMessage()));
            throw e;
        }
        Optional<SlipwayException> unwritten = finish(plan, report);
        if (unwritten.isPresent()) {
            // exit 1, not the file error's 2: the migration ran, so "nothing was changed" would be false
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The migration " + report.result().name()
                    .toLowerCase(java.util.Locale.ROOT) + " (its report is printed above), but the report file "
                    + "could not be written: " + unwritten.get().getMessage(), unwritten.get());
        }
        return 0;
    }

    /**
     * Refuses, before anything changes, a {@code --report-out} that cannot be written (a directory, a read-only file,
     * a folder this process cannot write): found only after the migration, it turned a migration that ran into a
     * usage error whose exit code says nothing was changed.
     */
    private void requireWritableReport() {
        if (reportOut == null) {
            return;
        }
        Path file = reportOut.toAbsolutePath();
        String problem = null;
        if (Files.isDirectory(file)) {
            problem = "is a directory";
        } else if (Files.exists(file) && !Files.isWritable(file)) {
            problem = "cannot be written by this process";
        } else if (SlipwayFiles.fileInTheWay(file).isPresent()) { // f/sub/r.yaml with f a file (R45)
            problem = "cannot be created (" + SlipwayFiles.fileInTheWay(file).get() + " is in the way, not a "
                    + "directory)";
        } else if (!Files.exists(file)) {
            try {
                Path parent = file.getParent();
                Files.createDirectories(parent);
                Files.delete(Files.createTempFile(parent, ".slipway-report", ".tmp"));
            } catch (IOException | RuntimeException e) {
                problem = "cannot be created (" + FileReasons.why(e) + ")"; // not the probe's path (R43 T1 F5)
            }
        }
        if (problem != null) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--report-out " + reportOut + " " + problem + "; "
                    + "nothing was changed. Choose a writable file path.");
        }
    }

    /** The options as {@link ApplyOptions}, which checks the numbers (a bad one is a usage error, exit 2). */
    private ApplyOptions options(List<QueryCheck> checks) {
        return new ApplyOptions(Duration.ofSeconds(timeoutSeconds), checks, Optional.ofNullable(backupDir),
                acceptDataLoss, batchSize, workers, rateLimit, retries, !noWriteWatch, ignoreMaxmemory);
    }

    /** Refuses a plan that cannot be applied before asking anyone to confirm it. */
    private void refuseUnsupported(MigrationPlan plan) {
        if (!plan.supported()) {
            throw new SlipwayException(ErrorCode.UNSUPPORTED_CHANGE, "Plan " + planFile + " cannot be applied; "
                    + "nothing was changed. Fix the patch and re-run 'slipway plan'. Blocked:",
                    plan.blockedReasons(), null);
        }
    }

    /**
     * Writes the report of a run that ended before the migration began (refused, or failed or stopped before apply
     * could make a report) to {@code --report-out}, if given, so that the file never shows an earlier run's result
     * for this one (tester session 44 R38 F9). It has no steps and no downtime of its own; where an earlier run left
     * the index, 'slipway status' says. A file that cannot be written is said on stderr, beside the error.
     */
    private void writeUnstarted(MigrationPlan plan, Instant startedAt, MigrationReport.Result result, String error) {
        ReportFiles.writeBesideError(new MigrationReport(plan.planId(), plan.servedName(), plan.mode(), result,
                startedAt, Instant.now(), false, List.of(), MigrationReport.Downtime.NONE, Optional.empty(),
                Optional.of(error), List.of()), reportOut, spec.commandLine().getErr());
    }

    /** Prints the report and writes it to {@code --report-out}; returns why it could not be written, if so. */
    private Optional<SlipwayException> finish(MigrationPlan plan, MigrationReport report) {
        PrintWriter out = spec.commandLine().getOut();
        new ReportPrinter(out).report(report, backupDir == null ? "<dir>" : backupDir.toString());
        if (rewriteStarted(plan, report)) {
            out.println("Originals of the rewritten documents are in " + backupDir + "; 'slipway rollback "
                    + "--backup-dir " + backupDir + "' restores them.");
        }
        Optional<SlipwayException> unwritten = Optional.empty();
        if (reportOut != null) {
            try {
                SlipwayFiles.write(report, reportOut);
                out.println("Report written to " + reportOut + ".");
            } catch (SlipwayException e) {
                unwritten = Optional.of(e);
            }
        }
        out.flush();
        return unwritten;
    }

    /** Whether this run (or an earlier one) got as far as rewriting documents, so that the backup matters. */
    private boolean rewriteStarted(MigrationPlan plan, MigrationReport report) {
        Optional<String> step = plan.steps().stream().filter(s -> s.kind() == StepKind.REWRITE_DOCUMENTS)
                .map(PlanStep::name).findFirst();
        return backupDir != null && step.isPresent() && report.steps().stream()
                .anyMatch(s -> s.name().equals(step.get()) && s.status() != StepReport.Status.NOT_RUN);
    }
}
