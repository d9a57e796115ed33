package dev.slipway.internal.apply;

import dev.slipway.api.ProgressListener;

/**
 * One task's progress, for try-with-resources: closing it reports the task as ended when {@link #finished()} was
 * called, and as stopped otherwise (an exception left the block), so a failed task is never shown as done.
 */
public final class ProgressTask implements AutoCloseable {
    private final ProgressListener listener;
    private boolean finished;

    private ProgressTask(ProgressListener listener) {
        this.listener = listener;
    }

    /** Begins a task on {@code listener} (see {@link ProgressListener#begin}). */
    public static ProgressTask begin(ProgressListener listener, String task, long total, String unit) {
        listener.begin(task, total, unit);
        return new ProgressTask(listener);
    }

    /**
     * The task starts over under another name: the part done so far is reported as stopped (it did not finish),
     * and {@code task} begins with nothing done (see {@link ProgressListener#begin}).
     */
    public void beginAgain(String task, long total, String unit) {
        listener.stop();
        listener.begin(task, total, unit);
        finished = false;
    }

    /**
     * A view of this task for a part of it that counts from zero, after {@code before} units of earlier parts: its
     * updates go on from there instead of starting the bar again (tester session 53 R47 T2 F6). Only its updates
     * reach the listener; the task itself begins and ends.
     */
    public ProgressTask after(long before) {
        ProgressListener whole = listener;
        return new ProgressTask(new ProgressListener() {
            @Override
            public void update(long done) {
                whole.update(before + done);
            }
        });
    }

    /** The task has done {@code done} units so far. */
    public void update(long done) {
        listener.update(done);
    }

    /** The task reached its end; closing reports it as ended instead of stopped. */
    public void finished() {
        finished = true;
    }

    @Override
    public void close() {
        if (finished) {
            listener.end();
        } else {
            listener.stop();
        }
    }
}
