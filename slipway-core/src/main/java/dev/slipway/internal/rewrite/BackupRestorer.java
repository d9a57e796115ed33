package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.FtCreateArguments;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Undoes a rewrite from its backup directory: drops the new index (documents kept), writes every original back
 * (moved keys are renamed back, moved fields return to their old names, converted vectors get their original bytes),
 * then recreates the source index and waits until it has indexed every document. Resumable: the header counts the
 * records restored, and restoring a record twice gives the same result. The caller holds the index's lock.
 */
public final class BackupRestorer {
    private static final int MAX_LISTED = 20;
    private final RedisSession session;
    private final KeyNamespace keys;
    private final ProgressListener progress;
    private Supplier<DocumentStore> connector;

    /** A restorer on the given session. */
    public BackupRestorer(RedisSession session, KeyNamespace keys, ProgressListener progress) {
        this.connector = () -> JedisDocumentStore.open(session.endpoint());
        this.session = session;
        this.keys = keys;
        this.progress = progress;
    }

    /** Restores over connections from {@code connector} instead (tests use it to act between the restore's steps). */
    public BackupRestorer withConnector(Supplier<DocumentStore> connector) {
        this.connector = connector;
        return this;
    }

    /**
     * Restores everything the backup holds.
     *
     * @param overwriteChanged restore documents the application changed after the migration too; otherwise a first
     *                         run checks every document before changing anything and refuses if one holds, in a
     *                         field the rewrite touched, a value that is neither its original nor what the rewrite
     *                         wrote
     * @throws SlipwayException {@link ErrorCode#CONFIRMATION_REQUIRED} when such documents exist and
     *                          {@code overwriteChanged} is false (nothing was changed);
     *                          {@link ErrorCode#MIGRATION_FAILED} after a complete restore when the write watch saw
     *                          another client change documents while it ran (see {@link WriteWatch}), naming them;
     *                          {@link ErrorCode#BAD_USAGE} when an earlier run finished this rollback and the source
     *                          index has been dropped or changed since (nothing was changed)
     */
    public RestoreResult restore(BackupDirectory backup, int workers, int maxRetries, boolean overwriteChanged) {
        MigrationPlan plan = backup.plan();
        if (backup.header().phase() == BackupHeader.Phase.ROLLED_BACK) {
            return alreadyRolledBack(backup, plan);
        }
        DocumentRewriter rewriter = new DocumentRewriter(plan.rewrite().orElseThrow(),
                backup.header().quantizationScales());
        VanishedDocuments vanishing = new VanishedDocuments(plan.rewrite().orElseThrow(), rewriter);
        long[] restored = {backup.header().recordsRestored()};
        long[] documents = {0};
        long writesSeen = 0;
        List<String> written = List.of();
        try (WorkerPool pool = new WorkerPool(connector, workers, maxRetries);
             WriteWatch watch = WriteWatch.startOrWarn(session.endpoint(), plan.rewrite().orElseThrow(), workers,
                     keys.prefix(), "this rollback")) {
            if (watch != null) {
                watch.attach(pool); // before the check: a write after it is seen
            }
            // a resumed rollback was checked (or told to overwrite) by its first run; what it restored since would
            // look changed now
            if (!overwriteChanged && backup.header().phase() != BackupHeader.Phase.ROLLING_BACK) {
                refuseIfChangedSinceMigration(pool, rewriter, backup, plan);
            }
            backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLING_BACK));
            dropTargetIndex(plan);
            progress.begin("restoring originals", backup.header().documentsBackedUp(), "docs");
            try {
                backup.forEachRecord(restored[0], record -> {
                    List<BackupRecord.DocumentOriginal> present = existing(pool, rewriter, record.documents());
                    List<BackupRecord.DocumentOriginal> renamed = renameBack(pool, rewriter, present);
                    long vanished = restoreFields(pool, rewriter, vanishing, renamed);
                    if (renamed.size() < present.size()) {
                        refuseBlockedRenames(present, renamed, rewriter);
                    }
                    restored[0]++;
                    documents[0] += record.documents().size();
                    long missing = backup.header().documentsMissing() + record.documents().size() - present.size()
                            + vanished;
                    backup.writeHeader(backup.header().withRestoreProgress(restored[0], missing), false);
                    progress.update(documents[0]);
                });
            } finally {
                progress.end();
            }
            if (watch != null) {
                watch.sync();
                watch.resolve(key -> false); // every restore has landed
                writesSeen = watch.detected();
                written = watch.examples();
            }
        }
        String recreated = recreateSourceIndex(plan);
        new CheckpointStore(session, keys).delete(plan.source().indexName());
        backup.writeHeader(backup.header().withPhase(BackupHeader.Phase.ROLLED_BACK));
        if (writesSeen > 0) {
            // reported after the index is back: stopping half-way would only keep the index down longer, and the
            // value such a write stored is gone either way
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The rollback finished (originals restored, index '"
                    + plan.servedName() + "' recreated), but another client changed documents while it ran ("
                    + writesSeen + " changes seen). A change made after the rollback checked a document and before "
                    + "it restored it was overwritten by the original; one made after the restore is still there. "
                    + "Check these documents against the application's data (the backup in " + backup.dir()
                    + " still holds every original). Changed:", written, null);
        }
        return result(backup, plan, recreated, false);
    }

    /** What the backup's header says was restored, with the index recreated (or found in place). */
    private static RestoreResult result(BackupDirectory backup, MigrationPlan plan, String index,
                                        boolean alreadyRolledBack) {
        long gone = backup.header().documentsMissing();
        return new RestoreResult(plan.servedName(), plan.planId(), backup.header().documentsBackedUp() - gone, gone,
                index, backup.dir().toString(), alreadyRolledBack);
    }

    /**
     * A rollback that an earlier run finished is not done again: its steps would drop whatever index now carries the
     * target's name and recreate the source schema over documents that may have been migrated again since. With the
     * source index still in place it reports what the earlier run did; otherwise it refuses. Nothing is changed.
     */
    private RestoreResult alreadyRolledBack(BackupDirectory backup, MigrationPlan plan) {
        IndexSchema source = plan.source().schema();
        Optional<IndexInfo> live = new LiveIndexReader(session).findPhysical(source.name());
        if (live.isEmpty() || !VisibleSchema.matches(source, live.get().schema())) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup in " + backup.dir() + " was already rolled "
                    + "back, and index '" + source.name() + "' has " + (live.isEmpty() ? "been dropped" : "another "
                    + "schema") + " since; nothing was changed. A finished rollback is not repeated: it would undo "
                    + "whatever changed the index afterwards. Plan a new migration to change it.");
        }
        return result(backup, plan, source.name(), true);
    }

    /**
     * Writes the documents' original fields back; returns how many documents turned out to have been deleted (or to
     * have expired) since their existence was checked: what the restore recreated in them is taken back, so they
     * stay deleted, and a JSON document's refused {@code JSON.SET} is not an error.
     */
    private static long restoreFields(WorkerPool pool, DocumentRewriter rewriter, VanishedDocuments vanishing,
                                      List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> commands = documents.stream().map(rewriter::restoreFields).toList();
        List<List<Object>> replies = pool.executeDocuments(commands);
        for (int i = 0; i < documents.size(); i++) {
            for (int c = 0; c < commands.get(i).size(); c++) {
                Object reply = replies.get(i).get(c);
                if (!(reply instanceof Exception e && VanishedDocuments.jsonDocumentGone(commands.get(i).get(c), e))) {
                    checkReply(reply);
                }
            }
        }
        return vanishing.settle(pool, documents, commands, replies, vanishing::takeBackRestore,
                "re-run the same rollback to continue");
    }

    /**
     * Moves documents whose key the rewrite moved back to their old names; returns the documents whose fields may be
     * written back: those not moved, those moved back now or by an earlier run ({@code RENAMENX} then finds no key
     * under the new name), but not one whose old name is taken, which the fields would be written into.
     */
    private static List<BackupRecord.DocumentOriginal> renameBack(WorkerPool pool, DocumentRewriter rewriter,
                                                                  List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> renames = documents.stream().map(rewriter::renameBack).toList();
        if (renames.stream().allMatch(List::isEmpty)) {
            return documents; // no key moved
        }
        List<List<Object>> replies = pool.executeDocuments(renames);
        List<BackupRecord.DocumentOriginal> renamed = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            replies.get(i).forEach(BackupRestorer::checkReply);
            if (replies.get(i).stream().noneMatch(reply -> reply instanceof Long n && n == 0)) {
                renamed.add(documents.get(i));
            }
        }
        return renamed;
    }

    /**
     * Stops the rollback at a batch some of whose documents could not be moved back: their old name was taken after
     * the migration. The batch's other documents are restored; the record is not counted, so the same rollback, run
     * again once the names are resolved, restores the batch again (which changes nothing for those).
     */
    private static void refuseBlockedRenames(List<BackupRecord.DocumentOriginal> present,
                                             List<BackupRecord.DocumentOriginal> renamed, DocumentRewriter rewriter) {
        List<String> blocked = new ArrayList<>();
        for (BackupRecord.DocumentOriginal document : present) {
            if (!renamed.contains(document)) {
                DocumentStore.Command rename = rewriter.renameBack(document).get(0);
                blocked.add("'" + new String(rename.args().get(0), StandardCharsets.UTF_8) + "' cannot move back to '"
                        + new String(rename.args().get(1), StandardCharsets.UTF_8) + "', which exists again");
            }
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, blocked.size() + " documents could not be moved back: "
                + "their old names were taken after the migration, and the originals were not written into those "
                + "documents. Delete or rename one of each pair, then run the same rollback again; it continues "
                + "from this batch.", blocked.subList(0, Math.min(blocked.size(), MAX_LISTED)), null);
    }

    /**
     * Reads every backed-up document that still exists and refuses (nothing changed yet) when one holds, in a field
     * the rewrite touched, a value that is neither its original nor what the rewrite wrote there: the application
     * wrote it after the migration, and restoring the original would lose it. A field still in its original state
     * (a batch backed up but not yet rewritten when the run stopped) is not a change.
     */
    private void refuseIfChangedSinceMigration(WorkerPool pool, DocumentRewriter rewriter, BackupDirectory backup,
                                               MigrationPlan plan) {
        List<String> changed = new ArrayList<>();
        long[] count = {0};
        progress.begin("checking for changes since the migration", backup.header().documentsBackedUp(), "docs");
        long[] checked = {0};
        try {
            backup.forEachRecord(backup.header().recordsRestored(), record -> {
                for (String change : changesSinceMigration(pool, rewriter, plan, record.documents())) {
                    count[0]++;
                    if (changed.size() < MAX_LISTED) {
                        changed.add(change);
                    }
                }
                checked[0] += record.documents().size();
                progress.update(checked[0]);
            });
        } finally {
            progress.end();
        }
        if (count[0] > 0) {
            throw new SlipwayException(ErrorCode.CONFIRMATION_REQUIRED, count[0] + " backed-up documents were "
                    + "changed after the migration, in fields the rewrite touched; restoring their originals would "
                    + "overwrite those changes, so nothing was changed. Keep the application's writes paused, then "
                    + "either re-run with --overwrite-changed to restore every original anyway, or correct those "
                    + "documents first." + (count[0] > changed.size() ? " The first " + changed.size() + ":" : ""),
                    changed, null);
        }
    }

    /** For each document changed since the migration, "key: field 'name'" (the first such field). */
    private static List<String> changesSinceMigration(WorkerPool pool, DocumentRewriter rewriter, MigrationPlan plan,
                                                      List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> checks = documents.stream().map(rewriter::existenceChecks).toList();
        int[] names = namesPresent(pool, checks);
        List<BackupRecord.DocumentOriginal> present = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            List<DocumentStore.Command> check = checks.get(i);
            if (names[i] == 0b11) { // the restore would write the originals into whatever now has the old name
                changes.add(new String(check.get(0).args().get(0), StandardCharsets.UTF_8) + ": created again "
                        + "beside the moved document '" + new String(check.get(1).args().get(0),
                        StandardCharsets.UTF_8) + "'");
            } else if (names[i] != 0) {
                present.add(documents.get(i));
                keys.add(check.get(names[i] == 0b10 ? 1 : 0).args().get(0));
            }
        }
        List<String> fields = rewriter.fieldsToRead();
        if (present.isEmpty() || fields.isEmpty()) { // no fields: a key move alone, nothing to overwrite
            return changes;
        }
        boolean hash = plan.rewrite().orElseThrow().storage() == StorageType.HASH;
        List<byte[][]> current = hash ? pool.read(store -> store.readHashFields(keys, fields))
                : pool.read(store -> store.readJson(keys, fields)).stream()
                        .map(reply -> reply == null ? new byte[fields.size()][] : DocumentRewriter.jsonValues(fields,
                                reply)).toList();
        for (int i = 0; i < present.size(); i++) {
            BackupRecord.DocumentOriginal original = present.get(i);
            Map<String, byte[]> rewritten = rewriter.rewritten(original);
            for (BackupRecord.FieldOriginal field : original.fields()) {
                byte[] now = current.get(i)[fields.indexOf(field.name())];
                if (!Arrays.equals(now, field.value()) && !Arrays.equals(now, rewritten.get(field.name()))) {
                    changes.add(new String(keys.get(i), StandardCharsets.UTF_8) + ": field '" + field.name() + "'");
                    break;
                }
            }
        }
        return changes;
    }

    /**
     * The documents that still exist under their old or new name. One deleted since the migration stays deleted:
     * writing its originals back would bring back a hash holding only the rewritten fields, and a JSON path cannot
     * be set in a missing key at all. (A document deleted between this check and its restore is not covered; the
     * application's writes are paused during a rollback, as during the rewrite.)
     */
    private static List<BackupRecord.DocumentOriginal> existing(WorkerPool pool, DocumentRewriter rewriter,
                                                               List<BackupRecord.DocumentOriginal> documents) {
        int[] names = namesPresent(pool, documents.stream().map(rewriter::existenceChecks).toList());
        List<BackupRecord.DocumentOriginal> present = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            if (names[i] != 0) {
                present.add(documents.get(i));
            }
        }
        return present;
    }

    /**
     * Runs each document's existence checks ({@link DocumentRewriter#existenceChecks}); per document, a bit for each
     * name that exists (bit 0 the old name, bit 1 the new one).
     */
    private static int[] namesPresent(WorkerPool pool, List<List<DocumentStore.Command>> checks) {
        List<List<Object>> replies = pool.executeDocuments(checks);
        int[] names = new int[checks.size()];
        for (int i = 0; i < checks.size(); i++) {
            List<Object> reply = replies.get(i);
            reply.forEach(BackupRestorer::checkReply);
            for (int name = 0; name < reply.size(); name++) {
                if (reply.get(name) instanceof Long n && n > 0) {
                    names[i] |= 1 << name;
                }
            }
        }
        return names;
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
        Optional<IndexInfo> live = reader.findPhysical(target);
        IndexSchema source = plan.source().schema();
        if (live.isPresent() && !VisibleSchema.matches(source.withName(target), live.get().schema())) {
            session.call("FT.DROPINDEX", target);
        }
    }

    private String recreateSourceIndex(MigrationPlan plan) {
        LiveIndexReader reader = new LiveIndexReader(session);
        IndexSchema source = plan.source().schema();
        Optional<IndexInfo> existing = reader.findPhysical(source.name());
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
