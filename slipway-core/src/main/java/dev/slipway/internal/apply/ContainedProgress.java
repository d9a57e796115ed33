package dev.slipway.internal.apply;

import dev.slipway.api.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A caller's {@link ProgressListener} whose failures stay its own: an exception it throws is logged (a warning the
 * first time) and the migration goes on. Thrown through, one from the rewrite's {@code begin} failed a drop-recreate
 * after the drop, leaving the index unserved, and one from an update during the checks before the first change left
 * {@code apply} raw, with no report (tester session 40 R30 F6). An {@link Error} is not caught.
 */
public final class ContainedProgress implements ProgressListener {
    private static final Logger LOG = LoggerFactory.getLogger(ContainedProgress.class);

    private final ProgressListener listener;
    private final AtomicBoolean warned = new AtomicBoolean();

    private ContainedProgress(ProgressListener listener) {
        this.listener = listener;
    }

    /** {@code listener} contained; {@link ProgressListener#NONE} as it is. */
    public static ProgressListener of(ProgressListener listener) {
        if (listener == null) {
            return ProgressListener.NONE;
        }
        return listener == ProgressListener.NONE || listener instanceof ContainedProgress ? listener
                : new ContainedProgress(listener);
    }

    @Override
    public void begin(String task, long total, String unit) {
        contain("begin", () -> listener.begin(task, total, unit));
    }

    @Override
    public void update(long done) {
        contain("update", () -> listener.update(done));
    }

    @Override
    public void end() {
        contain("end", listener::end);
    }

    @Override
    public void stop() {
        contain("stop", listener::stop);
    }

    @Override
    public void message(String text) {
        contain("message", () -> listener.message(text));
    }

    private void contain(String call, Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            if (warned.compareAndSet(false, true)) {
                LOG.warn("The progress listener failed in {} and is ignored there; the migration goes on "
                        + "(later failures are logged at debug level)", call, e);
            } else {
                LOG.debug("The progress listener failed in {}: {}", call, e.toString());
            }
        }
    }
}
