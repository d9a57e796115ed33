package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.FtCreateArguments;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Undoes a rewrite from its backup directory: drops the new index (documents kept), writes every original back
 * (moved keys are renamed back, moved fields return to their old names, converted vectors get their original bytes),
 * then recreates the source index and waits until it has indexed every document. Resumable: the header counts the
 * records restored, and restoring a record twice gives the same result. The caller holds the index's lock.
 */
public final class BackupRestorer {
    private final RedisSession session;
    private final KeyNamespace keys;
    private final ProgressListener progress;

    /** A restorer on the given session. */
    public BackupRestorer(RedisSession session, KeyNamespace keys, ProgressListener progress) {
        this.session = session;
        this.keys = keys;
        this.progress = progress;
    }

    /** Restores everything the backup holds. */
    public RestoreResult restore(BackupDirectory backup, int workers, int maxRetries) {
        MigrationPlan plan = backup.plan();
        DocumentRewriter rewriter = new DocumentRewriter(plan.rewrite().orElseThrow(), Map.of());
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLING_BACK));
        dropTargetIndex(plan);
        long[] restored = {backup.header().recordsRestored()};
        long[] documents = {0};
        progress.begin("restoring originals", backup.header().documentsBackedUp(), "docs");
        try (WorkerPool pool = WorkerPool.open(session.endpoint(), workers, maxRetries)) {
            backup.forEachRecord(restored[0], record -> {
                List<BackupRecord.DocumentOriginal> present = existing(pool, rewriter, record.documents());
                List<List<DocumentStore.Command>> commands = new ArrayList<>();
                present.forEach(d -> commands.add(rewriter.restore(d)));
                pool.executeDocuments(commands).forEach(replies -> replies.forEach(BackupRestorer::checkReply));
                restored[0]++;
                documents[0] += record.documents().size();
                long missing = backup.header().documentsMissing() + record.documents().size() - present.size();
                backup.writeHeader(backup.header().withRestoreProgress(restored[0], missing), false);
                progress.update(documents[0]);
            });
        } finally {
            progress.end();
        }
        String recreated = recreateSourceIndex(plan);
        new CheckpointStore(session, keys).delete(plan.source().indexName());
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLED_BACK));
        long gone = backup.header().documentsMissing();
        return new RestoreResult(plan.servedName(), plan.planId(), backup.header().documentsBackedUp() - gone, gone,
                recreated, backup.dir().toString());
    }

    /**
     * The documents that still exist under their old or new name. One deleted since the migration stays deleted:
     * writing its originals back would bring back a hash holding only the rewritten fields, and a JSON path cannot
     * be set in a missing key at all. (A document deleted between this check and its restore is not covered; the
     * application's writes are paused during a rollback, as during the rewrite.)
     */
    private static List<BackupRecord.DocumentOriginal> existing(WorkerPool pool, DocumentRewriter rewriter,
                                                               List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> checks = documents.stream().map(rewriter::existenceChecks).toList();
        List<List<Object>> replies = pool.executeDocuments(checks);
        List<BackupRecord.DocumentOriginal> present = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            replies.get(i).forEach(BackupRestorer::checkReply);
            if (replies.get(i).stream().anyMatch(reply -> reply instanceof Long n && n > 0)) {
                present.add(documents.get(i));
            }
        }
        return present;
    }

    private static void checkReply(Object reply) {
        if (reply instanceof Exception e && !String.valueOf(e.getMessage()).toLowerCase().contains("no such key")) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Redis rejected a restore command: "
                    + e.getMessage() + ". Re-run the same rollback to continue; restored records are not repeated.");
        }
    }

    /** Drops the index the plan created, unless what stands there is still the source index. */
    private void dropTargetIndex(MigrationPlan plan) {
        LiveIndexReader reader = new LiveIndexReader(session);
        String target = plan.targetSchema().name();
        Optional<IndexInfo> live = reader.find(target).filter(i -> !i.isAlias());
        IndexSchema source = plan.source().schema();
        if (live.isPresent() && !VisibleSchema.matches(source.withName(target), live.get().schema())) {
            session.call("FT.DROPINDEX", target);
        }
    }

    private String recreateSourceIndex(MigrationPlan plan) {
        LiveIndexReader reader = new LiveIndexReader(session);
        IndexSchema source = plan.source().schema();
        Optional<IndexInfo> existing = reader.find(source.name()).filter(i -> !i.isAlias());
        if (existing.isEmpty()) {
            session.call(FtCreateArguments.command(source));
        } else if (!VisibleSchema.matches(source, existing.get().schema())) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Documents were restored, but an index named '"
                    + source.name() + "' with another schema is in the way of recreating the original. Drop it and "
                    + "re-run the rollback.");
        }
        if (plan.source().aliased()) {
            session.call("FT.ALIASUPDATE", plan.source().indexName(), source.name());
        }
        waitForIndexing(reader, source.name());
        return source.name();
    }

    private static void waitForIndexing(LiveIndexReader reader, String name) {
        long pause = 5;
        long deadline = System.nanoTime() + 3_600_000_000_000L;
        while (!reader.read(name).stats().fullyIndexed()) {
            if (System.nanoTime() > deadline) {
                throw new SlipwayException(ErrorCode.TIMEOUT, "Index '" + name + "' is still indexing after an "
                        + "hour; it keeps going in the background.");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pause = Math.min(pause * 2, 250);
        }
    }
}
