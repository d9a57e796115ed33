package dev.slipway.internal.schema;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders an {@link IndexSchema} to the exact argument list of {@code FT.CREATE}. Argument order follows the
 * server's grammar (index options before {@code SCHEMA}; per field: type options, then {@code SORTABLE [UNF]},
 * then {@code NOINDEX}), which the server enforces.
 */
public final class FtCreateArguments {
    private static final List<FieldAttribute> VECTOR_PARAMETERS = List.of(FieldAttribute.DATATYPE,
            FieldAttribute.DIMS, FieldAttribute.DISTANCE_METRIC, FieldAttribute.INITIAL_CAP,
            FieldAttribute.BLOCK_SIZE, FieldAttribute.M, FieldAttribute.EF_CONSTRUCTION, FieldAttribute.EF_RUNTIME,
            FieldAttribute.EPSILON, FieldAttribute.COMPRESSION, FieldAttribute.CONSTRUCTION_WINDOW_SIZE,
            FieldAttribute.GRAPH_MAX_DEGREE, FieldAttribute.SEARCH_WINDOW_SIZE, FieldAttribute.TRAINING_THRESHOLD,
            FieldAttribute.REDUCE);

    private FtCreateArguments() {
    }

    /** The full command: {@code FT.CREATE name ON ... SCHEMA ...}. */
    public static List<String> command(IndexSchema schema) {
        List<String> args = new ArrayList<>();
        args.add("FT.CREATE");
        args.addAll(arguments(schema));
        return args;
    }

    /** The arguments after {@code FT.CREATE}. */
    public static List<String> arguments(IndexSchema schema) {
        List<String> args = new ArrayList<>();
        args.add(schema.name());
        args.add("ON");
        args.add(schema.storageType().name());
        if (!schema.prefixes().isEmpty()) {
            args.add("PREFIX");
            args.add(Integer.toString(schema.prefixes().size()));
            args.addAll(schema.prefixes());
        }
        schema.filter().ifPresent(f -> add(args, "FILTER", f));
        if (!schema.language().equals(IndexSchema.DEFAULT_LANGUAGE)) {
            add(args, "LANGUAGE", schema.language());
        }
        schema.languageField().ifPresent(f -> add(args, "LANGUAGE_FIELD", f));
        if (schema.score() != 1.0) {
            add(args, "SCORE", number(schema.score()));
        }
        schema.scoreField().ifPresent(f -> add(args, "SCORE_FIELD", f));
        schema.payloadField().ifPresent(f -> add(args, "PAYLOAD_FIELD", f));
        for (IndexOption option : List.of(IndexOption.MAXTEXTFIELDS, IndexOption.NOOFFSETS, IndexOption.NOHL,
                IndexOption.NOFIELDS, IndexOption.NOFREQS)) {
            if (schema.options().contains(option)) {
                args.add(option.name());
            }
        }
        schema.stopwords().ifPresent(words -> {
            args.add("STOPWORDS");
            args.add(Integer.toString(words.size()));
            args.addAll(words);
        });
        if (schema.options().contains(IndexOption.SKIPINITIALSCAN)) {
            args.add(IndexOption.SKIPINITIALSCAN.name());
        }
        args.add("SCHEMA");
        for (FieldSchema field : schema.fields()) {
            args.addAll(field(field));
        }
        return args;
    }

    /** The arguments of one field: {@code path [AS name] TYPE options}. */
    public static List<String> field(FieldSchema field) {
        List<String> args = new ArrayList<>();
        args.add(field.path());
        if (!field.path().equals(field.name())) {
            args.add("AS");
            args.add(field.name());
        }
        args.add(field.type().name());
        switch (field.type()) {
            case TEXT -> text(field, args);
            case TAG -> tag(field, args);
            case GEOSHAPE -> field.attr("coord_system").ifPresent(c -> args.add(upper(c)));
            case VECTOR -> vector(field, args);
            default -> { }
        }
        flag(field, "index_missing", "INDEXMISSING", args);
        if (field.flag("sortable")) {
            args.add("SORTABLE");
            if (field.flag("unf")) { // normalised: only where it is the user's choice, or JSON text's implied one
                args.add("UNF");
            }
        }
        flag(field, "no_index", "NOINDEX", args);
        return args;
    }

    private static void text(FieldSchema field, List<String> args) {
        field.attr("weight").ifPresent(w -> add(args, "WEIGHT", number(((Number) w).doubleValue())));
        flag(field, "no_stem", "NOSTEM", args);
        field.attr("phonetic_matcher").ifPresent(p -> add(args, "PHONETIC", p.toString()));
        flag(field, "withsuffixtrie", "WITHSUFFIXTRIE", args);
        flag(field, "index_empty", "INDEXEMPTY", args);
    }

    private static void tag(FieldSchema field, List<String> args) {
        field.attr("separator").ifPresent(s -> add(args, "SEPARATOR", s.toString()));
        flag(field, "case_sensitive", "CASESENSITIVE", args);
        flag(field, "withsuffixtrie", "WITHSUFFIXTRIE", args);
        flag(field, "index_empty", "INDEXEMPTY", args);
    }

    private static void vector(FieldSchema field, List<String> args) {
        Map<String, Object> attrs = field.attrs();
        args.add(upper(attrs.getOrDefault("algorithm", "flat")));
        List<String> params = new ArrayList<>();
        for (FieldAttribute parameter : VECTOR_PARAMETERS) {
            Object value = attrs.get(parameter.yamlName());
            if (value != null) {
                params.add(vectorParameterName(parameter));
                params.add(value instanceof Double d ? number(d) : upper(value));
            }
        }
        args.add(Integer.toString(params.size()));
        args.addAll(params);
    }

    private static String vectorParameterName(FieldAttribute parameter) {
        return switch (parameter) {
            case DATATYPE -> "TYPE";
            case DIMS -> "DIM";
            default -> parameter.yamlName().toUpperCase(Locale.ROOT);
        };
    }

    private static void flag(FieldSchema field, String attr, String keyword, List<String> args) {
        if (field.flag(attr)) {
            args.add(keyword);
        }
    }

    private static void add(List<String> args, String keyword, String value) {
        args.add(keyword);
        args.add(value);
    }

    private static String upper(Object value) {
        return value.toString().toUpperCase(Locale.ROOT);
    }

    /** Prints a number without a trailing {@code .0} so that commands read as a person would type them. */
    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }
}
