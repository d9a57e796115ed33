package dev.slipway.api.plan;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code apply} did.
 *
 * @param planId      the plan applied
 * @param index       the name applications query
 * @param mode        the strategy used
 * @param result      overall result
 * @param startedAt   when this run started
 * @param finishedAt  when it ended
 * @param resumed     whether this run continued an earlier run of the same plan (interrupted, failed, or already
 *                    complete, in which case only validation ran again)
 * @param steps       every step, in order
 * @param downtime    the measured windows in which queries on the name failed or were incomplete
 * @param validation  the validation result, when validation ran
 * @param error       the failure message, when the run failed
 * @param warnings    the plan's warnings (what apply went ahead despite), then the warnings this run showed the user
 *                    (through its progress listener) as it went, in order, each once: what it went ahead despite
 *                    ({@code --ignore-maxmemory}), or found that the plan did not say (more documents to rewrite
 *                    than planned, hash fields with expiries of their own)
 */
public record MigrationReport(String planId, String index, MigrationMode mode, Result result, Instant startedAt,
                              Instant finishedAt, boolean resumed, List<StepReport> steps, Downtime downtime,
                              Optional<ValidationResult> validation, Optional<String> error,
                              List<String> warnings) {
    /** Copies the steps and the warnings. */
    public MigrationReport {
        steps = List.copyOf(steps);
        warnings = List.copyOf(warnings);
    }

    /** The overall result of a run. */
    public enum Result {
        /** Every step ran and validation passed. */
        SUCCEEDED,
        /** A step or validation failed. */
        FAILED,
        /** A stop was requested and the run stopped at a safe point; re-running resumes from there. */
        STOPPED,
        /**
         * Refused before any change (bad input, a stale or edited plan, no room, not confirmed): the error says why.
         * {@link dev.slipway.api.Slipway#apply} throws a {@link dev.slipway.api.SlipwayException} instead of returning
         * such a report; the CLI writes one to {@code --report-out}, so that the file never shows an earlier run's
         * result. It has no steps; where an earlier run left the index, {@code Slipway.status} says.
         */
        REFUSED
    }

    /**
     * Measured service windows.
     *
     * @param unavailableMs time during which the name did not exist (queries failed); when {@code ongoing}, until
     *                      the report was made; after the run lost its lock to another process that brought the name
     *                      back, also until the report was made (it came back at the latest then)
     * @param incompleteMs  time during which the name existed but was still indexing (queries saw partial results);
     *                      when the run ended before the index finished indexing, until the report was made; for a
     *                      resumed run, until it saw the index finished, so the time between the runs counts too
     * @param ongoing       the run ended (failed) with the name still missing: queries keep failing until a re-run
     *                      of apply finishes the migration or a rollback restores the index
     */
    public record Downtime(long unavailableMs, long incompleteMs, boolean ongoing) {
        /** No downtime at all. */
        public static final Downtime NONE = new Downtime(0, 0, false);
    }
}
