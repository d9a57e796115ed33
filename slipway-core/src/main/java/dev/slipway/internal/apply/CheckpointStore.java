package dev.slipway.internal.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes checkpoints as JSON strings under Slipway's namespace. A {@link #fenced} store, the one a run of
 * apply keeps, writes a checkpoint only over the one it read or wrote last: see {@link #save}.
 */
public final class CheckpointStore {
    /** SET KEYS[1] ARGV[1] when the key holds ARGV[2] ('' for none); 1 when set, 0 when not. */
    private static final String COMPARE_AND_SET = "local now = redis.call('GET', KEYS[1]) "
            + "if (now == false and ARGV[2] == '') or now == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1]) "
            + "return 1 end return 0";

    private final RedisSession session;
    private final KeyNamespace keys;
    private final boolean fenced;
    /** For a fenced store, by index name: the JSON it read or wrote last ("" when there was none). */
    private final Map<String, String> last = new HashMap<>();

    /** A store on the given session and namespace. */
    public CheckpointStore(RedisSession session, KeyNamespace keys) {
        this(session, keys, false);
    }

    private CheckpointStore(RedisSession session, KeyNamespace keys, boolean fenced) {
        this.session = session;
        this.keys = keys;
        this.fenced = fenced;
    }

    /**
     * A store that writes a checkpoint only while the key still holds what this store read or wrote last. A server
     * that restarted from an older snapshot (or a failover to a replica that lagged) has lost the later checkpoints
     * and, with them, the changes they recorded, such as the drop of the index: a run that carried on and saved its
     * own made every later run trust steps the server no longer reflected (tester session 35 R19 M1: the original
     * index back, the re-run rewrote every document under it, then failed to create the new one; after a restart
     * during the wait for indexing, every re-run failed validation).
     */
    public static CheckpointStore fenced(RedisSession session, KeyNamespace keys) {
        return new CheckpointStore(session, keys, true);
    }

    /** The checkpoint of an index name, if one exists. */
    public Optional<Checkpoint> load(String index) {
        String json = session.callString("GET", keys.checkpoint(index));
        if (fenced) {
            last.put(index, json == null ? "" : json);
        }
        if (json == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PlanCodec.json().readValue(json, Checkpoint.class));
        } catch (JsonProcessingException e) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The checkpoint at key '"
                    + keys.checkpoint(index) + "' is not readable: " + e.getOriginalMessage()
                    + ". Inspect it with GET; delete it only if no migration of '" + index + "' is in progress.", e);
        }
    }

    /**
     * Writes the checkpoint. A fenced store writes it only over the one it read or wrote last (an index it never
     * read: over none).
     *
     * @throws SlipwayException {@link ErrorCode#MIGRATION_FAILED} when a fenced store finds another checkpoint, or
     *                          none, under the key: nothing is written
     */
    public void save(Checkpoint checkpoint) {
        String json;
        try {
            json = PlanCodec.json().writeValueAsString(checkpoint);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a checkpoint always serialises", e);
        }
        String key = keys.checkpoint(checkpoint.index());
        if (!fenced) {
            session.call("SET", key, json);
            return;
        }
        String expected = last.getOrDefault(checkpoint.index(), "");
        if (RedisReplies.whole(session.call("EVAL", COMPARE_AND_SET, "1", key, json, expected)) != 1) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The checkpoint of this migration (key " + key
                    + ") is no longer the one this run saved last: the server lost it or went back to an older copy "
                    + "(a restart from an older snapshot, a failover to a replica that lagged), evicted it (at "
                    + "maxmemory with a policy that evicts: then documents may have gone too), or another process "
                    + "changed it. What the server holds may not reflect this run's steps, so nothing more was "
                    + "written. Run 'slipway status', then re-run 'slipway apply' with the same plan: it continues "
                    + "from what the server holds, and the rewrite reads every document again.");
        }
        last.put(checkpoint.index(), json);
    }

    /** The index names that have a checkpoint, sorted. */
    public java.util.List<String> names() {
        return session.keysStartingWith(keys.checkpoint(""));
    }

    /** Removes the checkpoint of an index name, and what its migration recorded of the source beside it. */
    public void delete(String index) {
        session.call("DEL", keys.checkpoint(index), keys.sourceFailures(index));
    }
}
