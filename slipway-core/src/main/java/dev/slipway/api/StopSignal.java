package dev.slipway.api;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request, made from another thread, that a running {@code apply} or {@code rollbackFromBackup} stop at its next
 * safe point instead of being killed: after the batch being written lands and its progress is saved, between two
 * steps, or while it waits for indexing. What it did is kept and the lock is released, so the same call resumes
 * from there. The call ends with a {@link SlipwayException} of code {@link ErrorCode#STOPPED} (from {@code apply}, a
 * {@link MigrationFailedException} whose report's result is {@code STOPPED}).
 *
 * <pre>
 * StopSignal stop = new StopSignal();
 * Slipway slipway = Slipway.configure().url(url).stopSignal(stop).load();
 * // on shutdown, from another thread:
 * stop.request("the service is shutting down");
 * </pre>
 *
 * Checks made before anything changes (such as reading every document for conflicts) stop at once, with nothing
 * changed. A request stays set: a signal serves one run; give the next one a new signal
 * ({@link Slipway#withStopSignal}). A call begun on a signal already requested does not start.
 */
public final class StopSignal {
    private final AtomicReference<String> reason = new AtomicReference<>();

    /** Asks the run to stop; the first reason given is kept (it is quoted in the outcome). */
    public void request(String why) {
        reason.compareAndSet(null, why == null || why.isBlank() ? "stop requested" : why);
    }

    /** Whether a stop was requested. */
    public boolean isRequested() {
        return reason.get() != null;
    }

    /** Why the stop was requested, once it was. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason.get());
    }

    /**
     * Throws {@link ErrorCode#STOPPED} when a stop was requested.
     *
     * @param what what stopped and what re-running does, such as "The rewrite stopped after batch 12 ... Re-run ..."
     */
    public void stopHereIfRequested(String what) {
        String why = reason.get();
        if (why != null) {
            throw new SlipwayException(ErrorCode.STOPPED, "Stopped on request (" + why + "). " + what);
        }
    }
}
