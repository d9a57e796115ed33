package dev.slipway.internal.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.redis.RedisSession;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The keys a drop-recreate migration's source index failed to index, recorded before the drop, so that validation
 * can tell a document the new index fails on from one the source failed on too. Counts cannot: a change that fixes
 * documents the source failed on and breaks as many others passes every count, and the broken ones vanish from
 * every query (tester session 27, F6; zero-downtime verification asks the live index instead, {@link
 * DroppedDocuments}).
 *
 * <p>Kept in Slipway's namespace as a plain string holding JSON (the plan id and the keys, Base64), recorded only
 * when there are at most {@value #MAX_KEYS}; removed with the checkpoint.
 *
 * @param planId the migration it belongs to
 * @param keys   the keys, Base64
 */
record SourceFailingKeys(String planId, List<String> keys) {
    /** More than this many failing documents: validation falls back to counting them. */
    static final int MAX_KEYS = 10_000;

    SourceFailingKeys {
        keys = List.copyOf(keys);
    }

    /**
     * Looks every key under the source's prefixes up in the source index and records the ones it does not hold;
     * removes any earlier record when there are more than {@value #MAX_KEYS}, or keys with a NUL byte the index is
     * too large to list.
     *
     * @return how many were recorded, or empty when there were too many
     */
    static Optional<Integer> record(RedisSession session, KeyNamespace namespace, String index, String planId,
                                    String physical, IndexSchema schema) {
        List<String> failing = new ArrayList<>();
        boolean complete = DroppedDocuments.forEachNotHeld(session, schema, physical, key -> {
            if (failing.size() <= MAX_KEYS) {
                failing.add(Base64.getEncoder().encodeToString(key));
            }
        }, () -> failing.size() > MAX_KEYS); // too many to record: the rest of the keys need not be read
        boolean tooMany = !complete || failing.size() > MAX_KEYS;
        if (tooMany) {
            session.call("DEL", namespace.sourceFailures(index));
            return Optional.empty();
        }
        try {
            session.call("SET", namespace.sourceFailures(index), PlanCodec.json().writeValueAsString(
                    new SourceFailingKeys(planId, failing)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings always serialises", e);
        }
        return Optional.of(failing.size());
    }

    /** The record of this plan's migration of {@code index}, if one was made. */
    static Optional<SourceFailingKeys> load(RedisSession session, KeyNamespace namespace, String index,
                                            String planId) {
        String json = session.callString("GET", namespace.sourceFailures(index));
        if (json == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PlanCodec.json().readValue(json, SourceFailingKeys.class))
                    .filter(r -> r.planId().equals(planId));
        } catch (JsonProcessingException e) {
            return Optional.empty(); // validation falls back to the counts
        }
    }

    /** The recorded keys, for look-ups. */
    Set<ByteBuffer> keySet() {
        Set<ByteBuffer> set = new HashSet<>();
        keys.forEach(k -> set.add(ByteBuffer.wrap(Base64.getDecoder().decode(k))));
        return set;
    }

    /**
     * The keys under the new index's prefixes it does not hold and the source held (not recorded as failing).
     *
     * @param limit how many to name
     */
    DroppedDocuments.Found droppedBy(RedisSession session, String index, IndexSchema schema, int limit) {
        Set<ByteBuffer> before = keySet();
        DroppedDocuments.Tally dropped = new DroppedDocuments.Tally(limit);
        DroppedDocuments.forEachNotHeld(session, schema, index, key -> {
            if (!before.contains(ByteBuffer.wrap(key))) {
                dropped.add(key);
            }
        });
        return dropped.found();
    }
}
