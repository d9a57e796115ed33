package dev.slipway.internal.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.redis.RedisSession;

import java.util.Optional;

/** Reads and writes checkpoints as JSON strings under Slipway's namespace. */
public final class CheckpointStore {
    private final RedisSession session;
    private final KeyNamespace keys;

    /** A store on the given session and namespace. */
    public CheckpointStore(RedisSession session, KeyNamespace keys) {
        this.session = session;
        this.keys = keys;
    }

    /** The checkpoint of an index name, if one exists. */
    public Optional<Checkpoint> load(String index) {
        String json = session.callString("GET", keys.checkpoint(index));
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

    /** Writes the checkpoint. */
    public void save(Checkpoint checkpoint) {
        try {
            session.call("SET", keys.checkpoint(checkpoint.index()), PlanCodec.json().writeValueAsString(checkpoint));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a checkpoint always serialises", e);
        }
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
