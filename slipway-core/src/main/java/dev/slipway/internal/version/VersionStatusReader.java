package dev.slipway.internal.version;

import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.VersionStatus;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.Evictions;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.schema.IndexInfo;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Builds {@link IndexStatus} from the server, the version history, checkpoints and locks. Read-only. */
public final class VersionStatusReader {
    /** The plan step of a document rewrite. */
    private static final String REWRITE_STEP = "rewrite-documents";

    private final RedisSession session;
    private final KeyNamespace keys;
    private final LiveIndexReader reader;

    /** A reader on the given session and namespace. */
    public VersionStatusReader(RedisSession session, KeyNamespace keys) {
        this.session = session;
        this.keys = keys;
        this.reader = new LiveIndexReader(session);
    }

    /** The status of every name Slipway manages, sorted by name. */
    public List<IndexStatus> all() {
        // names with versions, names with a migration under way (a drop-recreate one or a rollback from a backup
        // may have left no index at all: these are the names an operator most needs to see), and names whose last
        // migration rewrote documents, which 'rollback --backup-dir' can still undo (tester session 34 R18 F7: once
        // complete, they were not listed)
        java.util.TreeSet<String> names = new java.util.TreeSet<>(new HistoryStore(session, keys).names());
        CheckpointStore checkpoints = new CheckpointStore(session, keys);
        for (String name : checkpoints.names()) {
            checkpoints.load(name).filter(c -> c.status() != Checkpoint.Status.COMPLETED || !c.backupDir().isEmpty())
                    .ifPresent(c -> names.add(name));
        }
        // and names with a throwaway index a killed run left, whose status lists it as a stray (tester session 42
        // R33 F12: a killed validate of an unmanaged index left one that only 'status --index' showed)
        for (String index : reader.listIndexes()) {
            SchemaProbeName.indexOf(index).filter(name -> FilterScope.leftBehind(session, keys, name, index))
                    .ifPresent(names::add);
        }
        List<IndexStatus> statuses = new ArrayList<>();
        for (String name : names) {
            statuses.add(of(name));
        }
        return statuses;
    }

    /**
     * The status of one name (managed or not); empty servedBy when the name resolves to nothing. A version's own
     * name ({@code products:v2}, not dropped) gives the status of the served name it belongs to, whose name the
     * result carries.
     */
    public IndexStatus of(String name) {
        HistoryStore histories = new HistoryStore(session, keys);
        VersionHistory history = histories.load(name);
        if (history.versions().isEmpty()) {
            Optional<String> owner = histories.liveVersionOwner(name).map(java.util.Map.Entry::getKey);
            if (owner.isPresent()) {
                return of(owner.get());
            }
        }
        Optional<IndexInfo> served = reader.find(name);
        List<String> existing = reader.listIndexes();
        List<VersionStatus> versions = new ArrayList<>();
        Set<String> known = new HashSet<>();
        for (VersionHistory.VersionEntry entry : history.versions()) {
            known.add(entry.physicalIndex());
            Optional<IndexInfo> info = existing.contains(entry.physicalIndex())
                    ? reader.find(entry.physicalIndex()) : Optional.empty();
            versions.add(new VersionStatus(entry.version(), entry.physicalIndex(), entry.state().name(),
                    info.isPresent(), info.map(i -> i.stats().numDocs()).orElse(0L),
                    info.map(i -> i.stats().memoryBytes()).orElse(0L), entry.planId(),
                    entry.outdated() ? entry.outdatedBy().reason() : ""));
        }
        // and a throwaway index a killed run left behind (its lease ran out; the next apply, rollback, prune or
        // validate drops it), not one a running apply or validate uses
        List<String> strays = existing.stream().filter(i -> LiveIndexReader.isVersionName(name, i)
                || FilterScope.leftBehind(session, keys, name, i))
                .filter(i -> !known.contains(i)).toList();
        Optional<IndexStatus.MigrationStatus> migration = new CheckpointStore(session, keys).load(name)
                .map(c -> new IndexStatus.MigrationStatus(c.planId(), c.status().name(), c.completedSteps(),
                        c.owner(), c.updatedAt().toString(), c.backupDir(), rewriteProgress(c.backupDir(),
                                c.isDone(REWRITE_STEP), session.runId()),
                        served.isPresent() ? "" : MigrationExecutor.unservedSince(c).map(Instant::toString)
                                .orElse(""), evictedSince(c)));
        Optional<String> lock = Optional.ofNullable(session.callString("GET", keys.lock(name)))
                .map(owner -> MigrationLock.ownerIsDeadLocalProcess(owner) ? owner + " (that process no longer runs "
                        + "on this host: the next apply or rollback takes the lock over)" : owner);
        return new IndexStatus(name, served.map(i -> i.schema().name()), served.map(IndexInfo::isAlias).orElse(false),
                history.active().map(VersionHistory.VersionEntry::version), versions, migration, lock, strays,
                history.rollbackMark().map(m -> new IndexStatus.RollbackStatus(m.action(), m.from(), m.to(),
                        m.planId(), m.at().toString())));
    }

