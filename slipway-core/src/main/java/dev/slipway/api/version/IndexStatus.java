package dev.slipway.api.version;

import java.util.List;
import java.util.Optional;

/**
 * Where a served name stands.
 *
 * @param name          the served name
 * @param servedBy      the physical index the name resolves to now; empty when the name does not resolve
 * @param alias         whether the name is an alias (false for a plain index)
 * @param activeVersion the active version number; empty when Slipway does not manage the name
 * @param versions      every version Slipway knows of, oldest first; empty for unmanaged names
 * @param migration     the migration in progress or interrupted, if any
 * @param lockOwner     who holds the migration lock, if anyone (with a note when it is a process of this host
 *                      that no longer runs, such as one stopped by a signal)
 * @param strays        physical indexes named like versions of this name that no history entry accounts for, and
 *                      schema probes of its applies that a killed run left behind (the next apply drops those)
 * @param lastRollback  the latest {@code rollback --index}, while no migration has switched the name since (running
 *                      it again changes nothing then)
 */
public record IndexStatus(String name, Optional<String> servedBy, boolean alias, Optional<Integer> activeVersion,
                          List<VersionStatus> versions, Optional<MigrationStatus> migration,
                          Optional<String> lockOwner, List<String> strays, Optional<RollbackStatus> lastRollback) {
    /** Copies the lists. */
    public IndexStatus {
        versions = List.copyOf(versions);
        strays = List.copyOf(strays);
    }

    /** A status without a rollback since the last switch. */
    public IndexStatus(String name, Optional<String> servedBy, boolean alias, Optional<Integer> activeVersion,
                       List<VersionStatus> versions, Optional<MigrationStatus> migration,
                       Optional<String> lockOwner, List<String> strays) {
        this(name, servedBy, alias, activeVersion, versions, migration, lockOwner, strays, Optional.empty());
    }

    /**
     * The latest {@code rollback --index} of the name.
     *
     * @param action {@code switched_back}, {@code switched_forward} ({@code --to} a newer version),
     *               {@code discarded} (an unfinished migration's new versions dropped), or {@code restored} (a
     *               rewrite undone by {@code rollback --backup-dir}, which recreated the version it dropped)
     * @param from   the physical index served before
     * @param to     the physical index served after it
     * @param planId for a discard, the plan of the migration discarded; for a restore, the plan undone; otherwise
     *               empty
     * @param at     when (ISO-8601)
     */
    public record RollbackStatus(String action, String from, String to, String planId, String at) {
    }

    /**
     * A migration that has a checkpoint.
     *
     * @param planId         its plan
     * @param status         RUNNING, FAILED, STOPPED (on request; re-running resumes it), COMPLETED, or ROLLING_BACK
     *                       (a rollback from the backup is restoring documents, or stopped while it did: finish it
     *                       with {@code rollback --backup-dir})
     * @param completedSteps the steps done
     * @param owner          the process that last ran it
     * @param updatedAt      when its checkpoint was last written (ISO-8601)
     * @param backupDir      the backup directory of a migration that rewrites documents; empty for others
     * @param rewrite        where the rewrite stands, from the backup's header, when this host can read it (phase,
     *                       documents backed up and rewritten, whether a new pass is due); empty otherwise
     * @param unservedSince  when the migration dropped the name and it has not been served by it since (ISO-8601): a
     *                       drop-recreate between its drop and its new index; empty otherwise
     * @param evictedSince   keys the server evicted since the migration began (INFO stats {@code evicted_keys},
     *                       every database, against the figure apply recorded): documents may be among them; 0 when
     *                       none, or when it is not known
     */
    public record MigrationStatus(String planId, String status, List<String> completedSteps, String owner,
                                  String updatedAt, String backupDir, String rewrite, String unservedSince,
                                  long evictedSince) {
        /** Copies the list. */
        public MigrationStatus {
            completedSteps = List.copyOf(completedSteps);
            rewrite = rewrite == null ? "" : rewrite;
            unservedSince = unservedSince == null ? "" : unservedSince;
        }

        /** A status of a migration during which nothing is known to be evicted. */
        public MigrationStatus(String planId, String status, List<String> completedSteps, String owner,
                               String updatedAt, String backupDir, String rewrite, String unservedSince) {
            this(planId, status, completedSteps, owner, updatedAt, backupDir, rewrite, unservedSince, 0);
        }

        /** A status of a migration that left the name served. */
        public MigrationStatus(String planId, String status, List<String> completedSteps, String owner,
                               String updatedAt, String backupDir, String rewrite) {
            this(planId, status, completedSteps, owner, updatedAt, backupDir, rewrite, "");
        }

        /** A status without a rewrite's progress. */
        public MigrationStatus(String planId, String status, List<String> completedSteps, String owner,
                               String updatedAt, String backupDir) {
            this(planId, status, completedSteps, owner, updatedAt, backupDir, "");
        }
    }
}
