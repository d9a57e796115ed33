package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.redis.RedisSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How many batches of a rewrite landed, kept in Redis ("plan-id count", a string key of Slipway's namespace) beside
 * the backup's records, each of which is on disk before its batch is sent. A resume that finds fewer records than
 * Redis says landed is refused: the backup lost records after they were written (a file system that did not keep
 * what fsync promised, a copy of the directory cut short). Resumed over it, the rewrite read the documents of the
 * lost batches again, took their new bytes for what they held before the migration, and the rollback left them so:
 * 487 documents kept float16 vectors the index could not read, rollback exit 0 (tester session 53 R47 T1 H4).
 *
 * <p>Written after each batch landed, one {@code SET} on a writing connection, at best effort: a count that stays
 * behind (a kill between a batch and its count, a lost connection) only lets a smaller loss go unseen; a server
 * restarted from an older snapshot can only make it smaller. Deleted once the rewrite has read every document. A
 * lost lock is not best effort: it is thrown, so that the run stops at once instead of at its next batch (or, after
 * the last one, at its next step) and reports the lock.
 */
public final class BatchesLanded {
    private static final Logger LOG = LoggerFactory.getLogger(BatchesLanded.class);
    private final String key;
    private final String planId;

    BatchesLanded(String key, String planId) {
        this.key = key;
        this.planId = planId;
    }

    void record(WorkerPool workers, long landed) {
        send(workers, "SET", planId + " " + landed);
    }

    void clear(WorkerPool workers) {
        send(workers, "DEL", null);
    }

    private void send(WorkerPool workers, String command, String value) {
        try {
            List<byte[]> args = value == null ? List.of(bytes(key)) : List.of(bytes(key), bytes(value));
            workers.executeDocuments(List.of(List.of(new DocumentStore.Command(command, args))));
        } catch (SlipwayException e) {
            if (e.code() == ErrorCode.LOCK_HELD) {
                throw e;
            }
            LOG.debug("Could not record the batches landed in '{}': {}", key, e.getMessage());
        } catch (RuntimeException e) {
            LOG.debug("Could not record the batches landed in '{}': {}", key, e.getMessage());
        }
    }

    /**
     * Refuses (exit 2, nothing changed) a resume of plan {@code planId} whose backup holds fewer records than Redis
     * says landed.
     */
    public static void refuseIfRecordsWereLost(RedisSession session, String key, String planId, long records,
                                               String dir) {
        String value = session.callString("GET", key);
        if (value == null || !value.startsWith(planId + " ")) {
            return;
        }
        long landed = Long.parseLong(value.substring(planId.length() + 1).strip());
        if (landed <= records) {
            return;
        }
        throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "The backup in " + dir + " holds " + records
                + " records, but " + landed + " batches of this rewrite landed in Redis ('" + key + "'): the records "
                + "of the last " + (landed - records) + " were lost after they were written (a file system that did "
                + "not keep what fsync promised, or a copy of the directory cut short). Nothing was changed by this "
                + "run: resumed, the rewrite would take those documents, already rewritten, for documents that were "
                + "so before the migration, and no rollback could give their originals back. If you have a complete "
                + "copy of the directory, put it back and re-run the same apply; otherwise 'slipway rollback "
                + "--backup-dir " + dir + "' restores the documents whose records it holds, and the others stay "
                + "rewritten.");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