    /**
     * Where a rewrite stands, from the header of its backup directory, when this host has it: the checkpoint lists
     * the rewrite step as not done while a new pass is due (reopened after conflicts, writes seen, or vectors of the
     * old datatype that validation found), which the steps alone do not say. A header that says every document was
     * rewritten, of a server that restarted since ({@code runId} another than the header's) while the checkpoint does
     * not record the rewrite as done, is a server that went back to an older snapshot, holding documents in the old
     * form again: the next apply reads them all again (tester session 42 R33 F13: "every document rewritten" with
     * 71,004 of 100,000 in the old form).
     */
    static String rewriteProgress(String backupDir, boolean stepDone, String runId) {
        if (backupDir.isEmpty()) {
            return "";
        }
        Optional<BackupHeader> read;
        try {
            read = BackupDirectory.readHeader(Path.of(backupDir));
        } catch (RuntimeException e) {
            return "backup header unreadable: " + e.getMessage();
        }
        if (read.isEmpty()) {
            return "no backup header in " + backupDir + " on this host";
        }
        BackupHeader h = read.get();
        // the records forced to disk after the header's last save (at most a second of batches behind while a
        // rewrite runs): after a kill, "0 backed up, 0 rewritten" with 5,087 keys moved (tester session 51 R44 T1 M3)
        long onDisk = h.phase() == BackupHeader.Phase.ROLLING_BACK || h.phase() == BackupHeader.Phase.ROLLED_BACK
                ? h.documentsBackedUp() : BackupDirectory.withRecordsOnDisk(Path.of(backupDir), h).documentsBackedUp();
        String lag = onDisk > h.documentsBackedUp() ? " (the header, saved about once a second, counts "
                + h.documentsBackedUp() + " backed up and lags the records on disk; those past it may be rewritten too)"
                : "";
        // counted per backup and per write: a document a later pass backed up and rewrote again counts twice
        String figures = onDisk + " originals backed up, " + h.documentsRewritten() + " rewrites" + lag + " (a "
                + "document a later pass took again counts again)";
        if (!h.laterPass()) {
            figures = onDisk + " documents backed up, " + h.documentsRewritten() + " rewritten" + lag;
        }
        if (!h.overflowed().isEmpty()) {
            figures += "; vector elements too large for the new datatype became infinity: " + h.overflowed();
        }
        return switch (h.phase()) {
            case REWRITING -> (h.laterPass() ? "a new pass" : "first pass") + " under way: " + figures
                    + (runId != null && h.serverRunId() != null && !h.serverRunId().equals(runId)
                    && h.batchesApplied() > 0 ? "; the server restarted since (another run_id), which may have lost "
                    + "some of its writes: the next apply reads every document again" : "");
            case REWRITTEN -> !stepDone && runId != null && h.serverRunId() != null
                    && !h.serverRunId().equals(runId) ? "the backup says every document was rewritten (" + figures
                    + "), but the server restarted since and the checkpoint does not record the rewrite as done: it "
                    + "may have restarted from an older snapshot that holds documents in the old form again; the "
                    + "next apply reads every document again and rewrites those"
                    : "every document rewritten: " + figures;
            case CONFLICTS -> "the last pass left conflicting documents unchanged; the next apply scans every "
                    + "document again: " + figures;
            case WRITES_SEEN -> "the last pass saw writes by other clients; once they are paused, the next apply "
                    + "scans every document again: " + figures;
            case RESCANNING -> "a new pass over every document is due or under way (after conflicts, writes by "
                    + "other clients, or vectors of the old datatype that validation found): " + figures;
            case ROLLING_BACK -> "a rollback from the backup restored " + h.recordsRestored() + " of "
                    + h.batchesBackedUp() + " batches of originals";
            case ROLLED_BACK -> "rolled back from the backup";
        };
    }

    /**
     * Keys the server evicted since the migration began, against the figure apply recorded in its checkpoint; 0 when
     * either is unknown, or the count went down (the server restarted). Tester session 33 R15 L2: status did not say.
     */
    private long evictedSince(Checkpoint checkpoint) {
        return Evictions.since(session, Evictions.atStart(checkpoint));
    }
}
