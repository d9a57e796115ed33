package dev.slipway.cli;

import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;

import java.io.PrintWriter;
import java.time.Duration;

/** Renders what {@code apply} did and what {@code validate} found, as text for people. */
final class ReportPrinter {
    private final PrintWriter out;

    ReportPrinter(PrintWriter out) {
        this.out = out;
    }

    /**
     * The result, every step with its status, duration and detail, downtime windows and validation checks;
     * {@code backupDir} is named where it says how to restore.
     */
    void report(MigrationReport report, String backupDir) {
        long totalMs = Duration.between(report.startedAt(), report.finishedAt()).toMillis();
        // a re-run of a finished migration only validates again: not a resumption, and its downtime is the one the
        // earlier run had (tester session 52 R46 T2 F13)
        boolean onlyValidated = report.resumed() && report.steps().stream().allMatch(s -> s.status()
                == StepReport.Status.ALREADY_DONE || s.name().equals("validate"));
        out.println("Result:    " + report.result() + " in " + Units.millis(totalMs)
                + (onlyValidated ? " (already applied: validated again)" : report.resumed()
                ? " (resumed an earlier run)" : ""));
        out.println("Index:     " + report.index());
        out.println("Plan id:   " + report.planId());
        out.println("Mode:      " + report.mode().cliName());
        out.println();
        out.println("Steps:");
        int width = report.steps().stream().mapToInt(s -> s.name().length()).max().orElse(0);
        for (StepReport step : report.steps()) {
            boolean ran = step.status() == StepReport.Status.DONE || step.status() == StepReport.Status.FAILED
                    || step.status() == StepReport.Status.STOPPED || step.status() == StepReport.Status.UNDONE;
            out.println(String.format("  %-12s %-" + width + "s %10s  %s", step.status(), step.name(),
                    ran ? Units.millis(step.durationMs()) : "-", step.detail()).stripTrailing());
        }
        out.println();
        MigrationReport.Downtime downtime = report.downtime();
        // only a rewrite's backup brings a dropped index back; 'rollback --index' refuses an index-only
        // drop-recreate that dropped it (tester session 33 R14 M4)
        boolean backedUp = report.steps().stream().anyMatch(s -> s.name().equals("rewrite-documents"));
        out.println("Downtime:  " + (onlyValidated ? "none in this run; the migration's: " : "") + "unavailable "
                + Units.millis(downtime.unavailableMs()) + (downtime.ongoing()
                ? " so far: the index is still missing, so queries fail until 'slipway apply' with the same plan "
                + "finishes" + (backedUp ? " or 'slipway rollback --backup-dir " + backupDir + "' restores it" : "")
                : ", incomplete results " + Units.millis(downtime.incompleteMs())));
        report.validation().ifPresentOrElse(this::validation, () -> out.println("Validation: did not run"));
        report.error().ifPresent(error -> out.println((report.result() == MigrationReport.Result.STOPPED
                ? "Stopped:   " : "Error:     ") + error.lines().findFirst().orElse("")));
    }

    /** Every check as {@code PASS|FAIL name: expected ..., actual ...}, with the detail of failures. */
    void validation(ValidationResult result) {
        long failed = result.checks().stream().filter(c -> !c.passed()).count();
        out.println("Validation of '" + result.index() + "': " + (result.passed() ? "PASSED" : "FAILED")
                + " (" + result.checks().size() + " checks, " + failed + " failed)");
        for (ValidationCheck check : result.checks()) {
            out.println("  " + (check.passed() ? "PASS" : "FAIL") + "  " + check.name() + ": expected "
                    + check.expected() + ", actual " + check.actual());
            if (!check.detail().isBlank()) {
                out.println("        " + check.detail());
            }
        }
    }
}
