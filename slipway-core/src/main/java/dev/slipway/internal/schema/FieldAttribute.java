package dev.slipway.internal.schema;

import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.StorageType;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static dev.slipway.api.schema.FieldType.GEO;
import static dev.slipway.api.schema.FieldType.GEOSHAPE;
import static dev.slipway.api.schema.FieldType.NUMERIC;
import static dev.slipway.api.schema.FieldType.TAG;
import static dev.slipway.api.schema.FieldType.TEXT;
import static dev.slipway.api.schema.FieldType.VECTOR;

/**
 * The catalogue of field attributes: canonical YAML name (RedisVL's spelling where RedisVL has one), accepted
 * aliases, value kind, default, the field types it applies to, and whether {@code FT.INFO} reports it.
 *
 * <p>One table drives parsing, normalisation and rendering so that the three cannot drift apart. Defaults are
 * dropped during normalisation, which is what makes "schema from FT.INFO" equal to "schema from a file" when
 * they describe the same index.
 */
public enum FieldAttribute {
    WEIGHT("weight", Kind.DECIMAL, 1.0, true, EnumSet.of(TEXT)),
    NO_STEM("no_stem", Kind.BOOLEAN, false, true, EnumSet.of(TEXT), "nostem"),
    PHONETIC_MATCHER("phonetic_matcher", Kind.VERBATIM, null, false, EnumSet.of(TEXT), "phonetic"),
    SEPARATOR("separator", Kind.VERBATIM, null, true, EnumSet.of(TAG)),
    CASE_SENSITIVE("case_sensitive", Kind.BOOLEAN, false, true, EnumSet.of(TAG), "casesensitive"),
    WITHSUFFIXTRIE("withsuffixtrie", Kind.BOOLEAN, false, true, EnumSet.of(TEXT, TAG), "with_suffix_trie"),
    INDEX_EMPTY("index_empty", Kind.BOOLEAN, false, true, EnumSet.of(TEXT, TAG), "indexempty"),
    INDEX_MISSING("index_missing", Kind.BOOLEAN, false, true,
            EnumSet.of(TEXT, TAG, NUMERIC, GEO, GEOSHAPE, VECTOR), "indexmissing"),
    // the server accepts and reports SORTABLE [UNF] and NOINDEX on GEOSHAPE too
    SORTABLE("sortable", Kind.BOOLEAN, false, true, EnumSet.of(TEXT, TAG, NUMERIC, GEO, GEOSHAPE)),
    UNF("unf", Kind.BOOLEAN, false, true, EnumSet.of(TEXT, TAG, NUMERIC, GEO, GEOSHAPE)),
    NO_INDEX("no_index", Kind.BOOLEAN, false, true, EnumSet.of(TEXT, TAG, NUMERIC, GEO, GEOSHAPE), "noindex"),
    COORD_SYSTEM("coord_system", Kind.WORD, "spherical", true, EnumSet.of(GEOSHAPE)),
    ALGORITHM("algorithm", Kind.WORD, null, true, EnumSet.of(VECTOR)),
    DATATYPE("datatype", Kind.WORD, null, true, EnumSet.of(VECTOR), "data_type", "type"),
    DIMS("dims", Kind.INTEGER, null, true, EnumSet.of(VECTOR), "dim"),
    DISTANCE_METRIC("distance_metric", Kind.WORD, null, true, EnumSet.of(VECTOR)),
    INITIAL_CAP("initial_cap", Kind.INTEGER, null, false, EnumSet.of(VECTOR)),
    BLOCK_SIZE("block_size", Kind.INTEGER, 1024L, false, EnumSet.of(VECTOR)),
    M("m", Kind.INTEGER, 16L, true, EnumSet.of(VECTOR)),
    EF_CONSTRUCTION("ef_construction", Kind.INTEGER, 200L, true, EnumSet.of(VECTOR)),
    EF_RUNTIME("ef_runtime", Kind.INTEGER, 10L, false, EnumSet.of(VECTOR)),
    EPSILON("epsilon", Kind.DECIMAL, 0.01, false, EnumSet.of(VECTOR)),
    COMPRESSION("compression", Kind.WORD, null, false, EnumSet.of(VECTOR)),
    CONSTRUCTION_WINDOW_SIZE("construction_window_size", Kind.INTEGER, null, false, EnumSet.of(VECTOR)),
    GRAPH_MAX_DEGREE("graph_max_degree", Kind.INTEGER, null, false, EnumSet.of(VECTOR)),
    SEARCH_WINDOW_SIZE("search_window_size", Kind.INTEGER, null, false, EnumSet.of(VECTOR)),
    TRAINING_THRESHOLD("training_threshold", Kind.INTEGER, null, false, EnumSet.of(VECTOR)),
    REDUCE("reduce", Kind.INTEGER, null, false, EnumSet.of(VECTOR));

