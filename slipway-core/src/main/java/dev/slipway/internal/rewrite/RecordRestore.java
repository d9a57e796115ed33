package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.redis.RedisCommandException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The restore of one backup record's documents ({@link BackupRestorer}): those that still exist are moved back to
 * their old names where the rewrite moved them, then get their original fields back. Restoring a record again
 * changes nothing the first try restored, so a stopped or retried restore simply sends it again.
 */
final class RecordRestore {
    /**
     * What a restore that stopped on a busy server says: by then the migrated index is dropped and records are
     * restored (tester session 35 R19 M4: it said "nothing was changed by it").
     */
    static final String RESUME_RESTORE = "The rollback stopped part way: the migrated index is dropped and "
            + "the original is not built yet, so the index is not served until the rollback finishes. Re-run the same "
            + "rollback when the server is free to continue; restored records are not repeated.";
    private static final int MAX_LISTED = 20;

    private RecordRestore() {
    }

    /**
     * Restores one record's documents: moves them back to their old names, then writes their original fields back;
     * returns how many of them are gone (deleted since the migration, or while being restored).
     */
    static long restoreRecord(WorkerPool pool, DocumentRewriter rewriter, VanishedDocuments vanishing,
                                      List<BackupRecord.DocumentOriginal> documents,
                                      Predicate<BackupRecord.DocumentOriginal> lastOriginal) {
        List<BackupRecord.DocumentOriginal> present = existing(pool, rewriter, documents);
        List<BackupRecord.DocumentOriginal> renamed = renameBack(pool, rewriter, present);
        long vanished = restoreFields(pool, rewriter, vanishing, renamed, lastOriginal);
        if (renamed.size() < present.size()) {
            refuseBlockedRenames(present, renamed, rewriter);
        }
        // a document a later record backs up again is counted there
        return documents.stream().filter(lastOriginal).count() - present.stream().filter(lastOriginal).count()
                + vanished;
    }

    /**
     * Writes the documents' original fields back; returns how many documents turned out to have been deleted (or to
     * have expired) since their existence was checked: what the restore recreated in them is taken back, so they
     * stay deleted, and a JSON document's refused {@code JSON.SET} is not an error. Only a document's last original
     * ({@code lastOriginal}) is judged so: an earlier one's document was backed up again by a later pass, which
     * rewrote it from another state (a field the application deleted meanwhile), so the earlier record's writes meet
     * a document the migration did not leave as that record says, and its later record decides the fields anyway. A
     * take-back there found the document "changed by another client": the rollback exited 1 with 37 documents named
     * and no other client connected (tester session 52 R46 T1 F1).
     */
    static long restoreFields(WorkerPool pool, DocumentRewriter rewriter, VanishedDocuments vanishing,
                              List<BackupRecord.DocumentOriginal> documents,
                              Predicate<BackupRecord.DocumentOriginal> lastOriginal) {
        List<List<DocumentStore.Command>> commands = documents.stream().map(rewriter.restoring()::restoreFields)
                .toList();
        List<List<Object>> replies = WritesBeforeDeletes.send(pool, commands);
        BusyServer.refuseIfAny(replies);
        for (int i = 0; i < documents.size(); i++) {
            for (int c = 0; c < commands.get(i).size(); c++) {
                Object reply = replies.get(i).get(c);
                DocumentStore.Command command = commands.get(i).get(c);
                WritesBeforeDeletes.refuseSetNothing(command, reply, "Restoring", "Put the parent object back (or "
                        + "restore the document from the backup by hand), then re-run the same rollback to continue.");
                if (!(reply instanceof Exception e && VanishedDocuments.jsonDocumentGone(command, e))) {
                    checkReply(reply);
                }
            }
        }
        // the usual case, nothing vanished, is told first: whether a record is a document's last costs a digest
        return vanishing.settle(pool, documents, commands, replies, (original, writes, sent) ->
                vanishing.takeBackRestore(original, writes, sent).filter(takeBack -> lastOriginal.test(original)),
                "re-run the same rollback to continue");
    }

    /**
     * Moves documents whose key the rewrite moved back to their old names; returns the documents whose fields may be
     * written back: those not moved, those moved back now or by an earlier run ({@code RENAMENX} then finds no key
     * under the new name), but not one whose old name is taken, which the fields would be written into.
     */
    static List<BackupRecord.DocumentOriginal> renameBack(WorkerPool pool, DocumentRewriter rewriter,
                                                                  List<BackupRecord.DocumentOriginal> documents) {
        List<List<DocumentStore.Command>> renames = documents.stream().map(rewriter.restoring()::renameBack).toList();
        if (renames.stream().allMatch(List::isEmpty)) {
            return documents; // no key moved
        }
        List<List<Object>> replies = pool.executeDocuments(renames);
        BusyServer.refuseIfAny(replies);
        List<BackupRecord.DocumentOriginal> renamed = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            replies.get(i).forEach(RecordRestore::checkReply);
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
    static void refuseBlockedRenames(List<BackupRecord.DocumentOriginal> present,
                                             List<BackupRecord.DocumentOriginal> renamed, DocumentRewriter rewriter) {
        List<String> blocked = new ArrayList<>();
        for (BackupRecord.DocumentOriginal document : present) {
            if (!renamed.contains(document)) {
                DocumentStore.Command rename = rewriter.restoring().renameBack(document).get(0);
                blocked.add("'" + DocumentRewriter.shown(rename.args().get(0)) + "' cannot move back to '"
                        + DocumentRewriter.shown(rename.args().get(1)) + "': both exist");
            }
        }
        boolean one = blocked.size() == 1;
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, Wording.count(blocked.size(), "document", "documents")
                + " could not be moved back: " + (one ? "its old name exists" : "their old names exist") + " as well, "
                + "written after the migration (or, under the new name, after a rollback moved the document back), "
                + "and the originals were not written into " + (one ? "that document" : "those "
                + "documents") + ". Delete or rename one of " + (one ? "the pair" : "each pair") + ", then run the "
                + "same rollback again; it continues "
                + "from this batch.", blocked.subList(0, Math.min(blocked.size(), MAX_LISTED)), null);
    }

    /**
     * The documents that still exist under their old or new name. One deleted since the migration stays deleted:
     * writing its originals back would bring back a hash holding only the rewritten fields, and a JSON path cannot
     * be set in a missing key at all. (A document deleted between this check and its restore is not covered; the
     * application's writes are paused during a rollback, as during the rewrite.)
     */
    static List<BackupRecord.DocumentOriginal> existing(WorkerPool pool, DocumentRewriter rewriter,
                                                               List<BackupRecord.DocumentOriginal> documents) {
        int[] names = ChangedSinceMigration.namesPresent(pool,
                documents.stream().map(rewriter.restoring()::existenceChecks).toList(), RESUME_RESTORE);
        List<BackupRecord.DocumentOriginal> present = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            if (names[i] != 0) {
                present.add(documents.get(i));
            }
        }
        return present;
    }

    /** Fails the restore on an error reply, other than one for a key that is gone. */
    static void checkReply(Object reply) {
        if (reply instanceof Exception e && !String.valueOf(e.getMessage()).toLowerCase().contains("no such key")) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Redis rejected a restore command: "
                    + RedisCommandException.withAdvice(e.getMessage()) + " Re-run the same rollback to continue; "
                    + "restored records are not repeated.");
        }
    }
}
