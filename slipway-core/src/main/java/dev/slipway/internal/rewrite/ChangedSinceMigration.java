package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.ProgressTask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rollback's check before it changes anything: a backed-up document that holds, in a field the rewrite touched,
 * a value that is neither its original nor what the rewrite wrote there was written by the application after the
 * migration, and restoring the original would lose it. A field still in its original state (a batch backed up but
 * not yet rewritten when the run stopped) is not a change.
 */
final class ChangedSinceMigration {
    private static final int MAX_LISTED = 20;
    private final WorkerPool pool;
    private final DocumentRewriter rewriter;
    private final MigrationPlan plan;
    private final ProgressListener progress;
    private StopSignal stop = new StopSignal();

    ChangedSinceMigration(WorkerPool pool, DocumentRewriter rewriter, MigrationPlan plan, ProgressListener progress) {
        this.pool = pool;
        this.rewriter = rewriter;
        this.plan = plan;
        this.progress = progress;
    }

    /** What asks the check to stop (between records; nothing has changed yet). */
    ChangedSinceMigration stopSignal(StopSignal signal) {
        this.stop = signal;
        return this;
    }

    /**
     * Reads every backed-up document not yet restored that still exists, and refuses (nothing changed by this run)
     * when one was changed since the migration, listing the first {@value #MAX_LISTED}. A document that a later
     * record backs up again is judged by that record only. A {@code resumed} rollback checks the records its stopped
     * run did not restore (tester session 37 R23 F2: a change made between the two runs was overwritten unseen), but
     * not those of a later pass of the rewrite: such a document may hold the earlier original the stopped run restored.
     */
    void refuseIfAny(BackupDirectory backup, SupersededOriginals superseded, boolean resumed) {
        List<String> changed = new ArrayList<>();
        long[] count = {0};
        long[] checked = {0};
        long restoredBefore = backup.header().recordsRestored();
        long[] index = {0};
        Long firstPass = backup.header().firstPassBatches();
        try (ProgressTask task = ProgressTask.begin(progress, "checking for changes since the migration",
                backup.header().documentsBackedUp(), "docs")) {
            backup.forEachRecord(0, record -> {
                if (index[0] < restoredBefore) {
                    // restored by the stopped run: counted, not checked (tester session 44 R38 F6: the resumed
                    // check ended at "12874/20000")
                    index[0]++;
                    checked[0] += record.documents().size();
                    task.update(checked[0]);
                    return;
                }
                stop.stopHereIfRequested("The rollback's check for documents changed since the migration stopped "
                        + "after " + checked[0] + " documents, before anything changed. Re-run the same rollback to "
                        + "start again.");
                long at = index[0]++;
                // a document backed up again by a later pass is judged by its last original, which it ends on
                List<BackupRecord.DocumentOriginal> last = resumed && firstPass != null && at >= firstPass ? List.of()
                        : record.documents().stream().filter(document -> !superseded.superseded(at, document.key()))
                        .toList();
                for (String change : changes(last)) {
                    count[0]++;
                    if (changed.size() < MAX_LISTED) {
                        changed.add(change);
                    }
                }
                checked[0] += record.documents().size();
                task.update(checked[0]);
            });
            task.finished();
        }
        if (count[0] > 0) {
            throw new SlipwayException(ErrorCode.CONFIRMATION_REQUIRED, (count[0] == 1 ? "1 backed-up document was"
                    : count[0] + " backed-up documents were") + " changed since the rewrite backed "
                    + (count[0] == 1 ? "it" : "them") + " up (during the migration, or after it), in fields the "
                    + "rewrite touched; restoring their originals would overwrite those changes, so " + (resumed
                    ? "this run "
                    + "changed nothing (the stopped rollback before it restored " + backup.header().recordsRestored()
                    + " of " + backup.header().batchesBackedUp() + " records, and '" + plan.servedName() + "' is not "
                    + "served until the rollback finishes). " : "nothing was changed. ")
                    + (backup.header().passUnfinished() ? "A pass of the rewrite is unfinished: re-running 'slipway "
                    + "apply' with the same plan finishes it, backing up the documents it finds in the old form (such "
                    + "as these, if the application wrote them so; one that holds both the old and the new form is "
                    + "refused as a conflict, and must be corrected first), and a rollback after that restores their "
                    + "latest values instead of overwriting them. Otherwise, k" : "K") + "eep the application's writes "
                    + "paused, then either re-run with --overwrite-changed to restore every original anyway, or "
                    + "correct those documents first." + (count[0] > changed.size() ? " The first " + changed.size()
                    + ":" : ""), changed, null);
        }
    }

