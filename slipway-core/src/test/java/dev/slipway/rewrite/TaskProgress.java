package dev.slipway.rewrite;

import dev.slipway.api.ProgressListener;

/**
 * A progress listener that knows which task it hears of, so that a test acts during the rewrite itself and not
 * during the check for conflicts before it, which reports progress too.
 */
abstract class TaskProgress implements ProgressListener {
    private volatile String task = "";

    @Override
    public void begin(String name, long total, String unit) {
        task = name;
    }

    /** Forgets the task, so that what comes after it is not taken for it. */
    void forgetTask() {
        task = "";
    }

    /** The task under way, as named by its {@code begin}; empty before the first. */
    String task() {
        return task;
    }

    /** Whether the task under way is the rewrite of the documents (a first pass or a new one). */
    boolean rewriting() {
        return task.startsWith("rewriting documents");
    }
}
