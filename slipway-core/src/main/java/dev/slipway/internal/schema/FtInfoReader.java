package dev.slipway.internal.schema;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.KeyText;
import dev.slipway.internal.redis.RedisReplies;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns an {@code FT.INFO} reply (RESP2) into an {@link IndexInfo}.
 *
 * <p>The reply is a flat key/value list whose {@code attributes} entry holds one token list per field:
 * {@code identifier, attribute, type}, then flags ({@code SORTABLE}) and key/value pairs ({@code WEIGHT 2}).
 * Whether a token is a flag or takes a value is decided by the attribute catalogue, so a new server flag is
 * reported as unrecognised instead of silently swallowing the next token.
 */
public final class FtInfoReader {
    private static final double MB = 1024.0 * 1024.0;
    /** A petabyte: no index structure of one server comes near it. */
    private static final double IMPLAUSIBLE_MB = 1e9;
    private static final List<String> MEMORY_KEYS = List.of("inverted_sz_mb", "vector_index_sz_mb",
            "offset_vectors_sz_mb", "doc_table_size_mb", "sortable_values_size_mb", "key_table_size_mb",
            "tag_overhead_sz_mb", "text_overhead_sz_mb", "geoshapes_sz_mb");

    private FtInfoReader() {
    }

    /** Parses the reply of {@code FT.INFO requestedName}. */
    public static IndexInfo read(String requestedName, Object reply) {
        Map<String, Object> info = RedisReplies.pairs(reply);
        List<String> unrecognized = new ArrayList<>();
        String physicalName = Optional.ofNullable(RedisReplies.text(info.get("index_name"))).orElse(requestedName);
        Map<String, Object> definition = RedisReplies.pairs(info.get("index_definition"));
        StorageType storage = StorageType.parse(RedisReplies.text(definition.get("key_type")));
        IndexSchema.Builder schema = IndexSchema.builder(physicalName, storage)
                .prefixes(texts(definition.get("prefixes")))
                .filter(RedisReplies.text(definition.get("filter")))
                .language(RedisReplies.text(definition.get("default_language")))
                .languageField(RedisReplies.text(definition.get("language_field")))
                .scoreField(RedisReplies.text(definition.get("score_field")))
                .payloadField(RedisReplies.text(definition.get("payload_field")));
        if (definition.containsKey("default_score")) {
            schema.score(RedisReplies.number(definition.get("default_score")));
        }
        for (String option : texts(info.get("index_options"))) {
            try {
                schema.option(IndexOption.parse(option));
            } catch (IllegalArgumentException e) {
                unrecognized.add("index option " + option);
            }
        }
        if (info.containsKey("stopwords_list")) {
            schema.stopwords(texts(info.get("stopwords_list")));
        }
        for (Object attribute : RedisReplies.list(info.get("attributes"))) {
            schema.field(readField(RedisReplies.list(attribute), unrecognized));
        }
        return new IndexInfo(requestedName, schema.build(), readStats(info), unrecognized,
                undecodable(info, definition));
    }

    /**
     * The parts of the schema in the reply that are not UTF-8 text, each named with its bytes escaped
     * ({@code prefix "caf\xe9:"}). The server keeps prefixes, field names, a FILTER and stop words as bytes; read
     * as text, such bytes became U+FFFD, and an index created from that read other keys or fields: the new index
     * held none of the documents, or a field matched nothing, and apply exited 0 (tester session 47 R42 T1 F1/F2).
     */
    private static List<String> undecodable(Map<String, Object> info, Map<String, Object> definition) {
        List<String> found = new ArrayList<>();
        definition.forEach((key, value) -> collectUndecodable(key.equals("prefixes") ? "prefix" : key, value, found));
        collectUndecodable("stop word", info.get("stopwords_list"), found);
        for (Object attribute : RedisReplies.list(info.get("attributes"))) {
            collectUndecodable("field", attribute, found);
        }
        return found;
    }