    /** How a value is normalised. */
    public enum Kind {
        /** true/false; false is the absent state. */
        BOOLEAN,
        /** Whole number, stored as {@link Long}. */
        INTEGER,
        /** Decimal number, stored as {@link Double}. */
        DECIMAL,
        /** Case-insensitive keyword, stored lower-case. */
        WORD,
        /** Text kept exactly as given (separators, phonetic matcher names). */
        VERBATIM
    }

    private final String yamlName;
    private final Kind kind;
    private final Object defaultValue;
    private final boolean reportedByServer;
    private final Set<FieldType> appliesTo;
    private final List<String> aliases;

    FieldAttribute(String yamlName, Kind kind, Object defaultValue, boolean reportedByServer,
                   Set<FieldType> appliesTo, String... aliases) {
        this.yamlName = yamlName;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.reportedByServer = reportedByServer;
        this.appliesTo = appliesTo;
        this.aliases = List.of(aliases);
    }

    public String yamlName() {
        return yamlName;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether {@code FT.INFO} shows this attribute; hidden ones cannot be read back from a live index. */
    public boolean reportedByServer() {
        return reportedByServer;
    }

    public boolean appliesTo(FieldType type) {
        return appliesTo.contains(type);
    }

    /** Finds an attribute by its canonical name or an alias, ignoring case. */
    public static Optional<FieldAttribute> byName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (FieldAttribute attribute : values()) {
            if (attribute.yamlName.equals(wanted) || attribute.aliases.contains(wanted)) {
                return Optional.of(attribute);
            }
        }
        return Optional.empty();
    }

    /**
     * Converts a raw value (from YAML, JSON or FT.INFO) to this attribute's canonical form.
     *
     * @throws IllegalArgumentException when the value does not fit the attribute's kind
     */
    public Object coerce(Object raw) {
        if (raw == null) {
            throw new IllegalArgumentException("attribute '" + yamlName + "' has no value");
        }
        return switch (kind) {
            case BOOLEAN -> coerceBoolean(raw);
            case INTEGER -> positive(coerceInteger(raw));
            case DECIMAL -> coerceDecimal(raw);
            case WORD -> raw.toString().trim().toLowerCase(Locale.ROOT);
            case VERBATIM -> verbatim(raw.toString());
        };
    }

    /**
     * A whole number that must be 1 or more where the server requires it (DIM, HNSW M, EF_CONSTRUCTION, EF_RUNTIME):
     * a plan with {@code m: -3} was written as supported and refused only by apply (tester session 34 R18 F3).
     */
    private Long positive(Long value) {
        if (value < 1 && (this == DIMS || this == M || this == EF_CONSTRUCTION || this == EF_RUNTIME)) {
            throw new IllegalArgumentException("attribute '" + yamlName + "' must be 1 or more, found " + value);
        }
        return value;
    }

    private String verbatim(String text) {
        if (this == SEPARATOR && (text.length() != 1 || text.charAt(0) > 127)) {
            // FT.CREATE takes one byte: "Tag separator must be a single character"
            throw new IllegalArgumentException("attribute 'separator' must be a single ASCII character, found '"
                    + text + "'");
        }
        return text;
    }

