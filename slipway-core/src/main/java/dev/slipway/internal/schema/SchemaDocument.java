package dev.slipway.internal.schema;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.vector.DistanceMetric;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.internal.yaml.YamlNode;
import dev.slipway.internal.yaml.YamlProblems;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The file form of an index schema, a superset of RedisVL's schema YAML:
 *
 * <pre>
 * index:
 *   name: products
 *   prefix: "product:"        # or a list
 *   storage_type: hash        # or json
 *   filter / language / language_field / score / score_field / payload_field / stopwords / options
 * fields:
 *   - name: title
 *     type: text
 *     path: $.title           # optional
 *     attrs: {sortable: true}
 * </pre>
 *
 * RedisVL's {@code version} and {@code key_separator} are accepted and ignored (Slipway keys by prefix only).
 */
public final class SchemaDocument {
    private static final Set<String> TOP_KEYS = Set.of("version", "index", "fields");
    private static final Set<String> INDEX_KEYS = Set.of("name", "prefix", "prefixes", "storage_type",
            "key_separator", "filter", "language", "language_field", "score", "score_field", "payload_field",
            "stopwords", "options");
    private static final Set<String> FIELD_KEYS = Set.of("name", "type", "path", "attrs", "options");

    private SchemaDocument() {
    }

    /**
     * The keys of what {@code slipway index info --format json} prints around the schema: facts about the live index,
     * which a schema file does not need.
     */
    private static final Set<String> DESCRIPTION_KEYS = Set.of("name", "physical_index", "stats", "warnings",
            "synonyms", "schema"); // synonyms are not read back: a migration carries the live index's over

    /**
     * Reads a schema document; problems are recorded, and null returned when it cannot be built. Also reads the
     * {@code schema} of what {@code slipway index info --format json} prints.
     */
    public static IndexSchema read(YamlNode root, YamlProblems problems) {
        if (!root.isMap()) {
            problems.add(root, "a schema must be a mapping with 'index' and 'fields'");
            return null;
        }
        Optional<YamlNode> described = root.get("schema");
        if (described.isPresent() && root.get("index").isEmpty()) {
            problems.rejectUnknownKeys(root, DESCRIPTION_KEYS, "the output of 'slipway index info'");
            return read(described.get(), problems);
        }
        problems.rejectUnknownKeys(root, TOP_KEYS, "the schema");
        Optional<YamlNode> index = root.get("index");
        if (index.isEmpty() || !index.get().isMap()) {
            problems.add(root, "the schema needs an 'index' mapping with at least 'name'");
            return null;
        }
        IndexSchema.Builder builder = readIndex(index.get(), problems);
        List<FieldSchema> fields = new ArrayList<>();
        Optional<YamlNode> fieldList = root.get("fields");
        if (fieldList.isEmpty() || !fieldList.get().isList() || fieldList.get().items().isEmpty()) {
            problems.add(root, "the schema needs a non-empty 'fields' list");
        } else {
            for (YamlNode item : fieldList.get().items()) {
                readField(item, problems).ifPresent(fields::add);
            }
        }
        if (builder == null || !problems.isEmpty()) {
            return null;
        }
        try {
            return builder.fields(fields).build();
        } catch (IllegalArgumentException e) {
            problems.add(root, e.getMessage());
            return null;
        }
    }

