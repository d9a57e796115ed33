package dev.slipway.internal.apply;

/** Called around every step; the default does nothing. */
public interface StepBoundaryListener {
    /** A listener that does nothing. */
    StepBoundaryListener NONE = new StepBoundaryListener() {
    };

    /** Before a step runs (its checkpoint says it is not done). */
    default void before(String step) {
    }

    /** After a step ran and its completion was checkpointed. */
    default void after(String step) {
    }
}
