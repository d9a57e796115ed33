package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Sends documents' commands so that no field is deleted, and no key moved, unless the document's writes landed. A
 * field move is a write of the new field and a delete of the old one; pipelined together, a write the server
 * rejects (out of memory under {@code maxmemory}: a growing write is refused, a delete or rename is not) would be
 * followed by the delete anyway, and the value would be gone from the document. A resumed run plans from the live
 * documents, so it would not even notice. A key moved to a new prefix with its conversion refused would not be
 * scanned again (the resumed pass scans the old prefix) and would keep the old vector bytes. So each document's
 * commands are split at its first {@code HDEL} / {@code JSON.DEL} / {@code RENAMENX} (the planner puts every
 * delete and the key move after every write), the heads of a batch are sent first, and only a document whose head
 * replies hold no error and no refused {@code JSON.SET} (a nil reply: nothing was set) gets the rest. The cost is
 * one more round trip per batch, and only for batches that both write and then delete or move something.
 */
final class WritesBeforeDeletes {
    /** The reply recorded for a command held back because a write before it failed. */
    static final Object NOT_SENT = new Object() {
        @Override
        public String toString() {
            return "(not sent: a write before it failed)";
        }
    };

    private WritesBeforeDeletes() {
    }

    /** Sends each document's commands as {@link WorkerPool#executeDocuments} does; returns replies per document. */
    static List<List<Object>> send(WorkerPool pool, List<List<Command>> documents) {
        int[] split = new int[documents.size()];
        boolean guarded = false;
        for (int doc = 0; doc < documents.size(); doc++) {
            split[doc] = firstDeleteOrMove(documents.get(doc));
            guarded |= hasTail(documents.get(doc), split[doc]);
        }
        if (!guarded) {
            return pool.executeDocuments(documents);
        }
        List<List<Command>> heads = new ArrayList<>(documents.size());
        for (int doc = 0; doc < documents.size(); doc++) {
            List<Command> commands = documents.get(doc);
            heads.add(hasTail(commands, split[doc]) ? commands.subList(0, split[doc]) : commands);
        }
        List<List<Object>> headReplies = pool.executeDocuments(heads);
        boolean[] sendTail = new boolean[documents.size()];
        List<List<Command>> tails = new ArrayList<>();
        for (int doc = 0; doc < documents.size(); doc++) {
            List<Command> commands = documents.get(doc);
            sendTail[doc] = hasTail(commands, split[doc]) && landed(heads.get(doc), headReplies.get(doc));
            if (sendTail[doc]) {
                tails.add(commands.subList(split[doc], commands.size()));
            }
        }
        List<List<Object>> tailReplies = pool.executeDocuments(tails);
        List<List<Object>> replies = new ArrayList<>(documents.size());
        int tail = 0;
        for (int doc = 0; doc < documents.size(); doc++) {
            List<Object> all = new ArrayList<>(headReplies.get(doc));
            all.addAll(sendTail[doc] ? tailReplies.get(tail++)
                    : Collections.nCopies(documents.get(doc).size() - all.size(), NOT_SENT));
            replies.add(all);
        }
        return replies;
    }

    /** Whether a document's commands have writes before {@code split} and deletes or a key move from it on. */
    private static boolean hasTail(List<Command> commands, int split) {
        return split > 0 && split < commands.size();
    }

    /** The position of the first delete or key move, or the number of commands when there is none. */
    static int firstDeleteOrMove(List<Command> commands) {
        for (int i = 0; i < commands.size(); i++) {
            String name = commands.get(i).name();
            if (name.equals("HDEL") || name.equals("JSON.DEL") || name.equals("RENAMENX")) {
                return i;
            }
        }
        return commands.size();
    }

    /**
     * Whether a reply is a {@code JSON.SET} that set nothing (a nil reply): the path's parent is missing or not an
     * object. A field moves within its parent object, so this only happens when another client removed or replaced
     * the parent after the document was read.
     */
    static boolean setNothing(Command command, Object reply) {
        return reply == null && command.name().equals("JSON.SET");
    }

    /**
     * Fails the step on a {@code JSON.SET} that set nothing ({@link #setNothing}); none of the document's deletes
     * was sent after it.
     *
     * @param doing what the write was for ("Writing", "Restoring")
     * @param next  what the user runs to continue
     */
    static void refuseSetNothing(Command command, Object reply, String doing, String next) {
        if (setNothing(command, reply)) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, doing + " path '"
                    + DocumentRewriter.text(command.args().get(1)) + "' of '" + DocumentRewriter.text(command.key())
                    + "' set nothing: its parent object is gone, so another client changed the document after "
                    + "Slipway read it. Nothing of it was deleted. " + next);
        }
    }

    private static boolean landed(List<Command> head, List<Object> replies) {
        for (int i = 0; i < head.size(); i++) {
            Object reply = replies.get(i);
            if (reply instanceof Exception || setNothing(head.get(i), reply)) {
                return false;
            }
        }
        return true;
    }
}
