package dev.slipway.api;

/**
 * Receives progress of long work (indexing, document rewrites) so that a caller can draw a progress bar or log
 * periodic lines. Every method has an empty default; {@link #NONE} ignores everything.
 */
public interface ProgressListener {
    /** A listener that ignores all progress. */
    ProgressListener NONE = new ProgressListener() {
    };

    /**
     * A task starts.
     *
     * @param task  what is being done, e.g. "indexing products"
     * @param total units of work (documents, or 100 for percentages); 0 when unknown
     * @param unit  the unit's name, e.g. "docs" or "%"
     */
    default void begin(String task, long total, String unit) {
    }

    /** The task has done {@code done} units so far. */
    default void update(long done) {
    }

    /** The task has finished. */
    default void end() {
    }

    /**
     * The task stopped before it finished (it failed, or found what stops the migration); the default treats it as
     * {@link #end()}. A listener should not report the task as done.
     */
    default void stop() {
        end();
    }

    /** A one-line message about what happens next (step started, step done). */
    default void message(String text) {
    }
}
