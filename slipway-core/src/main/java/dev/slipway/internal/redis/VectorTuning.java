package dev.slipway.internal.redis;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tuning of a vector field that {@code FT.INFO} does not report, read from {@code FT.DEBUG VECSIM_INFO <index>
 * <attribute>}: {@code BLOCK_SIZE} of a FLAT field, {@code EF_RUNTIME} and {@code EPSILON} of an HNSW one (in its
 * {@code BACKEND_INDEX} when the server keeps it tiered, a flat buffer in front of the graph). Checked on Search
 * 2.10.5. Without it a user-created index's tuning became the server defaults on the first migration, in the copy
 * kept for rollback too (tester session 40 R29 F5). {@code INITIAL_CAP} is not reported there either.
 */
public final class VectorTuning {
    private VectorTuning() {
    }

    /**
     * The field's hidden tuning, as schema attributes (defaults included: the schema drops them). Empty when the field
     * is not a FLAT or HNSW vector, or the server refuses {@code FT.DEBUG} (an ACL, a managed service) or its reply
     * lacks them.
     */
    static Optional<Map<String, Object>> read(RedisSession session, String index, FieldSchema field) {
        String algorithm = field.attr("algorithm").map(Object::toString).orElse("flat");
        if (field.type() != FieldType.VECTOR || !(algorithm.equals("flat") || algorithm.equals("hnsw"))) {
            return Optional.empty();
        }
        Optional<Map<String, Object>> reply = info(session, index, field.name());
        if (reply.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> info = reply.get();
        Object backend = info.get("BACKEND_INDEX");
        Map<String, Object> graph = backend == null ? info : RedisReplies.pairs(backend);
        Map<String, Object> attrs = new LinkedHashMap<>();
        if (algorithm.equals("flat")) {
            whole(info.get("BLOCK_SIZE")).ifPresent(v -> attrs.put("block_size", v));
        } else {
            whole(graph.get("EF_RUNTIME")).ifPresent(v -> attrs.put("ef_runtime", v));
            decimal(graph.get("EPSILON")).ifPresent(v -> attrs.put("epsilon", v));
        }
        return attrs.size() == (algorithm.equals("flat") ? 1 : 2) ? Optional.of(attrs) : Optional.empty();
    }

    /**
     * {@code FT.DEBUG VECSIM_INFO <index> <attribute>} as name-value pairs; empty when the server refuses it (a
     * managed service may not offer {@code FT.DEBUG}, an ACL may deny it).
     */
    public static Optional<Map<String, Object>> info(RedisSession session, String index, String attribute) {
        try {
            return Optional.of(RedisReplies.pairs(session.call("FT.DEBUG", "VECSIM_INFO", index, attribute)));
        } catch (RedisCommandException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> whole(Object reply) {
        return decimal(reply).filter(v -> v >= 1 && v == Math.rint(v)).map(Double::longValue);
    }

    private static Optional<Double> decimal(Object reply) {
        if (reply == null) {
            return Optional.empty();
        }
        try {
            double value = RedisReplies.number(reply);
            return Double.isFinite(value) && value > 0 ? Optional.of(value) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
