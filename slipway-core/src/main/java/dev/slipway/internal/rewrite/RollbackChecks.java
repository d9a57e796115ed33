package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The refusals a rollback from a backup makes before it changes anything ({@link BackupRestorer}): a backup that
 * disagrees with itself, a later migration of the index that is unfinished or that changed the index, and a copy of
 * the backup given where the checkpoint names the original. Each refuses with nothing changed and names what to do.
 */
final class RollbackChecks {
    private RollbackChecks() {
    }

    /**
     * Refuses a header that disagrees with its backup (edited by hand, or files of two backups mixed): another plan
     * than the stored one, or restore progress outside a rollback. Trusting such a count skipped records, restored
     * half the documents and reported them all restored.
     */
    static void requireConsistentHeader(BackupDirectory backup, MigrationPlan plan) {
        BackupHeader header = backup.header();
        String problem = !header.planId().equals(plan.planId()) ? "its header names plan " + header.planId()
                + " but its plan.yaml is plan " + plan.planId()
                : header.recordsRestored() < 0 || header.recordsRestored() > header.batchesBackedUp()
                ? "its header says " + header.recordsRestored() + " of " + header.batchesBackedUp() + " records "
                + "were restored"
                : header.recordsRestored() > 0 && header.phase() != BackupHeader.Phase.ROLLING_BACK
                && header.phase() != BackupHeader.Phase.ROLLED_BACK
                ? "its header says " + header.recordsRestored() + " records were restored, but no rollback ran "
                + "(phase " + header.phase().name().toLowerCase() + ")"
                : "";
        if (!problem.isEmpty()) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "The backup in " + backup.dir() + " is "
                    + "inconsistent: " + problem + ". Nothing was changed. It was edited, or files of two backups were "
                    + "mixed; put back the directory as 'slipway apply' left it, then re-run.");
        }
    }

    /**
     * Refuses, with nothing changed, while a later migration of the index (another plan) is unfinished or being
     * rolled back: its index may be dropped, so {@link #refuseIfMigratedSince} sees nothing, and its documents are
     * under its new names and fields, where this older backup would count them as deleted. That one has to be
     * finished or undone first, which also needs its checkpoint (this rollback would replace it).
     */
    static void refuseIfAnotherMigrationIsUnfinished(MigrationPlan plan, Optional<Checkpoint> checkpoint) {
        Optional<Checkpoint> other = checkpoint.filter(c -> !c.planId().equals(plan.planId())
                && c.status() != Checkpoint.Status.COMPLETED);
        if (other.isEmpty()) {
            return;
        }
        Checkpoint c = other.get();
        c.refuseWhileRollingBack("the rollback of an older backup (plan " + plan.planId() + ")");
        String next = c.backupDir().isEmpty() ? "'slipway apply' with that plan, or 'slipway rollback --index "
                + c.index() + "' to discard it" : "'slipway apply' with that plan and --backup-dir " + c.backupDir()
                + (BackupDirectory.readHeader(Path.of(c.backupDir())).isPresent() ? ", or undo it "
                + "with 'slipway rollback --backup-dir " + c.backupDir() + "'" : "");
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Index '" + c.index() + "' has an unfinished later migration ("
                + "plan " + c.planId() + ", " + c.status().name().toLowerCase() + "), so this backup of plan "
                + plan.planId() + " cannot be rolled back now: its documents may have moved on. Nothing was changed. "
                + "Finish that migration first with " + next + ".");
    }

    /**
     * Refuses, with nothing changed, a backup directory other than the one the migration's checkpoint names while
     * that one still holds this plan's backup: the given one is a copy, possibly taken before the rewrite went on,
     * and restoring from it would leave every document rewritten after the copy in the new form (tester session 35
     * R19 M2: 11,449 of 20,000 left migrated, the checkpoint deleted, exit 1 blaming damaged records). apply refuses
     * such a directory too; a directory moved (the recorded one gone) is taken, as apply takes it.
     */
    static void refuseIfTheBackupIsElsewhere(MigrationPlan plan, BackupDirectory backup,
                                                     Optional<Checkpoint> checkpoint) {
        Optional<String> recorded = checkpoint.filter(c -> c.planId().equals(plan.planId()))
                .map(Checkpoint::backupDir).filter(d -> !d.isEmpty());
        String given = backup.dir().toAbsolutePath().normalize().toString();
        Optional<BackupHeader> theirs = recorded.filter(d -> !d.equals(given))
                .flatMap(d -> BackupDirectory.readHeader(Path.of(d))).filter(h -> h.planId().equals(plan.planId()));
        if (theirs.isEmpty()) {
            return;
        }
        // no way out through the copy is offered: moving the recorded directory away, as this message once advised,
        // let a copy of 6 records of 25 roll back part of the documents (tester session 35 R20 N2)
        throw new SlipwayException(ErrorCode.BAD_USAGE, "This migration's backup is in " + recorded.get() + " (its "
                + "checkpoint names that directory, and it holds the backup of plan " + plan.planId() + ", "
                + theirs.get().batchesBackedUp() + " records); " + given + " is another copy (" + backup.header()
                .batchesBackedUp() + " records), which may be older and miss the originals of documents rewritten "
                + "after it was made. Nothing was changed. Roll back with 'slipway rollback --backup-dir "
                + recorded.get() + "'.");
    }

    /**
     * Refuses, with nothing changed, to roll back over an index that a later migration changed: what is served under
     * the plan's name must be the index this migration created (or its source, when the run stopped before dropping
     * it), reached the same way (alias or not); nothing there means the run stopped between the drop and the create.
     * Restoring the originals under a later migration's index would undo that migration's documents and leave its
     * index failing on them.
     */
    static void refuseIfMigratedSince(RedisSession session, BackupDirectory backup, MigrationPlan plan) {
        Optional<IndexInfo> live = new LiveIndexReader(session).find(plan.servedName());
        if (live.isEmpty()) {
            return;
        }
        IndexSchema schema = live.get().schema();
        // by schema, not by physical name: a later index-only change undone by its reverse change (each a new
        // version under an alias) serves the migration's schema again, and was refused as another schema, so that
        // no route was left to the originals (tester session 55 R49 T1 F2)
        boolean sameSchema = VisibleSchema.matches(plan.targetSchema(), schema.withName(plan.targetSchema().name()))
                || VisibleSchema.matches(plan.source().schema(), schema.withName(plan.source().schema().name()));
        if (sameSchema && live.get().isAlias() == plan.source().aliased()) {
            return;
        }
        String now = live.get().isAlias() != plan.source().aliased()
                ? (live.get().isAlias() ? "is now an alias of index '" + schema.name() + "'" : "is no longer an alias")
                : "has another schema";
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Index '" + plan.servedName() + "' " + now + " since the "
                + "migration the backup in " + backup.dir() + " undoes, so another migration has changed it; nothing "
                + "was changed. Restoring these originals would undo that migration's documents too. Roll back the "
                + "later migration first (" + (live.get().isAlias() ? "'slipway rollback --index " + plan.servedName()
                + "', or with its own --backup-dir if it rewrote documents; a drop-recreate change, which keeps no "
                + "version to go back to, is undone by planning and applying the reverse change" : "with its own "
                + "--backup-dir if it rewrote documents; a drop-recreate change of a plain index is undone by planning "
                + "and applying the reverse change") + "), then run this rollback again.");
    }
}
