package dev.slipway.api;

import dev.slipway.api.plan.MigrationReport;

/**
 * A migration ran and failed, in a step or in validation. {@link #report()} says which steps completed, so the
 * caller can write it out; re-running {@code apply} with the same plan resumes after the last completed step.
 */
public class MigrationFailedException extends SlipwayException {
    private static final long serialVersionUID = 1L;

    private final transient MigrationReport report;

    /** Creates the exception from the failed run's report. */
    public MigrationFailedException(ErrorCode code, String message, MigrationReport report, Throwable cause) {
        super(code, message, report.validation().map(v -> v.failureDescriptions()).orElse(java.util.List.of()),
                cause);
        this.report = report;
    }

    /** The report of the failed run. */
    public MigrationReport report() {
        return report;
    }
}
