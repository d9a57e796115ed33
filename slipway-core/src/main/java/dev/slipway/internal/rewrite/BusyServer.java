package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Supplier;

/**
 * Replies that mean the server could not run a command just now: {@code BUSY} (another client's script or function
 * runs past {@code busy-reply-threshold}) and {@code LOADING} (the dataset is being loaded after a restart). Thrown
 * when such a reply comes back among a batch's write replies; the batch is then sent again after a pause, worked out
 * anew from the live documents (a rewrite) or from its backup record (a rollback), so that commands that did land,
 * such as a key move, are not sent twice.
 */
final class BusyServer extends RuntimeException {
    private static final Logger LOG = LoggerFactory.getLogger(BusyServer.class);
    private static final long FIRST_PAUSE_MS = 100;
    private static final long LONGEST_PAUSE_MS = 10_000;

    private BusyServer(String reply) {
        super(reply);
    }

    /** A writing connection found the server restarted: what it sent before may be lost (see WorkerPool). */
    static BusyServer restarted(String runIdBefore, String runIdNow) {
        return new BusyServer("the server restarted (run_id " + runIdBefore + " then, " + runIdNow + " now), which "
                + "may have lost writes it had acknowledged");
    }

    /**
     * A writing connection was lost while it sent: the server may have run some of what it sent, so it is worked out
     * anew instead of sent again (see WorkerPool).
     */
    static BusyServer connectionLost(String why) {
        return new BusyServer("the connection was lost while it sent (" + why + "); what it sent may have run in part, "
                + "so it is worked out anew");
    }

    /** Whether an error reply's text says the server is busy or loading. */
    static boolean isBusy(String message) {
        return message != null && (message.startsWith("BUSY ") || message.startsWith("LOADING "));
    }

    /** Throws when any reply is a busy or loading error. */
    static void refuseIfAny(List<List<Object>> replies) {
        for (List<Object> document : replies) {
            for (Object reply : document) {
                if (reply instanceof Exception e && isBusy(e.getMessage())) {
                    throw new BusyServer(e.getMessage());
                }
            }
        }
    }

    /**
     * Runs {@code attempt}; while it throws {@link BusyServer}, pauses (100 ms, doubling up to 10 s) and runs
     * {@code again} instead, at most {@code retries} times.
     *
     * @param what names the work in logs and in the failure, e.g. "a batch of the rewrite"
     * @throws SlipwayException {@link ErrorCode#MIGRATION_FAILED} when the server is still busy after the retries
     */
    static <T> T retry(int retries, String what, Supplier<T> attempt, Supplier<T> again, String resume) {
        long pause = FIRST_PAUSE_MS;
        BusyServer last;
        try {
            return attempt.get();
        } catch (BusyServer e) {
            last = e;
        }
        for (int tried = 1; tried <= retries; tried++) {
            LOG.warn("Redis could not take {} ({}); sending it again in {} ms, worked out anew (retry {}/{})", what,
                    last.getMessage(), pause, tried, retries);
            sleep(pause);
            pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
            try {
                return again.get();
            } catch (BusyServer e) {
                last = e;
            }
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Redis still could not take " + what + " ('"
                + last.getMessage() + "') after " + retries + " retries. " + resume);
    }

    /**
     * Sends commands that change nothing (EXISTS and the like) over the writing connections, sending them all again
     * while the server answers busy or loading, up to the pool's {@code --retries}.
     */
    static List<List<Object>> readOnly(WorkerPool pool, List<List<DocumentStore.Command>> commands, String what,
                                       String resume) {
        Supplier<List<List<Object>>> send = () -> {
            List<List<Object>> replies = pool.readDocuments(commands);
            refuseIfAny(replies);
            return replies;
        };
        return retry(pool.maxRetries(), what, send, send, resume);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted; re-run to resume.");
        }
    }
}
