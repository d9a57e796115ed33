package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.StepKind;
import dev.slipway.internal.redis.RedisSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server restart during apply, told by its {@code run_id} (INFO server): the step it happened in fails unrecorded
 * ({@link #refuseIfRestarted}), and a failure of the run says that the server restarted ({@link #note}), which may be
 * why. A user refused INFO gets neither: there is no run_id to compare.
 */
final class ServerRestarts {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRestarts.class);

    private final RedisSession session;
    /** The server's run_id when this run's steps began (a restart changes it); null when unknown. */
    private String runIdAtStart;

    ServerRestarts(RedisSession session) {
        this.session = session;
    }

    /** The run's steps begin: returns the server's run_id now, which later ones are compared with (null: unknown). */
    String begin() {
        runIdAtStart = runIdOrNull();
        return runIdAtStart;
    }

    /**
     * Fails the run, before or just after {@code step} is recorded done, when the server is no longer the one the
     * steps did their work on ({@link StepContext#serverRunId}): a server that restarted from a snapshot taken during
     * the step has lost some of its work, and the checkpoint's fence cannot tell when the snapshot holds the last
     * checkpoint this run saved. The run carried on, recorded the rewrite done over a server holding two thirds of the
     * documents in the old form, and every re-run only failed validation (tester session 51 R44 T1, a restart between
     * the rewrite's last look and its checkpoint). Recorded already ({@code saved}), the step is marked undone again
     * (a fenced save, which a server that lost the first one refuses: its checkpoint already says so). Validation is
     * not held to it: it judges the server as it is. The re-run continues from what the server holds.
     */
    void refuseIfRestarted(StepContext context, PlanStep step, boolean saved) {
        String expected = context.serverRunId();
        if (step.kind() == StepKind.VALIDATE || expected == null) {
            return;
        }
        String now = runIdOrNull();
        if (now == null || now.equals(expected)) {
            return;
        }
        if (saved) {
            context.checkpoint(context.checkpoint().withStepUndone(step.name()));
            try {
                context.saveCheckpoint();
            } catch (SlipwayException refused) {
                LOG.debug("The step's undoing was not saved: {}", refused.getMessage());
            }
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The server restarted during step '" + step.name()
                + "' (run_id " + expected + " then, " + now + " now), so the step is not recorded done: a server "
                + "that restarted from a snapshot has lost what it had not saved. Re-run 'slipway apply' with the "
                + "same plan: it continues from what the server holds (a rewrite reads every document again).");
    }

    /** The server's run_id now; null when it cannot be read (refused, or the server is unreachable). */
    private String runIdOrNull() {
        try {
            return session.runId();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * When the server restarted during the run (its run_id changed), says so: a restart without persistence, or from
     * an older snapshot, lost what the run had made, and the failure only named its effect, such as the new index
     * being gone (tester session 47 R42 T3 F5).
     */
    String note(boolean statusAdvised) {
        String now;
        // on a connection of its own: this one may be closed and its reconnects refused (the lock is lost)
        try (RedisSession fresh = RedisSession.open(session.endpoint(), 5000)) {
            now = fresh.runId();
        } catch (RuntimeException e) {
            return "";
        }
        if (runIdAtStart == null || now == null || runIdAtStart.equals(now)) {
            return "";
        }
        return " The server restarted during the run (run_id " + runIdAtStart + " then, " + now + " now): what it "
                + "had not saved when it went down is gone, which may be why." + (statusAdvised ? "" : " Run 'slipway "
                + "status' before re-running 'slipway apply' with the same plan.");
    }
}