    private Boolean coerceBoolean(Object raw) {
        if (raw instanceof Boolean b) {
            return b;
        }
        String text = raw.toString().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("yes") || text.equals("1")) {
            return true;
        }
        if (text.equals("false") || text.equals("no") || text.equals("0")) {
            return false;
        }
        throw new IllegalArgumentException("attribute '" + yamlName + "' must be true or false, found '" + raw + "'");
    }

    private Long coerceInteger(Object raw) {
        if (raw instanceof Number n && (n instanceof Long || n instanceof Integer || n instanceof Short)) {
            return n.longValue();
        }
        try {
            double value = Double.parseDouble(raw.toString().trim());
            if (value != Math.rint(value)) {
                throw new NumberFormatException();
            }
            return (long) value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("attribute '" + yamlName + "' must be a whole number, found '" + raw + "'");
        }
    }

    private Double coerceDecimal(Object raw) {
        if (raw instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(raw.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("attribute '" + yamlName + "' must be a number, found '" + raw + "'");
        }
    }

    /**
     * The server's default of the attribute of this name, which a schema leaves out; empty when it has none to show
     * (an attribute without one, or a flag, whose default is off).
     */
    public static Optional<Object> serverDefault(String name) {
        return byName(name).map(attribute -> attribute.defaultValue);
    }

    /** Whether a canonical value equals the server default, so that it can be left out. */
    boolean isDefault(Object value, StorageType storage) {
        if (this == SEPARATOR) {
            return storage == StorageType.HASH && ",".equals(value);
        }
        return defaultValue != null && defaultValue.equals(value) || Boolean.FALSE.equals(value);
    }

    /**
     * Normalises an attribute map for a field: canonical names and values, defaults removed, attributes that
     * the server folds into others removed (UNF where the server implies it, see {@link #unfIsAChoice};
     * NOOFFSETS-like implications are handled at index level).
     *
     * @throws IllegalArgumentException naming the first attribute that is unknown or does not apply
     */
    public static Map<String, Object> normalize(FieldType type, StorageType storage, Map<String, ?> attrs) {
        TreeMap<String, Object> result = new TreeMap<>();
        for (Map.Entry<String, ?> entry : attrs.entrySet()) {
            FieldAttribute attribute = byName(entry.getKey()).orElseThrow(() -> new IllegalArgumentException(
                    "unknown attribute '" + entry.getKey() + "' for a " + type.yamlName() + " field"));
            if (!attribute.appliesTo(type)) {
                throw new IllegalArgumentException("attribute '" + attribute.yamlName + "' does not apply to a "
                        + type.yamlName() + " field");
            }
            Object value = attribute.coerce(entry.getValue());
            if (storage == null || !attribute.isDefault(value, storage)) {
                result.put(attribute.yamlName, value);
            }
        }
        boolean sortable = Boolean.TRUE.equals(result.get(SORTABLE.yamlName));
        if (!sortable && Boolean.TRUE.equals(result.get(UNF.yamlName))) {
            // the server takes UNF only after SORTABLE ("Field `UNF` does not have a type", Search 2.10.5); it was
            // dropped in silence, and a patch setting it on a field that does not sort said "Changes: none"
            throw new IllegalArgumentException("attribute 'unf' (keep sortable values unnormalised) applies only to "
                    + "a sortable " + type.yamlName() + " field: set 'sortable: true' with it, or leave 'unf' out");
        }
        if (sortable && type == TEXT && storage == StorageType.JSON) {
            result.put(UNF.yamlName, true); // the server never normalises sortable JSON text and reports UNF
        } else if (!sortable || !unfIsAChoice(type, storage, result)) {
            result.remove(UNF.yamlName);
        }
        if (Boolean.TRUE.equals(result.get(INDEX_MISSING.yamlName))
                && Boolean.TRUE.equals(result.get(NO_INDEX.yamlName))) {
            throw new IllegalArgumentException("attributes 'index_missing' and 'no_index' cannot both be set on a "
                    + type.yamlName() + " field: the server rejects INDEXMISSING on a field it does not index");
        }
        if (type == VECTOR) {
            checkAlgorithmParameters(result, storage);
        }
        return result;
    }

    /**
     * Whether UNF on a sortable field is the user's choice rather than implied. Checked on Search 2.10.5: on a hash,
     * TEXT, TAG, GEO and GEOSHAPE sortables are reported with UNF only when created with it (a TAG sortable without
     * it sorts and groups by lower-cased values: tester session 28 found it dropped), but a CASESENSITIVE TAG and
     * every NUMERIC sortable are reported with UNF either way; on JSON every sortable is.
     */
    private static boolean unfIsAChoice(FieldType type, StorageType storage, Map<String, Object> attrs) {
        if (storage == StorageType.JSON || type == NUMERIC) {
            return false;
        }
        return type != TAG || !Boolean.TRUE.equals(attrs.get(CASE_SENSITIVE.yamlName));
    }

    /** FT.CREATE rejects a tuning parameter of another vector algorithm (EF_RUNTIME on FLAT, ...). */
    private static void checkAlgorithmParameters(Map<String, Object> attrs, StorageType storage) {
        String algorithm = attrs.getOrDefault(ALGORITHM.yamlName, "flat").toString();
        for (Map.Entry<String, Object> entry : attrs.entrySet()) {
            FieldAttribute attribute = byName(entry.getKey()).orElseThrow();
            Set<String> algorithms = attribute.algorithms();
            if (!algorithms.isEmpty() && !algorithms.contains(algorithm)
                    && !attribute.isDefault(entry.getValue(), storage)) {
                throw new IllegalArgumentException("attribute '" + attribute.yamlName + "' applies only to "
                        + String.join(" or ", algorithms.stream().sorted().toList()) + " vectors, not to "
                        + algorithm);
            }
        }
    }

    /**
     * Whether the attribute of this name is a tuning parameter of another vector algorithm than {@code algorithm}
     * (EF_RUNTIME for FLAT, BLOCK_SIZE for HNSW, ...), which FT.CREATE rejects.
     */
    public static boolean belongsToAnotherAlgorithm(String name, String algorithm) {
        Set<String> algorithms = byName(name).map(FieldAttribute::algorithms).orElse(Set.of());
        return !algorithms.isEmpty() && !algorithms.contains(algorithm.toLowerCase(java.util.Locale.ROOT));
    }

    /** The vector algorithms a tuning parameter belongs to; empty for attributes of every algorithm. */
    private Set<String> algorithms() {
        return switch (this) {
            case BLOCK_SIZE -> Set.of("flat");
            case M, EF_CONSTRUCTION, EF_RUNTIME -> Set.of("hnsw");
            case EPSILON -> Set.of("hnsw", "svs-vamana");
            case COMPRESSION, CONSTRUCTION_WINDOW_SIZE, GRAPH_MAX_DEGREE, SEARCH_WINDOW_SIZE, TRAINING_THRESHOLD,
                    REDUCE -> Set.of("svs-vamana");
            default -> Set.of();
        };
    }
}
