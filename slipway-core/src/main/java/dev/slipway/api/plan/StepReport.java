package dev.slipway.api.plan;

/**
 * How one step went.
 *
 * @param name       the step's name
 * @param status     what happened to it
 * @param durationMs how long it took in this run (0 when skipped)
 * @param detail     what it did or why it failed
 */
public record StepReport(String name, Status status, long durationMs, String detail) {
    /** What happened to a step. */
    public enum Status {
        /** It ran and succeeded. */
        DONE,
        /** An earlier run had completed it; this run skipped it. */
        ALREADY_DONE,
        /** It ran and failed. */
        FAILED,
        /** It started and stopped on request before it finished; re-running continues it. */
        STOPPED,
        /** It did not run because an earlier step failed or the run stopped. */
        NOT_RUN,
        /**
         * It ran and succeeded, but a later step of the same run undid it (a build stopped short of the server's
         * memory limit drops the index it created); re-running the same plan runs it again.
         */
        UNDONE
    }
}