    private static IndexSchema.Builder readIndex(YamlNode index, YamlProblems problems) {
        problems.rejectUnknownKeys(index, INDEX_KEYS, "'index'");
        String name = problems.requiredText(index, "name", "'index'").orElse(null);
        StorageType storage = StorageType.HASH;
        Optional<String> storageText = problems.optionalText(index, "storage_type");
        if (storageText.isPresent()) {
            try {
                storage = StorageType.parse(storageText.get());
            } catch (IllegalArgumentException e) {
                problems.add(index.get("storage_type").orElseThrow(), e.getMessage());
            }
        }
        if (name == null) {
            return null;
        }
        IndexSchema.Builder builder = IndexSchema.builder(name, storage);
        problems.textOrList(index, index.get("prefixes").isPresent() ? "prefixes" : "prefix")
                .ifPresent(builder::prefixes);
        problems.optionalText(index, "filter").ifPresent(builder::filter);
        problems.optionalText(index, "language").ifPresent(builder::language);
        problems.optionalText(index, "language_field").ifPresent(builder::languageField);
        problems.optionalText(index, "score_field").ifPresent(builder::scoreField);
        problems.optionalText(index, "payload_field").ifPresent(builder::payloadField);
        index.get("score").ifPresent(node -> readScore(node, problems).ifPresent(builder::score));
        problems.textOrList(index, "stopwords").ifPresent(builder::stopwords);
        problems.textOrList(index, "options").ifPresent(options -> {
            for (String option : options) {
                try {
                    builder.option(IndexOption.parse(option));
                } catch (IllegalArgumentException e) {
                    problems.add(index.get("options").orElseThrow(), e.getMessage());
                }
            }
        });
        return builder;
    }

    /** Reads a score value, recording a problem when it is not a number. */
    public static Optional<Double> readScore(YamlNode node, YamlProblems problems) {
        if (node.value() instanceof Number number && number.doubleValue() >= 0 && number.doubleValue() <= 1) {
            return Optional.of(number.doubleValue());
        }
        problems.add(node, "'score' must be a number between 0 and 1");
        return Optional.empty();
    }

