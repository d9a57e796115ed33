package dev.slipway.internal.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.internal.io.UserWarnings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The batches earlier runs of a rewrite left unjudged by their write watch: a run killed (kill -9, a crash) before its
 * watch had judged its last batches leaves them so, and a write by another client inside one of their windows may
 * have been overwritten with nobody told. A resumed run says so in its summary, its log and its report.
 *
 * <p>The header's {@link BackupHeader#batchesWatched} only says how far the last run judged: a run that stopped
 * cleanly after resuming a killed one judged its own batches, and the gap it reported grew by them at the next run
 * (tester session 46 R41 F4: 4 batches said, then 16). So the gap is carried in the checkpoint, and recorded there
 * before the resuming run judges batches of its own.
 */
final class EarlierUnjudged {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteEngine.class);

    /** The gap the checkpoint carries from earlier runs: batches, documents. */
    private long[] carried = {0, 0};
    private Consumer<long[]> record = figures -> { };
    /** For the run's summary; empty when no batch was left unjudged. */
    private String summary = "";

    /** The gap as the checkpoint carries it ({0, 0} for none), and where to record the total once it grows. */
    void carried(long batches, long documents, Consumer<long[]> recordTotal) {
        this.carried = new long[]{batches, documents};
        this.record = recordTotal;
    }

    /**
     * Adds the batches a killed run backed up after its watch's last judgement ({@code header}), records the total
     * when they add documents, and warns of the whole gap.
     */
    void note(BackupHeader header, BackupDirectory backup, ProgressListener progress) {
        long fresh = Math.max(0, header.batchesBackedUp() - header.batchesWatched());
        long[] freshDocuments = {0};
        if (fresh > 0) {
            backup.forEachRecord(header.batchesWatched(), r -> freshDocuments[0] += r.documents().size());
        }
        long batches = carried[0] + (freshDocuments[0] == 0 ? 0 : fresh);
        long documents = carried[1] + freshDocuments[0];
        if (documents == 0) {
            return; // batches that changed no document (a new pass finds most converted) overwrote nothing
        }
        if (freshDocuments[0] > 0) { // kept before this run judges (and counts) batches of its own
            record.accept(new long[]{batches, documents});
        }
        summary = "; " + RewriteSummary.unjudgedText(batches, documents);
        // shown, so that the run's report has it too (tester session 45 R40 F11: only in the log)
        UserWarnings.warn(LOG, progress, "An earlier run of this rewrite ended before its write watch had judged its "
                + "last " + batches + " batches (" + documents + " documents); a write by another client to one of "
                + "them may have been overwritten unseen.");
    }

    /** The part of the run's summary that names the gap; empty when there is none. */
    String summary() {
        return summary;
    }
}
