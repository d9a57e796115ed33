package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Sends documents' commands so that no field is deleted unless the document's writes landed, and no key moved
 * unless its writes and deletes landed. A
 * field move is a write of the new field and a delete of the old one; pipelined together, a write the server
 * rejects (out of memory under {@code maxmemory}: a growing write is refused, a delete or rename is not) would be
 * followed by the delete anyway, and the value would be gone from the document. A resumed run plans from the live
 * documents, so it would not even notice. A key moved to a new prefix with its conversion refused would not be
 * scanned again (the resumed pass scans the old prefix) and would keep the old vector bytes; for the same reason a
 * key moved while the delete of a moved-away field was refused (an ACL without {@code HDEL}, say) would keep the old
 * field for good, since a resumed run takes a moved key as done. So each document's commands are split into its
 * writes, its deletes ({@code HDEL} / {@code JSON.DEL}) and its key move ({@code RENAMENX}), the planner's order;
 * a batch's documents go phase by phase, and a document gets its next phase only while every reply of the earlier
 * ones holds no error and no refused {@code JSON.SET} (a nil reply: nothing was set). The cost is a round trip per
 * phase a batch uses beyond the first: one for batches that write and then delete or move, two for those that
 * write, delete and move.
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
        int[][] cuts = new int[documents.size()][];
        boolean guarded = false;
        for (int doc = 0; doc < documents.size(); doc++) {
            cuts[doc] = phases(documents.get(doc));
            guarded |= nonEmptyPhases(cuts[doc]) > 1;
        }
        if (!guarded) {
            return pool.executeDocuments(documents);
        }
        List<List<Object>> replies = new ArrayList<>(documents.size());
        boolean[] stopped = new boolean[documents.size()];
        for (int doc = 0; doc < documents.size(); doc++) {
            replies.add(new ArrayList<>(documents.get(doc).size()));
        }
        for (int phase = 0; phase < PHASES; phase++) {
            List<Integer> senders = new ArrayList<>();
            List<List<Command>> sent = new ArrayList<>();
            for (int doc = 0; doc < documents.size(); doc++) {
                int from = cuts[doc][phase];
                int to = cuts[doc][phase + 1];
                if (from < to && !stopped[doc]) {
                    senders.add(doc);
                    sent.add(documents.get(doc).subList(from, to));
                }
            }
            if (sent.isEmpty()) {
                continue;
            }
            List<List<Object>> phaseReplies = pool.executeDocuments(sent);
            for (int i = 0; i < senders.size(); i++) {
                int doc = senders.get(i);
                replies.get(doc).addAll(phaseReplies.get(i));
                stopped[doc] = !landed(sent.get(i), phaseReplies.get(i));
            }
        }
        for (int doc = 0; doc < documents.size(); doc++) {
            List<Object> all = replies.get(doc);
            all.addAll(Collections.nCopies(documents.get(doc).size() - all.size(), NOT_SENT));
        }
        return replies;
    }

    /** Writes, then deletes, then the key move. */
    private static final int PHASES = 3;

    /**
     * Where a document's phases begin and end: {@code [0, first delete or move, first key move, size]}. The planner
     * puts every write before every delete, and the key move last.
     */
    static int[] phases(List<Command> commands) {
        int deletes = firstDeleteOrMove(commands);
        int move = deletes;
        while (move < commands.size() && !commands.get(move).name().equals("RENAMENX")) {
            move++;
        }
        return new int[] {0, deletes, move, commands.size()};
    }

    private static int nonEmptyPhases(int[] cuts) {
        int phases = 0;
        for (int phase = 0; phase < PHASES; phase++) {
            phases += cuts[phase] < cuts[phase + 1] ? 1 : 0;
        }
        return phases;
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
                    + DocumentRewriter.shown(command.args().get(1)) + "' of '" + DocumentRewriter.shown(command.key())
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
