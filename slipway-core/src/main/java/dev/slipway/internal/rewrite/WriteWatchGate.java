package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.io.Wording;

import java.util.function.Predicate;

/**
 * How a rewrite uses its {@link WriteWatch}: it checks the watch before each batch, stops at the first write by
 * another client inside a document's window (between its read and the watch catching up after its rewrite), and
 * after the last batch waits for the server's notifications and fails the step if any write was seen, counting then
 * the documents changed outside their window and still in the old form. Without a watch (turned off, or the server
 * refused it) it never stops anything and says so in the summary.
 */
final class WriteWatchGate {
    /** Null when the rewrite is not watched. */
    private final WriteWatch watch;
    /** Whether hash fields of the database expire on their own: each such expiry is reported like a write. */
    private final boolean fieldExpiries;
    /** Documents changed outside their rewrite and found in the old form when the pass was cut short. */
    private int unjudged;

    WriteWatchGate(WriteWatch watch, boolean fieldExpiries) {
        this.watch = watch;
        this.fieldExpiries = fieldExpiries;
    }

    /** Whether the rewrite is watched. */
    boolean watching() {
        return watch != null;
    }

    /** Starts tracking on the writing connections (again after each reconnect) and routes documents to owners. */
    void attach(WorkerPool workers) {
        if (watch != null) {
            watch.attach(workers);
        }
    }

    /**
     * From now on, a change of a document outside its rewrite's {@code window} (from before its read until
     * {@link #landed} releases it) is judged by the form it left the document in, not as a write (see
     * {@link OutsideChanges}): a refreshed time to live or a write to another field no longer stops the rewrite.
     */
    void judgeByForm(Predicate<byte[]> window, OutsideChanges.FormCheck check) {
        if (watch != null) {
            watch.judgeByForm(window, check);
        }
    }

    /**
     * Runs {@code release}, which closes a landed batch's window, once the watch has read every change the server
     * made before the batch's writes (at once without a watch).
     */
    void landed(Runnable release) {
        if (watch == null) {
            release.run();
        } else {
            watch.afterNotifications(release);
        }
    }

    /**
     * Whether a write by another client has been seen (without waiting for the server's latest notifications), or
     * the watch was lost: either stops the rewrite. A reported document that is gone was deleted or expired, which
     * loses nothing; one in a batch still in flight is judged after its batch lands (its write may have brought it
     * back, and the take-back comes with the landing).
     */
    boolean writesSeen(Predicate<byte[]> inFlight) {
        if (watch == null) {
            return false;
        }
        if (watch.lost().isPresent()) {
            return true;
        }
        watch.resolve(inFlight);
        return watch.detected() > 0;
    }

    /**
     * After the writes: waits for the server's notifications of everything it did before them, and fails the step
     * if another client changed a document of the index meanwhile. The header's phase makes the next run scan every
     * document again, which rewrites any the application wrote back in the old format.
     */
    void refuseIfWritesSeen(BackupDirectory backup, boolean passDone) {
        if (watch == null) {
            return;
        }
        refuseIfLost(backup);
        watch.sync();
        refuseIfLost(backup); // lost while it waited: the last batches were not judged
        if (passDone) {
            watch.resolveAll(); // every document has been read and rewritten
        } else {
            watch.resolve(key -> false); // every batch has landed
            unjudged = watch.forgetUnjudged();
        }
        if (watch.detected() == 0) {
            if (unjudged > 0) { // only a later pass can tell: the next run scans every document again
                backup.writeHeader(backup.header().restartPass());
            }
            return;
        }
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.WRITES_SEEN)
                .withBatchesWatched(backup.header().batchesApplied())); // judged: the writes are reported
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Another client changed documents of index '"
                + backup.header().index()
                + "' while they were being rewritten (" + Wording.count(watch.detected(), "change", "changes")
                + " seen), so the rewrite "
                + "stopped after the batches it had sent. A change that landed between Slipway's read of a document "
                + "and its rewrite was overwritten (the value Slipway read is in the backup); one after it is still "
                + "in the old format. Pause the application's writes, then re-run 'slipway apply' with the same plan "
                + "and --backup-dir: it scans every document again and rewrites those in the old format. Or undo "
                + "everything with 'slipway rollback --backup-dir " + backup.dir() + "'. If the application only "
                + "writes fields this rewrite does not touch, re-run with --no-write-watch."
                + (fieldExpiries ? " Hash fields in this database expire on their own (HEXPIRE), and the server "
                + "reports a field that expires like a write to its document: if the application's writes were "
                + "paused, these changes were expiries, and a re-run with --no-write-watch loses nothing." : "")
                + " Changed:",
                watch.examples(), null);
    }

    /**
     * A watch that lost a connection can no longer see another client's write between Slipway's read of a document
     * and its rewrite, which the rewrite would overwrite unnoticed (tester session 29 R6 M7: the run went on
     * unwatched and exited 0). The rewrite stopped at its next batch; the header keeps the batches judged before the
     * loss, so the re-run (with a new watch) names the batches after it, as after a kill.
     */
    private void refuseIfLost(BackupDirectory backup) {
        if (watch.lost().isEmpty()) {
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The write watch of index '" + backup.header().index()
                + "' stopped: " + watch.lost().get() + ". Without it a write by another client between Slipway's "
                + "read of a document and its rewrite would be overwritten unnoticed, so the rewrite stopped after "
                + "the batches it had sent (" + backup.header().documentsRewritten() + " documents rewritten so far; "
                + "their originals are in " + backup.dir() + "). Re-run 'slipway apply' with the same plan and "
                + "--backup-dir: it goes on with a new watch and names the batches sent after the watch stopped, "
                + "whose documents were not watched. Or undo everything with 'slipway rollback --backup-dir "
                + backup.dir() + "'. If the application's writes are paused, or it only writes fields this rewrite "
                + "does not touch, --no-write-watch runs without a watch.");
    }

    /**
     * Documents another client changed outside their rewrite that were still in the old form when the pass was cut
     * short (stopped on request): whether the rewrite had reached them is not known, so the next run scans every
     * document again.
     */
    int unjudged() {
        return unjudged;
    }

    /** What the watch saw, for the step's summary. */
    String describe() {
        if (watch == null) {
            return "; writes by other clients not watched";
        }
        String deletions = watch.deletions() == 0 ? ""
                : " (" + watch.deletions() + " documents deleted or expired by others meanwhile)";
        String kept = watch.kept() == 0 ? "" : "; " + watch.kept() + " documents changed by others outside their "
                + "rewrite (a time to live, another field, or a value in the new form) were found in the new form";
        return watch.lost().map(reason -> "; writes by other clients were NOT fully watched (" + reason + ")")
                .orElse("; no writes by other clients seen") + deletions + kept;
    }
}