    /** Reads one field definition ({@code name, type, path, attrs}). */
    public static Optional<FieldSchema> readField(YamlNode item, YamlProblems problems) {
        if (!item.isMap()) {
            problems.add(item, "a field must be a mapping with 'name' and 'type'");
            return Optional.empty();
        }
        problems.rejectUnknownKeys(item, FIELD_KEYS, "a field");
        Optional<String> name = problems.requiredText(item, "name", "a field");
        Optional<String> typeText = problems.requiredText(item, "type", "field '" + name.orElse("?") + "'");
        if (name.isEmpty() || typeText.isEmpty()) {
            return Optional.empty();
        }
        FieldType type;
        try {
            type = FieldType.parse(typeText.get());
        } catch (IllegalArgumentException e) {
            problems.add(item.get("type").orElseThrow(), e.getMessage());
            return Optional.empty();
        }
        Map<String, Object> attrs = readAttrs(item, problems, "field '" + name.get() + "'");
        if (type == FieldType.VECTOR) {
            // RedisVL's defaults, so that its schema files mean the same here
            attrs.putIfAbsent("datatype", "float32");
            attrs.putIfAbsent("distance_metric", "cosine");
            attrs.putIfAbsent("algorithm", "flat");
        }
        String path = problems.optionalText(item, "path").orElse(null);
        try {
            return Optional.of(new FieldSchema(name.get(), path, type, attrs));
        } catch (IllegalArgumentException e) {
            problems.add(item, "field '" + name.get() + "': " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Reads {@code attrs} (and RedisVL's older {@code options}) of a field as canonical name → typed value,
     * keeping explicit {@code false} values (a patch uses them to clear a flag).
     */
    public static Map<String, Object> readAttrs(YamlNode item, YamlProblems problems, String what) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        for (String key : List.of("attrs", "options")) {
            Optional<YamlNode> node = item.get(key);
            if (node.isEmpty()) {
                continue;
            }
            if (!node.get().isMap()) {
                problems.add(node.get(), "'" + key + "' of " + what + " must be a mapping");
                continue;
            }
            for (Map.Entry<String, YamlNode> entry : node.get().entries().entrySet()) {
                readAttr(entry.getKey(), entry.getValue(), attrs, problems, what);
            }
        }
        return attrs;
    }

    private static void readAttr(String key, YamlNode value, Map<String, Object> attrs, YamlProblems problems,
                                 String what) {
        Optional<FieldAttribute> attribute = FieldAttribute.byName(key);
        if (attribute.isEmpty()) {
            problems.add(value, "unknown attribute '" + key + "' of " + what);
            return;
        }
        if (!value.isScalar() || value.isNull()) {
            problems.add(value, "attribute '" + key + "' of " + what + " needs a single value");
            return;
        }
        try {
            Object raw = value.value();
            Object coerced = attribute.get().coerce(raw == null ? value.text() : raw);
            checkValue(attribute.get(), coerced.toString()); // an unknown value is named here, with its line
            attrs.put(attribute.get().yamlName(), coerced);
        } catch (IllegalArgumentException e) {
            problems.add(value, e.getMessage() + " (" + what + ")");
        }
    }

    /**
     * Refuses a value the server would refuse at apply, where the plan had called the change supported (tester
     * session 54 R48 T2 F3: a metric, an algorithm, a phonetic matcher).
     */
    private static void checkValue(FieldAttribute attribute, String value) {
        switch (attribute) {
            case DATATYPE -> VectorDataType.parse(value);
            case DISTANCE_METRIC -> DistanceMetric.parse(value);
            case ALGORITHM -> oneOf("vector algorithm", value.toUpperCase(java.util.Locale.ROOT), value,
                    List.of("FLAT", "HNSW", "SVS-VAMANA"), " (case does not matter)");
            case PHONETIC_MATCHER -> oneOf("phonetic matcher", value, value, List.of("dm:en", "dm:fr", "dm:pt",
                    "dm:es"), " (Double Metaphone for English, French, Portuguese or Spanish)");
            case COORD_SYSTEM -> oneOf("coordinate system", value.toLowerCase(java.util.Locale.ROOT), value,
                    List.of("spherical", "flat"), " (case does not matter)");
            default -> {
            }
        }
    }

    private static void oneOf(String what, String normalised, String given, List<String> valid, String note) {
        if (!valid.contains(normalised)) {
            throw new IllegalArgumentException("unknown " + what + " '" + given + "'; expected one of "
                    + String.join(", ", valid) + note);
        }
    }

    /** The document form of a schema, as ordered maps and lists ready for a YAML or JSON writer. */
    public static Map<String, Object> toTree(IndexSchema schema) {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("name", schema.name());
        index.put("prefix", schema.prefixes().size() == 1 ? schema.prefixes().get(0) : schema.prefixes());
        index.put("storage_type", schema.storageType().yamlName());
        schema.filter().ifPresent(f -> index.put("filter", f));
        if (!schema.language().equals(IndexSchema.DEFAULT_LANGUAGE)) {
            index.put("language", schema.language());
        }
        schema.languageField().ifPresent(f -> index.put("language_field", f));
        if (schema.score() != 1.0) {
            index.put("score", schema.score());
        }
        schema.scoreField().ifPresent(f -> index.put("score_field", f));
        schema.payloadField().ifPresent(f -> index.put("payload_field", f));
        schema.stopwords().ifPresent(words -> index.put("stopwords", words));
        if (!schema.options().isEmpty()) {
            index.put("options",
                    schema.options().stream().map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
        List<Map<String, Object>> fields = new ArrayList<>();
        for (FieldSchema field : schema.fields()) {
            fields.add(fieldTree(field, schema.storageType()));
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("index", index);
        tree.put("fields", fields);
        return tree;
    }

    /** The document form of one field; the path is left out when it is the default for the storage. */
    public static Map<String, Object> fieldTree(FieldSchema field, StorageType storage) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("name", field.name());
        tree.put("type", field.type().yamlName());
        String defaultPath = storage == StorageType.JSON ? "$." + field.name() : field.name();
        if (field.path() != null && !field.path().equals(defaultPath)) {
            tree.put("path", field.path());
        }
        if (!field.attrs().isEmpty()) {
            tree.put("attrs", new LinkedHashMap<>(field.attrs()));
        }
        return tree;
    }
}
