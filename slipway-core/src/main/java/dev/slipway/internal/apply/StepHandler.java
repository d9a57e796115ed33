package dev.slipway.internal.apply;

import dev.slipway.api.plan.PlanStep;

/** Runs one kind of step. Handlers are idempotent: a step re-run after a crash finishes or notices it is done. */
@FunctionalInterface
public interface StepHandler {
    /**
     * Runs the step.
     *
     * @return a short description of what was done, for the report
     */
    String run(StepContext context, PlanStep step);
}
