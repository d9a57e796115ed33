package dev.slipway.bench;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One timed {@code apply} as benchmarks record it: the report (also of a failed run), the error, the wall time.
 *
 * @param report  the migration report, when the run got far enough to have one
 * @param error   why the run did not succeed, if it did not
 * @param seconds wall time of the apply call
 */
public record TimedApply(Optional<MigrationReport> report, Optional<String> error, double seconds) {

    /** Applies the plan, never throwing for a migration failure: benchmarks report failures as figures. */
    public static TimedApply run(Slipway slipway, MigrationPlan plan, ApplyOptions options, BenchLog log,
                                 String label) {
        long start = System.nanoTime();
        Optional<MigrationReport> report = Optional.empty();
        Optional<String> error = Optional.empty();
        try {
            report = Optional.of(slipway.apply(plan, options));
        } catch (MigrationFailedException e) {
            // its message already lists the failed checks; describe() would list them a second time
            report = Optional.ofNullable(e.report());
            error = Optional.of(e.getMessage());
        } catch (SlipwayException e) {
            error = Optional.of(e.describe());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        error.ifPresent(text -> log.info("%sapply did not succeed: %s", label, text));
        return new TimedApply(report, error, seconds);
    }

    /** A run that never started (the plan could not be made). */
    public static TimedApply notStarted(Optional<String> error) {
        return new TimedApply(Optional.empty(), error, 0);
    }

    /** The overall result's name, or {@code ERROR} when there is no report. */
    public String result() {
        return report.map(r -> r.result().name()).orElse("ERROR");
    }

    /** Each step's duration in milliseconds, in step order; empty without a report. */
    public Map<String, Long> stepDurations() {
        Map<String, Long> steps = new LinkedHashMap<>();
        report.ifPresent(r -> r.steps().forEach(s -> steps.put(s.name(), s.durationMs())));
        return steps;
    }
}
