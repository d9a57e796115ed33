package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.rewrite.DocumentRewriter.BatchChanges;
import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.util.List;
import java.util.function.Consumer;

import static dev.slipway.internal.rewrite.DocumentRewriter.text;

/**
 * What a batch's replies say once its writes have landed: an error fails the step (except the two that only mean the
 * document moved or went away before), a {@code RENAMENX} that found its new name taken is a conflict (nothing was
 * overwritten), and a document that vanished between its read and its write is counted, with whatever the write
 * recreated in it taken back ({@link VanishedDocuments}).
 */
final class BatchReplies {
    private final WorkerPool workers;
    private final VanishedDocuments vanishedDocuments;
    private final Consumer<String> conflict;
    private long vanished;
    private long leftBehind;

    /**
     * @param conflict told of each conflict the replies show, as "key: reason"
     */
    BatchReplies(WorkerPool workers, VanishedDocuments vanishedDocuments, Consumer<String> conflict) {
        this.workers = workers;
        this.vanishedDocuments = vanishedDocuments;
        this.conflict = conflict;
    }

    /**
     * Checks the replies of a batch's writes; returns its conflicts, the planned ones and those the replies show.
     *
     * @throws BusyServer when a reply says the server is busy or loading (the batch is to be sent again)
     */
    long check(BatchChanges changes, List<List<Object>> replies) {
        BusyServer.refuseIfAny(replies);
        long renameConflicts = 0;
        for (int doc = 0; doc < replies.size(); doc++) {
            List<Command> commands = changes.writes().get(doc);
            for (int i = 0; i < commands.size(); i++) {
                Object reply = replies.get(doc).get(i);
                WritesBeforeDeletes.refuseSetNothing(commands.get(i), reply, "Writing", "Re-run 'slipway apply' "
                        + "with the same plan to resume; completed batches are kept.");
                if (reply instanceof Exception e && !VanishedDocuments.jsonDocumentGone(commands.get(i), e)) {
                    checkError(commands.get(i), e);
                } else if (commands.get(i).name().equals("RENAMENX") && reply instanceof Long n && n == 0) {
                    renameConflicts++; // the new key appeared after the check: nothing was overwritten
                    conflict.accept(text(commands.get(i).args().get(0)) + ": its new key already exists");
                }
            }
        }
        vanished += vanishedDocuments.settle(workers, changes.originals(), changes.writes(), replies,
                vanishedDocuments::takeBack, "re-run 'slipway apply' with the same plan to resume");
        return changes.conflicts().size() + renameConflicts;
    }

    /**
     * Before a resumed run re-applies a record a killed run backed up: deletes what the killed run's writes brought
     * back of its documents that vanished ({@link VanishedDocuments#partialsLeftBehind}), counted with those this
     * run finds. Through each document's owner connection, as the writes go. Returns how many it deleted.
     *
     * @throws BusyServer when a reply says the server is busy or loading (the check is to be sent again)
     */
    long settleLeftBehind(BackupRecord record) {
        return VanishedDocuments.deleteLeftBehind(workers, vanishedDocuments.partialsLeftBehind(record), deleted -> {
            vanished += deleted;
            leftBehind += deleted;
        }, "Re-run 'slipway apply' with the same plan to resume; completed batches are kept.");
    }

    /** Of {@link #vanished()}, the documents an earlier, killed run had brought back in part, deleted by this one. */
    long leftBehind() {
        return leftBehind;
    }

    /** Documents found deleted or expired between their read and their write so far, left deleted. */
    long vanished() {
        return vanished;
    }

    /** Documents that lost a rewritten field to another client between their read and their write, left without it. */
    long fieldsRemoved() {
        return vanishedDocuments.fieldsRemoved();
    }

    private static void checkError(Command command, Exception e) {
        String message = String.valueOf(e.getMessage()).replaceAll("\\.+$", "");
        // a resumed batch may rename a key an earlier run already renamed
        if (!(command.name().equals("RENAMENX") && message.toLowerCase().contains("no such key"))) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Redis rejected " + command.name() + " on '"
                    + text(command.args().get(0)) + "': " + message + ". Re-run 'slipway apply' with the same plan "
                    + "to resume; completed batches are kept.");
        }
    }

}
