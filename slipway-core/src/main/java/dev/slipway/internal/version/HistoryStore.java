package dev.slipway.internal.version;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

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

    /**
     * The served name whose history records {@code physical} as one of its versions, with that version, when
     * {@code physical} is not itself a served name: a name such as {@code products:v2} given where the served name
     * {@code products} is meant. Callers ask only for a name without a history of its own, which they have loaded.
     */
    public Optional<Map.Entry<String, VersionHistory.VersionEntry>> versionOwner(String physical) {
        return owner(physical, served -> true, entry -> true);
    }

    /** The first served name {@code among} whose history records {@code physical} as a version that is {@code such}. */
    private Optional<Map.Entry<String, VersionHistory.VersionEntry>> owner(String physical, Predicate<String> among,
                                                                           Predicate<VersionHistory.VersionEntry> such) {
        for (String served : names()) {
            Optional<VersionHistory.VersionEntry> entry = among.test(served)
                    ? load(served).entry(physical).filter(such) : Optional.empty();
            if (entry.isPresent()) {
                return Optional.of(Map.entry(served, entry.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * {@link #versionOwner}, unless that version was dropped: a dropped version's name is free again (an index
     * created under it since is the user's).
     */
    public Optional<Map.Entry<String, VersionHistory.VersionEntry>> liveVersionOwner(String physical) {
        return versionOwner(physical).filter(o -> o.getValue().state() != VersionHistory.State.DROPPED);
    }

    /**
     * Refuses, with nothing changed, a version's own name given to a verb that acts on a served name; the message
     * names the served name to use. A dropped version's name is free again.
     */
    public void refuseVersionName(String name, String verb) {
        liveVersionOwner(name).ifPresent(owner -> {
            VersionHistory.VersionEntry v = owner.getValue();
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + name + "' is version " + v.version() + " of '"
                    + owner.getKey() + "' (" + v.state().name().toLowerCase() + "), a physical index behind Slipway's "
                    + "alias '" + owner.getKey() + "', not a served name; nothing was changed. " + verb
                    + " through the served name: --index " + owner.getKey() + ".");
        });
    }

    /**
     * Refuses, with nothing changed, a name without a history of its own that is an alias of {@code physical}, a live
     * version of a managed name: migrated through it, that version became the alias's to prune, and the managed name
     * lost its index (tester session 40 R29 F1).
     */
    public void refuseAliasOfVersion(String alias, String physical) {
        if (physical.equals(alias)) {
            return;
        }
        liveVersionOwner(physical).ifPresent(owner -> {
            VersionHistory.VersionEntry v = owner.getValue();
            throw new SlipwayException(ErrorCode.BAD_USAGE, "'" + alias + "' is an alias of '" + physical + "', "
                    + "version " + v.version() + " of '" + owner.getKey() + "' (" + v.state().name().toLowerCase()
                    + "), which Slipway migrates through the name '" + owner.getKey() + "'; nothing was changed. Plan "
                    + "the change through --index " + owner.getKey() + ", or point '" + alias + "' at an index of "
                    + "its own.");
        });
    }

    /**
     * Another served name than {@code name} whose history records {@code physical} as its active or a retained
     * version (not dropped), with that version: an index two names share, which neither may drop alone.
     */
    public Optional<Map.Entry<String, VersionHistory.VersionEntry>> otherLiveOwner(String physical, String name) {
        return owner(physical, served -> !served.equals(name), e -> e.state() != VersionHistory.State.DROPPED);
    }

    /**
     * For a message about a name that is nothing: the indexes that exist, and the names Slipway serves through an
     * alias (a misspelt one may be either).
     */
    public String namesOnServer(LiveIndexReader reader) {
        List<String> managed = names();
        return reader.existingIndexes() + (managed.isEmpty() ? "" : " Names Slipway serves through an alias: "
                + String.join(", ", managed) + ".");
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
