package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rewrite's view of server restarts, which it tells by the server's {@code run_id} (INFO server) against the one
 * its backup header names. A SCAN cursor does not carry over a restart (the restarted server orders its keys anew),
 * and a server restarted from a snapshot lost acknowledged writes, so after one a pass starts again from the first
 * page; documents already rewritten are passed over.
 */
final class PassRestarts {
    private static final Logger LOG = LoggerFactory.getLogger(PassRestarts.class);
    /** New passes one run makes at most because the server restarted during the one before. */
    static final int MAX_PASSES_AFTER_RESTARTS = 3;

    private final BackupDirectory backup;
    private final WorkerPool workers;

    PassRestarts(BackupDirectory backup, WorkerPool workers) {
        this.backup = backup;
        this.workers = workers;
    }

    /**
     * Whether a rewrite the header records as finished must read every document again (then the header says so): the
     * server restarted since, and this step would not be running had the checkpoint that says it is done survived,
     * so it restarted from a snapshot older than the rewrite's end, which holds documents in the old form again
     * (tester session 35 R19 M1: every re-run failed validation).
     */
    boolean sinceTheRewriteFinished(BackupHeader header) {
        String runId = serverRunId();
        if (header.serverRunId() == null || header.serverRunId().equals(runId)) {
            return false;
        }
        LOG.warn("The server restarted since this rewrite finished (run_id {} then, {} now) and the checkpoint "
                + "does not record the rewrite as done: it may have restarted from an older snapshot, so a new "
                + "pass reads every document again", header.serverRunId(), runId);
        backup.writeHeader(header.restartPass());
        return true;
    }

    /**
     * Whether the server that gave the saved cursor is not this one: a pass resumed from it skips documents (tester
     * session 28: 4,138 of 20,000 left in the old form, and validation blamed the application), so it starts again
     * from the first page. So does a pass that read its last page but whose step did not finish: a restart from a
     * snapshot after its last look at the server lost writes it had made (tester session 51 R44 T1 M1: the re-run
     * took the pass for done, and 16,917 of 20,000 documents stayed in the old form for every re-run). The header
     * names the current server from here on.
     */
    boolean sinceTheCursorWasSaved(BackupHeader header) {
        String runId = serverRunId();
        boolean midPass = !header.cursor().equals("0") || !header.pendingCursor().equals("0");
        boolean wrote = midPass || header.batchesApplied() > 0;
        boolean restarted = header.serverRunId() != null && !header.serverRunId().equals(runId) && wrote
                && (header.phase() == BackupHeader.Phase.REWRITING || header.phase() == BackupHeader.Phase.RESCANNING);
        if (restarted && midPass) {
            LOG.warn("The server restarted since this rewrite's SCAN cursor was saved (run_id {} then, {} now): the "
                    + "cursor does not carry over a restart, so the pass starts again from the first page",
                    header.serverRunId(), runId);
        } else if (restarted) {
            LOG.warn("The server restarted since this rewrite's last pass (run_id {} then, {} now), which read "
                    + "every page but did not finish: a restart from a snapshot may have lost its writes, so a new "
                    + "pass reads every document again", header.serverRunId(), runId);
        }
        backup.writeHeader(backup.header().withServerRunId(runId)); // the current one: ScaleChoice may have saved
        return restarted;
    }

    /**
     * Whether the server restarted (another {@code run_id}) since the header last named it; if so the header starts a
     * new pass and names the new one.
     */
    boolean sinceThePassBegan() {
        String runId = serverRunId();
        if (runId.equals(backup.header().serverRunId())) {
            return false;
        }
        LOG.warn("The server restarted during the pass (run_id {} then, {} now): its SCAN cursor may have skipped "
                + "documents, so a new pass reads every document again", backup.header().serverRunId(), runId);
        backup.writeHeader(backup.header().restartPass().withServerRunId(runId));
        return true;
    }

    /**
     * Stops a run whose last pass, too, ended at a restart ({@link BatchReader#endedByRestart}) after
     * {@value #MAX_PASSES_AFTER_RESTARTS} more: its documents are not all read, so it must not be recorded as
     * rewritten. The header keeps the progress; a re-run makes a new pass.
     */
    void stopIfEveryPassEnded(BatchReader reader) {
        if (!reader.endedByRestart()) {
            return;
        }
        backup.writeHeader(backup.header());
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The server restarted during every pass of the "
                + "rewrite (" + (MAX_PASSES_AFTER_RESTARTS + 1) + " passes), so not every document was read. Nothing "
                + "was lost: the documents rewritten so far are in the new form, the others as they were, and their "
                + "originals are in " + backup.dir() + ". Re-run 'slipway apply' with the same plan once the server "
                + "is steady; it reads every document again.");
    }

    /** The server's {@code run_id}, empty when it cannot be read. */
    private String serverRunId() {
        String runId = workers.read(WorkerPool::runIdOf);
        return runId == null ? "" : runId;
    }
}
