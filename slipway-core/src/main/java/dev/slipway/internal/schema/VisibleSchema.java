package dev.slipway.internal.schema;

import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The part of a schema that {@code FT.INFO} can show. Comparisons between a live index and a schema from a file
 * or a plan use this form, because options the server does not report (PHONETIC, EF_RUNTIME, ...) would
 * otherwise always look different.
 */
public final class VisibleSchema {
    private VisibleSchema() {
    }

    /** The schema without the attributes and options {@code FT.INFO} does not report. */
    public static IndexSchema of(IndexSchema schema) {
        List<FieldSchema> fields = new ArrayList<>();
        for (FieldSchema field : schema.fields()) {
            Map<String, Object> attrs = new LinkedHashMap<>();
            field.attrs().forEach((name, value) -> FieldAttribute.byName(name)
                    .filter(FieldAttribute::reportedByServer).ifPresent(a -> attrs.put(name, value)));
            fields.add(field.withAttrs(attrs));
        }
        IndexSchema.Builder builder = schema.toBuilder().fields(fields);
        builder.options(schema.options().stream().filter(IndexOption::reportedByServer)
                .collect(java.util.stream.Collectors.toSet()));
        return builder.build();
    }

    /** Whether two schemas are equal in everything the server reports (names included). */
    public static boolean matches(IndexSchema expected, IndexSchema live) {
        return of(expected).equals(of(live));
    }

    /** Human-readable differences between the visible parts of two schemas; empty when they match. */
    public static List<String> differences(IndexSchema expected, IndexSchema live) {
        IndexSchema a = of(expected);
        IndexSchema b = of(live);
        List<String> differences = new ArrayList<>();
        if (!a.name().equals(b.name())) {
            differences.add("index name: expected '" + a.name() + "', found '" + b.name() + "'");
        }
        IndexSchema renamedB = b.withName(a.name());
        for (SchemaChange change : dev.slipway.internal.plan.ChangeClassifier.classify(a, renamedB, Map.of())) {
            // a key move's subject is the index; here it is the prefix list that differs (tester session 40 R30 F17)
            String subject = change.kind() == dev.slipway.api.plan.ChangeKind.CHANGE_PREFIX
                    ? dev.slipway.internal.plan.ChangeClassifier.PREFIXES : change.subject();
            differences.add(subject + ": expected " + blank(change.from()) + ", found " + blank(change.to()));
        }
        if (differences.isEmpty() && !a.equals(b)) {
            differences.add("field order differs: expected " + names(a) + ", found " + names(b));
        }
        return differences;
    }

    private static String blank(String text) {
        return text.isEmpty() ? "(none)" : text;
    }

    private static List<String> names(IndexSchema schema) {
        return schema.fields().stream().map(FieldSchema::name).toList();
    }

    /** Adds hidden attributes of {@code recorded} to {@code live} when their visible parts match. */
    public static Optional<IndexSchema> enrich(IndexSchema live, IndexSchema recorded) {
        return matches(recorded.withName(live.name()), live) ? Optional.of(recorded.withName(live.name()))
                : Optional.empty();
    }
}
