package dev.slipway.internal.rewrite;

/**
 * What a run of the rewrite read and rewrote, pass by pass, for its progress and its summary: a run may make new
 * passes from the first SCAN page (after conflicts, writes seen, old vectors, or a server restart during a pass), and
 * may re-apply batches a killed run had written already.
 */
final class PassTally {
    /** Whether this run made a new pass from the first SCAN page. */
    private boolean rescanned;
    /** The documents this run rewrote in its first pass, when a server restart made it read every one again. */
    private long firstPassRewrites = -1;
    /** The new passes this run made because the server restarted during the one before. */
    private int passesAfterRestarts;
    private long firstPassReads;
    /** Documents this run's passes read. */
    private long documentsRead;
    /** {@link #documentsRead} when the current pass began. */
    private long readBeforeThisPass;
    /** Vectors of neither length this run's passes read (the header counts only the first pass's). */
    private long malformed;
    /**
     * Documents of the batches re-applied from their records that a killed run had written already (after its last
     * header save): counted rewritten, but not by this run (tester session 39 R27 F7: "3750 of them this run" where it
     * wrote 3,500).
     */
    private long writtenBefore;

    /** The run's first pass begins; {@code anew} when it reads every document again. */
    void firstPass(boolean anew) {
        rescanned = anew;
    }

    /** A new pass begins because the server restarted; {@code rewritten} is what this run rewrote so far. */
    void passAfterRestart(long rewritten) {
        if (!rescanned) { // what this run's first pass did, for the summary
            firstPassRewrites = rewritten;
            firstPassReads = documentsRead;
        }
        rescanned = true;
        passesAfterRestarts++;
        readBeforeThisPass = documentsRead;
    }

    /** A page read and planned. */
    void read(int documents, long malformedVectors) {
        documentsRead += documents;
        malformed += malformedVectors;
    }

    /** Documents of a re-applied batch that a killed run had written already. */
    void writtenBefore(long documents) {
        writtenBefore += documents;
    }

    long documentsRead() {
        return documentsRead;
    }

    /**
     * Documents the current pass read: a pass after a restart reads every document again, and its progress counted
     * the pass before's reads too (tester session 44 R38 F6: past the number of documents).
     */
    long documentsReadThisPass() {
        return documentsRead - readBeforeThisPass;
    }

    long writtenBefore() {
        return writtenBefore;
    }

    boolean rescanned() {
        return rescanned;
    }

    long malformed() {
        return malformed;
    }

    /** The new passes for the summary; null when the run made none. */
    RewriteSummary.NewPasses newPasses() {
        return rescanned ? new RewriteSummary.NewPasses(passesAfterRestarts, firstPassRewrites,
                documentsRead - firstPassReads) : null;
    }
}