    private static void collectUndecodable(String what, Object value, List<String> found) {
        if (value instanceof List<?> items) {
            items.forEach(item -> collectUndecodable(what, item, found));
        } else if (value instanceof byte[] bytes && !RedisReplies.isUtf8(bytes)) {
            found.add(what + " \"" + KeyText.shown(bytes) + "\"");
        }
    }

    private static FieldSchema readField(List<Object> tokens, List<String> unrecognized) {
        String identifier = null;
        String attribute = null;
        FieldType type = null;
        Map<String, Object> attrs = new LinkedHashMap<>();
        int i = 0;
        while (i < tokens.size()) {
            Object token = tokens.get(i);
            String key = RedisReplies.text(token);
            if (token instanceof List<?> nested) {
                readNested(RedisReplies.pairs(nested), attrs, unrecognized);
                i++;
                continue;
            }
            switch (key) {
                case "identifier" -> identifier = RedisReplies.text(tokens.get(++i));
                case "attribute" -> attribute = RedisReplies.text(tokens.get(++i));
                case "type" -> type = FieldType.parse(RedisReplies.text(tokens.get(++i)));
                default -> i += readAttribute(key, i + 1 < tokens.size() ? tokens.get(i + 1) : null, attrs,
                        unrecognized, attribute);
            }
            i++;
        }
        if (type == FieldType.TAG && "".equals(attrs.get("separator"))) {
            attrs.remove("separator"); // JSON tags without a separator report an empty one
        }
        return new FieldSchema(attribute, identifier, type, attrs);
    }

    /** Reads one attribute token; returns how many extra tokens (its value) it consumed. */
    private static int readAttribute(String key, Object next, Map<String, Object> attrs, List<String> unrecognized,
                                     String field) {
        Optional<FieldAttribute> known = FieldAttribute.byName(key);
        if (known.isEmpty()) {
            unrecognized.add("field '" + field + "' option " + key);
            return 0;
        }
        FieldAttribute attribute = known.get();
        if (attribute.kind() == FieldAttribute.Kind.BOOLEAN) {
            attrs.put(attribute.yamlName(), true);
            return 0;
        }
        attrs.put(attribute.yamlName(), RedisReplies.text(next));
        return 1;
    }

    private static void readNested(Map<String, Object> pairs, Map<String, Object> attrs, List<String> unrecognized) {
        for (Map.Entry<String, Object> entry : pairs.entrySet()) {
            Optional<FieldAttribute> known = FieldAttribute.byName(entry.getKey());
            if (known.isPresent()) {
                attrs.put(known.get().yamlName(), RedisReplies.text(entry.getValue()));
            } else {
                unrecognized.add("option " + entry.getKey());
            }
        }
    }

    private static IndexStats readStats(Map<String, Object> info) {
        double memoryMb = 0;
        for (String key : MEMORY_KEYS) {
            memoryMb += megabytes(info, key);
        }
        double percent = RedisReplies.number(info.get("percent_indexed"));
        return new IndexStats(RedisReplies.whole(info.get("num_docs")),
                RedisReplies.whole(info.get("hash_indexing_failures")),
                RedisReplies.whole(info.get("indexing")) != 0,
                Double.isNaN(percent) ? 1.0 : percent,
                Math.round(memoryMb * MB),
                RedisReplies.whole(info.get("total_indexing_time")),
                Math.round(megabytes(info, "vector_index_sz_mb") * MB));
    }

    /**
     * A size FT.INFO reports in MB; 0 when absent or implausible: RediSearch 2.10 can report a size that went below
     * zero as an unsigned one (key_table_size_mb 17592186044416, i.e. 2^64 bytes in MB), which is no size at all.
     */
    private static double megabytes(Map<String, Object> info, String key) {
        double value = RedisReplies.number(info.get(key));
        return !Double.isNaN(value) && value >= 0 && value < IMPLAUSIBLE_MB ? value : 0;
    }

    private static List<String> texts(Object reply) {
        List<String> values = new ArrayList<>();
        for (Object item : RedisReplies.list(reply)) {
            values.add(RedisReplies.text(item));
        }
        return values;
    }
}
