package dev.slipway.internal.version;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.redis.RedisSession;

import java.util.List;

/** Reads and writes version histories (JSON strings under Slipway's namespace). */
public final class HistoryStore {
    private final RedisSession session;
    private final KeyNamespace keys;

    /** A store on the given session and namespace. */
    public HistoryStore(RedisSession session, KeyNamespace keys) {
        this.session = session;
        this.keys = keys;
    }

    /** The history of a served name; empty when Slipway has never managed it. */
    public VersionHistory load(String name) {
        String json = session.callString("GET", keys.history(name));
        return json == null ? VersionHistory.empty(name) : parse(name, json);
    }

    private VersionHistory parse(String name, String json) {
        try {
            return PlanCodec.json().readValue(json, VersionHistory.class);
        } catch (JsonProcessingException e) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The version history at key '"
                    + keys.history(name) + "' is not readable: " + e.getOriginalMessage() + ". Inspect it with GET "
                    + "before changing anything.", e);
        }
    }

    /** The command that stores a history; sent inside the same transaction as the alias change. */
    public List<String> saveCommand(VersionHistory history) {
        return List.of("SET", keys.history(history.name()), toJson(history));
    }

    /** Writes the history. */
    public void save(VersionHistory history) {
        session.call(saveCommand(history));
    }

    /** Names that have a history, sorted. */
    public List<String> names() {
        return session.keysStartingWith(keys.history(""));
    }

    static String toJson(VersionHistory history) {
        try {
            return PlanCodec.json().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(history);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a history always serialises", e);
        }
    }
}
