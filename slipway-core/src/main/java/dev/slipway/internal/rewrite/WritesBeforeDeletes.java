package dev.slipway.internal.rewrite;

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
            guarded |= split[doc] > 0 && split[doc] < documents.get(doc).size();
        }
        if (!guarded) {
            return pool.executeDocuments(documents);
        }
        List<List<Command>> heads = new ArrayList<>(documents.size());
        for (int doc = 0; doc < documents.size(); doc++) {
            List<Command> commands = documents.get(doc);
            heads.add(split[doc] == 0 ? commands : commands.subList(0, split[doc]));
        }
        List<List<Object>> headReplies = pool.executeDocuments(heads);
        List<List<Command>> tails = new ArrayList<>();
        List<Integer> tailOwners = new ArrayList<>();
        for (int doc = 0; doc < documents.size(); doc++) {
            List<Command> commands = documents.get(doc);
            if (split[doc] > 0 && split[doc] < commands.size() && landed(heads.get(doc), headReplies.get(doc))) {
                tails.add(commands.subList(split[doc], commands.size()));
                tailOwners.add(doc);
            }
        }
        List<List<Object>> tailReplies = pool.executeDocuments(tails);
        List<List<Object>> replies = new ArrayList<>(documents.size());
        for (int doc = 0; doc < documents.size(); doc++) {
            List<Object> all = new ArrayList<>(headReplies.get(doc));
            int held = documents.get(doc).size() - all.size();
            all.addAll(Collections.nCopies(held, NOT_SENT));
            replies.add(all);
        }
        for (int i = 0; i < tailOwners.size(); i++) {
            List<Object> all = replies.get(tailOwners.get(i));
            int from = all.size() - tailReplies.get(i).size();
            for (int c = 0; c < tailReplies.get(i).size(); c++) {
                all.set(from + c, tailReplies.get(i).get(c));
            }
        }
        return replies;
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
