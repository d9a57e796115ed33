package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.apply.Evictions;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.redis.RedisSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.OptionalLong;

/**
 * The last look of a rollback whose restore and index rebuild are done: a rollback that finished but must not report
 * success (another client's writes while it ran, its write watch lost, evictions, documents left in the migrated
 * form) fails with exit 1, naming what to check. Nothing here changes Redis; {@link BackupRestorer} marks the
 * rollback finished either way, so that a re-run repeats this look and not the restore.
 */
final class LastLook {
    private static final Logger LOG = LoggerFactory.getLogger(LastLook.class);
    private final RedisSession session;
    private final ProgressListener progress;
    private final MigrationPlan plan;
    private final BackupDirectory backup;

    LastLook(RedisSession session, ProgressListener progress, MigrationPlan plan, BackupDirectory backup) {
        this.session = session;
        this.progress = progress;
        this.plan = plan;
        this.backup = backup;
    }

    /**
     * How a finished rollback that fails begins, with the backed-up documents it found deleted and left deleted, which
     * a successful one prints: the count appeared only on a re-run (tester session 52 R46 T2 F13).
     */
    private String finishedBut() {
        long missing = backup.header().documentsMissing();
        return "The rollback finished (originals restored, index '" + plan.servedName() + "' recreated" + (missing > 0
                ? "; " + Wording.count(missing, "backed-up document was", "backed-up documents were") + " found "
                + "deleted (or evicted) and left deleted, the originals kept in the backup" : "") + "), but";
    }

    /**
     * Fails a finished rollback during which another client changed documents (in this run or a stopped one before
     * it), naming them.
     */
    void refuseWithWrites(BackupHeader.RollbackWatch watched) {
        if (watched.writesSeen() == 0) {
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, finishedBut()
                + " another client changed documents while it ran ("
                + Wording.count(watched.writesSeen(), "change", "changes") + " seen). A change made after the "
                + "rollback checked a document and before it restored it was overwritten by the original; one made "
                + "after the restore is still there. Check these documents against the application's data (the "
                + "backup in " + backup.dir() + " still holds every original). Changed:", watched.written(), null);
    }

    /**
     * Fails a finished rollback whose watch stopped while it restored (in this run or a stopped one before it):
     * every original is back, as asked, but a write made after the loss may have been overwritten unseen, the outcome
     * a seen write fails on too, so it cannot exit 0 (tester session 29 R6 M7 first warned; the decision to fail came
     * in session 37, as apply fails when its watch is lost; R23 F1: a stopped run's loss is recorded in the header).
     */
    void refuseUnwatched(BackupHeader.RollbackWatch watched) {
        if (watched.lost() == null) {
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, finishedBut()
                + " its write watch stopped (" + watched.lost() + ") while it "
                + "ran, so a change another client made to a document after that and before the rollback restored "
                + "it may have been overwritten by the original unseen. If no application wrote documents of the "
                + "index during the rollback, nothing was lost. Otherwise check them against its data (the backup "
                + "in " + backup.dir() + " still holds every original).");
    }

    /**
     * Keys the server evicted while the rollback ran (at maxmemory, with a policy that evicts): restored documents may
     * be among them, gone from Redis (tester session 29: 14,889 of 20,000 evicted, the rollback exited 0).
     */
    void refuseWithEvictions(OptionalLong before) {
        long evicted = Evictions.since(session, before);
        if (evicted == 0) {
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, finishedBut()
                + " the server evicted " + Wording.count(evicted, "key", "keys")
                + " since it began (it reached maxmemory under a policy that evicts; INFO stats evicted_keys counts "
                + "every database): " + Evictions.mayBeAmongThem("restored documents", Evictions.policy(session)
                .orElse(null)) + ", gone from Redis. Raise maxmemory (or set "
                + "maxmemory-policy noeviction), then compare the documents with the application's data; the backup "
                + "in " + backup.dir() + " still holds every original.");
    }

    /**
     * Documents still in the rewrite's form after the restore ({@link MigratedFormLeft}): the rollback is done, but
     * it fails (exit 1) naming them, since their originals are not in the backup. Its scan's progress counts against
     * the documents backed up, each once: against every original, a document a later pass backed up again counted
     * twice, and the scan ended at "100000/171004" (tester session 42 R33 F13).
     */
    void refuseWithMigratedFormLeft(SupersededOriginals superseded, int maxRetries) {
        long backedUp = backup.header().documentsBackedUp() - superseded.count(); // each document once
        MigratedFormLeft.Found left = MigratedFormLeft.find(plan.rewrite().orElseThrow(),
                plan.source().schema().prefixes(), session.endpoint(), maxRetries, backedUp, progress);
        long restored = backedUp - backup.header().documentsMissing();
        if (left.count() == 0 && left.checked() >= 0 && left.checked() < restored
                && Evictions.evictedKeys(session).isEmpty()) {
            // for a user who may not read INFO the only sign of evictions: 1,896 of 10,000 restored documents were
            // gone, and the rollback exited 0 (tester session 44 R39 F1)
            long gone = restored - left.checked();
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, finishedBut()
                    + " its last look found " + left.checked() + " documents under the index's prefixes against the "
                    + restored + " it restored: " + Wording.count(gone,
                    "is", "are") + " gone since. A server at maxmemory under a policy that evicts drops keys ("
                    + session.unanswered("INFO stats") + ", so the evictions cannot be counted), or the application "
                    + "deleted them. "
                    + "Ask the server's administrator whether evicted_keys grew; the originals stay in "
                    + backup.dir() + ".");
        }
        if (left.count() == 0) {
            return;
        }
        BackupHeader.AlreadyConverted asFound = backup.header().alreadyConverted();
        if (left.count() == left.newVectors() && asFound.counting() && left.count() <= asFound.vectors()) {
            // apply found that many with the new length before it changed anything and left them so; the rollback
            // leaves them as they were (tester session 48 R43 T2 F2: an exact rollback exited 1 forever, blaming the
            // application or a damaged backup)
            UserWarnings.warn(LOG, progress, Wording.count(left.count(), "document holds", "documents hold") + " a "
                    + "vector of the new datatype's length after the restore, as " + asFound.vectors() + " did before "
                    + "the migration changed anything (it left them as they were, such as " + String.join(", ",
                    asFound.examples()) + "); the rollback leaves them so. Found now: " + String.join(", ",
                    left.examples().subList(0, Math.min(3, left.examples().size()))) + ".");
            return;
        }
        Long inPlace = backup.header().inPlace();
        if (inPlace != null && left.count() == left.notMoved() && left.count() <= inPlace) {
            // under a prefix the old one extends (doc: to doc:a:), apply rewrote the documents already there in place;
            // restored in place, they are where they were (tester session 48 R43 T2 F1: exit 1 on every run)
            UserWarnings.warn(LOG, progress, Wording.count(left.count(), "document is", "documents are") + " under "
                    + "the migration's prefix after the restore, as " + inPlace + " were before the migration, which "
                    + "rewrote them in place instead of moving them; the rollback restored them where they are. "
                    + "Found now: " + String.join(", ", left.examples().subList(0, Math.min(3, left.examples()
                    .size()))) + ".");
            return;
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, finishedBut()
                + " " + Wording.count(left.count(), "document is", "documents are")
                + " still in the form the migration gave them after the restore: the application wrote them in that "
                + "form (after the migration, or during this rollback after their original was restored), or the "
                + "backup in " + backup.dir() + " holds no original for them (its records damaged or cut off). The "
                + "restored index cannot take them; correct them from the application's data, or from a copy of the "
                + "backup directory. The first of them:", left.examples(), null);
    }
}
