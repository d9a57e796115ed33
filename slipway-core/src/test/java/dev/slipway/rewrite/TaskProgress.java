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

    /** A listener that runs {@code action} when the task named {@code task} begins, the first time only. */
    static TaskProgress atBegin(String task, Runnable action) {
        return new TaskProgress() {
            private boolean done;

            @Override
            public void begin(String name, long total, String unit) {
                super.begin(name, total, unit);
                if (name.equals(task) && !done) {
                    done = true;
                    action.run();
                }
            }
        };
    }

    /** A listener that runs {@code action} when the task named {@code task} ends, the first time only. */
    static TaskProgress atEnd(String task, Runnable action) {
        return new TaskProgress() {
            private boolean done;

            @Override
            public void end() {
                if (task().equals(task) && !done) {
                    done = true;
                    action.run();
                }
                forgetTask();
            }
        };
    }
}