    /** For each document changed since the migration, "key: field 'name'" (the first such field). */
    private List<String> changes(List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> checks = documents.stream().map(rewriter.restoring()::existenceChecks).toList();
        int[] names = namesPresent(pool, checks, "Re-run the same command; nothing was changed by it.");
        List<BackupRecord.DocumentOriginal> present = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            List<DocumentStore.Command> check = checks.get(i);
            if (names[i] == 0b11) { // the restore would write the originals into whatever now has the old name
                changes.add(DocumentRewriter.shown(check.get(0).args().get(0)) + ": created again beside the moved document '"
                        + DocumentRewriter.shown(check.get(1).args().get(0)) + "'");
            } else if (names[i] != 0) {
                present.add(documents.get(i));
                keys.add(check.get(names[i] == 0b10 ? 1 : 0).args().get(0));
            }
        }
        List<String> fields = rewriter.fieldsToRead();
        if (present.isEmpty() || fields.isEmpty()) { // no fields: a key move alone, nothing to overwrite
            return changes;
        }
        List<byte[][]> current = currentValues(keys, fields);
        Map<Integer, String> changed = new java.util.LinkedHashMap<>(); // document -> its first changed field
        for (int i = 0; i < present.size(); i++) {
            int at = i;
            changedField(present.get(i), current.get(i), fields).ifPresent(field -> changed.put(at, field));
        }
        // every field gone: deleted (or expired) since the existence check, or emptied
        List<Integer> emptied = changed.keySet().stream()
                .filter(i -> Arrays.stream(current.get(i)).allMatch(java.util.Objects::isNull)).toList();
        boolean[] vanished = vanished(present, emptied);
        changed.forEach((i, field) -> {
            if (!vanished[i]) {
                changes.add(DocumentRewriter.shown(keys.get(i)) + ": field '" + field + "'");
            }
        });
        return changes;
    }

    /**
     * Which of the documents whose fields were all gone at the read no longer exist under either name: deleted or
     * expired between the existence check and the read, which the restore counts as deleted, not a change (tester
     * session 53 R47 T2 F3: documents expiring during the check refused the rollback as "changed in field 'emb'").
     */
    private boolean[] vanished(List<BackupRecord.DocumentOriginal> present, List<Integer> emptied) {
        boolean[] vanished = new boolean[present.size()];
        if (emptied.isEmpty()) {
            return vanished;
        }
        List<List<DocumentStore.Command>> checks = emptied.stream()
                .map(i -> rewriter.restoring().existenceChecks(present.get(i))).toList();
        int[] names = namesPresent(pool, checks, "Re-run the same command; nothing was changed by it.");
        for (int j = 0; j < emptied.size(); j++) {
            vanished[emptied.get(j)] = names[j] == 0;
        }
        return vanished;
    }

    /**
     * The first field the rewrite touched that holds neither its original nor what the rewrite wrote; or, for a
     * field move, the new field when the old one is gone but the new one does not hold the moved value (the rewrite
     * writes the new field before it deletes the old one, so only someone else leaves a document that way).
     */
    private Optional<String> changedField(BackupRecord.DocumentOriginal original, byte[][] now, List<String> fields) {
        Map<String, byte[]> rewritten = rewriter.rewritten(original);
        Map<String, BackupRecord.FieldOriginal> originals = new HashMap<>();
        long clock = System.currentTimeMillis();
        for (BackupRecord.FieldOriginal field : original.fields()) {
            byte[] value = now[fields.indexOf(field.name())];
            boolean expired = value == null && expiredBy(field, clock);
            if (!expired && !Arrays.equals(value, field.value())
                    && !Arrays.equals(value, rewritten.get(field.name()))) {
                return Optional.of(field.name());
            }
            originals.put(field.name(), field);
        }
        for (RewriteSpec.FieldMove move : plan.rewrite().orElseThrow().fieldMoves()) {
            BackupRecord.FieldOriginal from = originals.get(move.from());
            boolean movedAway = from != null && from.value() != null && now[fields.indexOf(move.from())] == null;
            byte[] moved = now[fields.indexOf(move.to())];
            // the moved field keeps the old one's expiry: gone once it passed, which is not a change
            boolean expired = moved == null && expiredBy(from, clock);
            if (movedAway && !expired && !Arrays.equals(moved, rewritten.get(move.to()))) {
                return Optional.of(move.to());
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a hash field's own expiry, recorded with its original, has passed: the server deleted it, which is no
     * application write (tester session 28: 434 documents whose fields had simply expired refused the rollback). By
     * this host's clock; a server clock ahead of it can only make an expired field look changed, never hide a
     * change.
     */
    private static boolean expiredBy(BackupRecord.FieldOriginal field, long clock) {
        return field != null && field.expiresAt() > 0 && field.expiresAt() <= clock;
    }

    /** The fields' current values per key, as the rewrite reads them. */
    private List<byte[][]> currentValues(List<byte[]> keys, List<String> fields) {
        if (plan.rewrite().orElseThrow().storage() == StorageType.HASH) {
            return pool.read(store -> store.readHashFields(keys, fields));
        }
        return pool.read(store -> store.readJson(keys, fields)).stream()
                .map(reply -> reply == null ? new byte[fields.size()][] : DocumentRewriter.jsonValues(fields, reply))
                .toList();
    }

    /**
     * Runs each document's existence checks ({@link RestoreCommands#existenceChecks}); per document, a bit for each
     * name that exists (bit 0 the old name, bit 1 the new one). {@code resume} says what to do when the server stays
     * busy: the checks change nothing, but what runs them may have changed much already (a rollback part way).
     */
    static int[] namesPresent(WorkerPool pool, List<List<DocumentStore.Command>> checks, String resume) {
        List<List<Object>> replies = BusyServer.readOnly(pool, checks, "the documents' existence checks", resume);
        int[] names = new int[checks.size()];
        for (int i = 0; i < checks.size(); i++) {
            List<Object> reply = replies.get(i);
            reply.forEach(RecordRestore::checkReply);
            for (int name = 0; name < reply.size(); name++) {
                if (reply.get(name) instanceof Long n && n > 0) {
                    names[i] |= 1 << name;
                }
            }
        }
        return names;
    }

}
