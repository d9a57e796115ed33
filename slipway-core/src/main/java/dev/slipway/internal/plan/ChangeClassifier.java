package dev.slipway.internal.plan;

import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.schema.FieldAttribute;
import dev.slipway.internal.schema.FilterExpressions;
import dev.slipway.internal.vector.VectorDataType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lists every difference between a source and a target schema and says, for each, whether Slipway can carry it
 * out and why not. One small method per rule. Pure.
 */
public final class ChangeClassifier {
    /** Note added to every change that rewrites documents. */
    static final String REWRITES = "rewrites the index's documents (originals are backed up under --backup-dir)";
    /** The subject of an index-only change of the prefix list, which changes the documents the index covers. */
    public static final String PREFIXES = "index.prefixes";
    private static final Set<String> VECTOR_INDEX_ATTRS = Set.of("algorithm", "distance_metric", "m",
            "ef_construction", "ef_runtime", "epsilon", "initial_cap", "block_size", "compression",
            "construction_window_size", "graph_max_degree", "search_window_size", "training_threshold", "reduce",
            "index_missing");

    private ChangeClassifier() {
    }

    /**
     * Classifies the differences.
     *
     * @param renames field renames requested by the patch, old name to new name (empty for a target schema)
     */
    public static List<SchemaChange> classify(IndexSchema source, IndexSchema target, Map<String, String> renames) {
        List<SchemaChange> changes = new ArrayList<>();
        indexChanges(source, target, changes);
        Map<String, String> newToOld = new HashMap<>();
        renames.forEach((oldName, newName) -> newToOld.put(newName, oldName));
        for (FieldSchema after : target.fields()) {
            String oldName = newToOld.getOrDefault(after.name(), after.name());
            Optional<FieldSchema> before = source.field(oldName);
            if (before.isEmpty()) {
                changes.add(added(after));
            } else {
                fieldChanges(source, before.get(), after, changes);
            }
        }
        for (FieldSchema before : source.fields()) {
            String newName = renames.getOrDefault(before.name(), before.name());
            if (target.field(newName).isEmpty()) {
                changes.add(new SchemaChange(ChangeKind.REMOVE_FIELD, before.name(), before.type().yamlName(), "",
                        true, "the field stops being indexed; documents keep their data"));
            }
        }
        return blockSharedConversions(target, changes);
    }

    /**
     * A HASH vector field's datatype change converts the bytes of its document field, which every attribute reading
     * that field then reads: one that does not change to the same datatype reads them as its own type, failing every
     * document or, at the same width, indexing wrong vectors (tester session 55 R49 T2 F1: FLOAT16 and BFLOAT16 over
     * one field exited 0 with validation passing, float32 alone emptied the index).
     */
    private static List<SchemaChange> blockSharedConversions(IndexSchema target, List<SchemaChange> changes) {
        if (target.storageType() != StorageType.HASH) {
            return changes;
        }
        List<SchemaChange> checked = new ArrayList<>();
        for (SchemaChange change : changes) {
            Optional<FieldSchema> converted = change.kind() == ChangeKind.CHANGE_VECTOR_DATATYPE && change.supported()
                    ? target.field(change.subject()) : Optional.empty();
            List<String> others = converted.stream().flatMap(field -> target.fields().stream()
                    .filter(f -> !f.name().equals(field.name()) && f.path().equals(field.path()))
                    .filter(f -> f.type() != FieldType.VECTOR
                            || !String.valueOf(f.attrs().get("datatype")).equalsIgnoreCase(change.to())
                            || !Objects.equals(f.attrs().get("dims"), field.attrs().get("dims"))) // R50 N4
                    .map(f -> "'" + f.name() + "' (" + (f.type() == FieldType.VECTOR ? "a " + String.valueOf(
                            f.attrs().get("datatype")).toUpperCase(java.util.Locale.ROOT) + " vector of "
                            + f.attrs().get("dims") + " dims" : f.type().yamlName()) + ")")).toList();
            checked.add(others.isEmpty() ? change : new SchemaChange(change.kind(), change.subject(), change.from(),
                    change.to(), false, "the conversion rewrites document field '" + converted.get().path()
                    + "', which " + String.join(", ", others) + " also " + (others.size() == 1 ? "reads" : "read")
                    + " and would index wrongly or not at all; change " + (others.size() == 1 ? "it" : "them")
                    + " to " + change.to() + " in the same patch (a vector of " + converted.get().attrs().get("dims")
                    + " dims only: a DIM cannot change), or remove " + (others.size() == 1 ? "it" : "them")));
        }
        return checked;
    }

    private static void indexChanges(IndexSchema source, IndexSchema target, List<SchemaChange> changes) {
        if (!source.name().equals(target.name())) {
            changes.add(new SchemaChange(ChangeKind.RENAME_INDEX, "index", source.name(), target.name(), true,
                    "applications must query the new name afterwards"));
        }
        if (source.storageType() != target.storageType()) {
            changes.add(new SchemaChange(ChangeKind.CHANGE_STORAGE_TYPE, "index", source.storageType().yamlName(),
                    target.storageType().yamlName(), false, "hash and JSON documents have different formats; "
                    + "export, transform and reload the documents under a new index instead"));
        }
        if (!source.prefixes().equals(target.prefixes())) {
            changes.add(prefixChange(source.prefixes(), target.prefixes()));
        }
        Optional<SchemaChange> unreadable = unreadableJsonFilter(source, target);
        if (unreadable.isPresent()) {
            changes.add(unreadable.get());
        } else {
            option(changes, "filter", source.filter().orElse(""), target.filter().orElse(""),
                    "the set of indexed documents may change, so validation does not require equal counts");
        }
        option(changes, "language", source.language(), target.language(), "text is re-stemmed");
        option(changes, "language_field", source.languageField().orElse(""), target.languageField().orElse(""), "");
        option(changes, "score", Double.toString(source.score()), Double.toString(target.score()), "");
        option(changes, "score_field", source.scoreField().orElse(""), target.scoreField().orElse(""), "");
        option(changes, "payload_field", source.payloadField().orElse(""), target.payloadField().orElse(""), "");
        option(changes, "stopwords", source.stopwords().map(Object::toString).orElse("default"),
                target.stopwords().map(Object::toString).orElse("default"), "");
        if (target.options().contains(IndexOption.SKIPINITIALSCAN)) {
            // the new index would skip every document that exists when it is created: a drop-recreate served 0 of
            // 1,000 documents and exited 0 (tester session 40 R29 F7); a zero-downtime one failed only at its verify
            changes.add(new SchemaChange(ChangeKind.UPDATE_INDEX_OPTION, "index.options",
                    new TreeSet<>(source.options()).toString(), new TreeSet<>(target.options()).toString(), false,
                    "SKIPINITIALSCAN makes an index skip every document that exists when it is created, and Slipway "
                            + "builds the new index from the documents that exist: it would serve none of them. "
                            + "Remove skipinitialscan from the patch (or target schema)"));
        } else {
            option(changes, "options", new TreeSet<>(source.options()).toString(),
                    new TreeSet<>(target.options()).toString(), "");
        }
    }

    private static SchemaChange prefixChange(List<String> from, List<String> to) {
        String before = String.join(",", from);
        String after = String.join(",", to);
        if (to.isEmpty() && from.size() == 1) {
            return new SchemaChange(ChangeKind.CHANGE_PREFIX, "index", before, "", false, "without a prefix the "
                    + "index would cover every key of its storage type in the database, so there is no prefix to move "
                    + "the keys of '" + before + "' to. To index more keys without moving any, add their prefixes to "
                    + "the list (keeping '" + before + "'), or create a separate index for them; to move the keys out "
                    + "of '" + before + "', name the prefix they should move to");
        }
        Optional<SchemaChange> widenedOrNarrowed = prefixesAddedOrRemoved(from, to);
        if (widenedOrNarrowed.isPresent()) {
            return widenedOrNarrowed.get();
        }
        if (from.size() != 1 || to.size() != 1) {
            return new SchemaChange(ChangeKind.CHANGE_PREFIX, "index", before, after, false, "keys can only be "
                    + "moved from exactly one prefix to exactly one prefix; an index without a prefix or with several "
                    + "cannot say which keys go where. Adding prefixes to the list, or removing some of them, moves "
                    + "no key and is an index-only change: move the keys with your own script, and let the index "
                    + "follow in two migrations, one that adds the new prefixes, then one that removes the old ones");
        }
        if (!after.equals(before) && before.startsWith(after)) {
            return new SchemaChange(ChangeKind.CHANGE_PREFIX, "index", before, after, false, "the new prefix '"
                    + after + "' contains the old one '" + before + "': a moved key can land under the old prefix "
                    + "again ('" + before + before.substring(after.length()) + "1' would become '" + before
                    + "1'), so moved and unmoved documents cannot be told apart, and the index's own documents are "
                    + "already under the new prefix. Move the keys in two migrations: first to a prefix that "
                    + "overlaps neither (for example 'migrating:'), then to '" + after + "'");
        }
        String keys = after.startsWith(before) ? "every key under '" + before + "' that is not already under '"
                + after + "'" : "every key under '" + before + "'";
        return new SchemaChange(ChangeKind.CHANGE_PREFIX, "index", before, after, true, keys + " is renamed to '"
                + after + "' (RENAMENX: an existing key is never overwritten); " + REWRITES);
    }

    /**
     * A prefix list that keeps every old prefix and adds some, or keeps some and drops the rest (or names prefixes
     * for an index that had none), moves no key: the index covers more or fewer keys, an index-only change (tester
     * session 40 R29 F4: it was blocked as a key move, with advice that could not be followed). Validation then does
     * not compare document counts, as for a FILTER change.
     */
    static Optional<SchemaChange> prefixesAddedOrRemoved(List<String> from, List<String> to) {
        Set<String> before = new LinkedHashSet<>(from);
        Set<String> after = new LinkedHashSet<>(to);
        if (to.isEmpty() || !(after.containsAll(before) || before.containsAll(after) || from.isEmpty())) {
            return Optional.empty();
        }
        // a prefix under another one in the same list adds no key ('a:b:' beside 'a:'; tester session 41 R31 F6)
        List<String> added = addedPrefixes(from, to);
        List<String> removed = widest(from).stream().filter(p -> !covered(p, to)).toList();
        String what = from.isEmpty() ? "covers only the keys under " + quoted(to) + " instead of every key"
                : !added.isEmpty() ? "also covers the keys under " + quoted(added)
                : !removed.isEmpty() ? "no longer covers the keys under " + quoted(removed)
                : "covers the same keys";
        return Optional.of(new SchemaChange(ChangeKind.UPDATE_INDEX_OPTION, PREFIXES, String.join(",", from),
                String.join(",", to), true, "index-only change; no key moves: the index " + what + ", whose documents "
                + "stay as they are, so validation does not compare the document count with the source's"));
    }

    /** {@code wanted}, or with a number after it, so that the index has no field by that name (R31 F7). */
    private static String freeName(IndexSchema schema, String wanted) {
        String name = wanted;
        for (int n = 2; schema.field(name).isPresent(); n++) {
            name = wanted + "_" + n;
        }
        return name;
    }

    /**
     * The prefixes of {@code to} whose keys no prefix of {@code from} covers (none when {@code from} is empty: an
     * index without prefixes covers every key).
     */
    static List<String> addedPrefixes(List<String> from, List<String> to) {
        return from.isEmpty() ? List.of() : widest(to).stream().filter(p -> !covered(p, from)).toList();
    }

    /** {@link #addedPrefixes} of a list that keeps every old prefix (not a key move to a new prefix). */
    static List<String> prefixesWidened(List<String> from, List<String> to) {
        return to.containsAll(from) ? addedPrefixes(from, to) : List.of();
    }

    /** The prefixes of a list that lie under no other one of it. */
    private static List<String> widest(List<String> prefixes) {
        return prefixes.stream().distinct().filter(p -> prefixes.stream().noneMatch(o -> !o.equals(p)
                && p.startsWith(o))).toList();
    }

    /** Whether the keys under {@code prefix} are all under one of {@code prefixes}. */
    private static boolean covered(String prefix, List<String> prefixes) {
        return prefixes.stream().anyMatch(prefix::startsWith);
    }

    private static String quoted(List<String> prefixes) {
        return String.join(", ", prefixes.stream().map(p -> "'" + p + "'").toList());
    }

    /**
     * A new FILTER of a JSON index that names something other than its attributes: a JSON FILTER reads attributes
     * only, so it admits no document (checked on Search 2.10.5; tester session 42 R33 F6: 19,950 documents served
     * before, 0 after, with no word). Blocked, naming the field to add.
     */
    private static Optional<SchemaChange> unreadableJsonFilter(IndexSchema source, IndexSchema target) {
        if (target.storageType() != StorageType.JSON || target.filter().isEmpty()
                || target.filter().equals(source.filter())) {
            return Optional.empty();
        }
        List<String> unknown = FilterExpressions.attributes(target.filter().get()).stream()
                .filter(name -> !name.equals(FilterExpressions.KEY) && target.field(name).isEmpty()).toList();
        if (unknown.isEmpty()) {
            return Optional.empty();
        }
        String first = unknown.get(0);
        return Optional.of(new SchemaChange(ChangeKind.UPDATE_INDEX_OPTION, "index.filter",
                source.filter().orElse(""), target.filter().get(), false, "the FILTER names " + unknown.stream()
                .map(name -> "'@" + name + "'").collect(java.util.stream.Collectors.joining(", ")) + ", which "
                + (unknown.size() == 1 ? "is not an attribute" : "are not attributes") + " of the index: a JSON "
                + "index's FILTER reads its attributes only, so it would admit no document. Add "
                + (unknown.size() == 1 ? "it" : "them") + " as fields in the same patch (for example add_fields: "
                + "[{name: " + first + ", path: '$." + first + "', type: tag}]), or name attributes the index has"));
    }

    private static void option(List<SchemaChange> changes, String what, String from, String to, String note) {
        if (!from.equals(to)) {
            changes.add(new SchemaChange(ChangeKind.UPDATE_INDEX_OPTION, "index." + what, from, to, true,
                    note.isEmpty() ? "index-only change" : "index-only change; " + note));
        }
    }

    private static SchemaChange added(FieldSchema field) {
        if (field.type() == FieldType.VECTOR) {
            // it was refused with advice to write the vectors first, which did not unblock it (tester session 31
            // R10 M5): the documents' vectors are read like any other new field's values
            return new SchemaChange(ChangeKind.ADD_VECTOR_FIELD, field.name(), "", describe(field), true,
                    "index-only change; documents that hold a vector of the field's type and size are indexed on "
                            + "it, documents without one are left out of its vector index, and one of another size "
                            + "is an indexing failure, which validation reports");
        }
        return new SchemaChange(ChangeKind.ADD_FIELD, field.name(), "", describe(field), true,
                "index-only change; existing documents are indexed on the new field");
    }

    private static void fieldChanges(IndexSchema source, FieldSchema before, FieldSchema after,
                                     List<SchemaChange> changes) {
        StorageType storage = source.storageType();
        if (!before.name().equals(after.name())) {
            changes.add(rename(before, after));
        } else if (!before.path().equals(after.path())) {
            changes.add(new SchemaChange(ChangeKind.CHANGE_FIELD_PATH, after.name(), before.path(), after.path(),
                    true, "index-only change; the field is read from the new path, documents are not changed"));
        }
        if (before.type() != after.type()) {
            changes.add(new SchemaChange(ChangeKind.CHANGE_FIELD_TYPE, after.name(), before.type().yamlName(),
                    after.type().yamlName(), false, "a field cannot change type under the same name (also not by "
                    + "removing it and adding it again in one patch): queries written for the old type would fail or "
                    + "match differently at once. Add the new type under another name that reads the same document "
                    + "field (add_fields: [{name: " + freeName(source, after.name() + "_" + after.type().yamlName())
                    + ", type: " + after.type().yamlName() + ", path: '" + before.path() + "'}]), move the queries "
                    + "to it, then remove '" + before.name() + "' in a later migration"));
            return;
        }
        if (after.type() == FieldType.VECTOR) {
            vectorChanges(storage, before, after, changes);
        } else if (!before.attrs().equals(after.attrs())) {
            changes.add(new SchemaChange(ChangeKind.UPDATE_FIELD_OPTION, after.name(), before.attrs().toString(),
                    after.attrs().toString(), true, "index-only change"));
        }
    }

    private static SchemaChange rename(FieldSchema before, FieldSchema after) {
        if (before.path().equals(after.path())) {
            return new SchemaChange(ChangeKind.RENAME_FIELD, before.name(), before.name(), after.name(), true,
                    "index-only change: the attribute name changes, the documents keep field '" + after.path()
                            + "'; queries must use @" + after.name());
        }
        if (before.path().startsWith("$")) {
            Optional<String> blocked = jsonMoveProblem(before.path(), after.path());
            if (blocked.isPresent()) {
                return new SchemaChange(ChangeKind.MOVE_FIELD, before.name(), before.path(), after.path(), false,
                        blocked.get());
            }
        }
        return new SchemaChange(ChangeKind.MOVE_FIELD, before.name(), before.path(), after.path(), true,
                "the document field '" + before.path() + "' moves to '" + after.path() + "'; " + REWRITES);
    }

    private static void vectorChanges(StorageType storage, FieldSchema before, FieldSchema after,
                                      List<SchemaChange> changes) {
        Object dimsBefore = before.attrs().get("dims");
        Object dimsAfter = after.attrs().get("dims");
        if (!Objects.equals(dimsBefore, dimsAfter)) {
            changes.add(new SchemaChange(ChangeKind.CHANGE_VECTOR_DIMS, after.name(), String.valueOf(dimsBefore),
                    String.valueOf(dimsAfter), false, "vectors of another dimension need new embeddings; "
                    + "re-embed the documents with the new model into a new field or index"));
        }
        Object typeBefore = before.attrs().get("datatype");
        Object typeAfter = after.attrs().get("datatype");
        if (!Objects.equals(typeBefore, typeAfter)) {
            changes.add(datatypeChange(storage, after.name(), String.valueOf(typeBefore), String.valueOf(typeAfter)));
        }
        Map<String, Object> indexBefore = subset(before.attrs());
        Map<String, Object> indexAfter = subset(after.attrs());
        if (!indexBefore.equals(indexAfter)) {
            changes.add(new SchemaChange(ChangeKind.UPDATE_VECTOR_INDEX, after.name(), indexBefore.toString(),
                    withDefaultsShown(indexBefore, indexAfter).toString(), true, "index-only change; the vector "
                    + "index is rebuilt"));
        }
    }

    /**
     * The attributes after a change, with the server default shown for one the change sets back to it: a schema
     * leaves defaults out, so {@code m: 16} asked for over {@code m: 8} read as m removed (tester session 52 R46 T2
     * F4), and FT.CREATE leaves it out too, which the server takes as 16.
     */
    private static Map<String, Object> withDefaultsShown(Map<String, Object> before, Map<String, Object> after) {
        Map<String, Object> shown = new java.util.TreeMap<>(after);
        // a tuning of the other algorithm is not set back but left behind: HNSW's m for a FLAT target (tester
        // session 54 R48 T2 F8 read "m=16 (the server's default)" for FLAT)
        String algorithm = String.valueOf(after.get("algorithm")).toLowerCase(java.util.Locale.ROOT);
        Set<String> elsewhere = algorithm.equals("flat") ? Set.of("m", "ef_construction", "ef_runtime", "epsilon")
                : algorithm.equals("hnsw") ? Set.of("block_size") : Set.of();
        before.keySet().stream().filter(name -> !after.containsKey(name) && !elsewhere.contains(name)).forEach(name ->
                FieldAttribute.serverDefault(name).ifPresent(value -> shown.put(name, value + " (the server's "
                        + "default)")));
        return shown;
    }

    private static SchemaChange datatypeChange(StorageType storage, String field, String from, String to) {
        if (storage == StorageType.JSON) {
            return new SchemaChange(ChangeKind.CHANGE_VECTOR_DATATYPE, field, from, to, true,
                    "index-only change for JSON: documents keep their numbers and the index stores them as " + to);
        }
        VectorDataType source = VectorDataType.parse(from);
        VectorDataType target = VectorDataType.parse(to);
        if (source.bytesPerElement() == target.bytesPerElement()) {
            return new SchemaChange(ChangeKind.CHANGE_VECTOR_DATATYPE, field, from, to, false, "a conversion between "
                    + "types of the same width cannot be told apart from its result, so it could not resume safely "
                    + "after a crash; convert in two migrations through float32 instead");
        }
        return new SchemaChange(ChangeKind.CHANGE_VECTOR_DATATYPE, field, from, to, true, "the stored vector bytes "
                + "are converted" + (source.isLossyTo(target) ? " (lossy: needs --accept-data-loss)" : "") + "; "
                + REWRITES);
    }

    /**
     * Why a JSON value cannot be moved from one path to the other, if it cannot: both must name one member by member
     * names only ({@link MemberPath}), in the same parent object.
     */
    static Optional<String> jsonMoveProblem(String from, String to) {
        Optional<MemberPath> source = MemberPath.parse(from);
        Optional<MemberPath> target = MemberPath.parse(to);
        if (source.isEmpty() || target.isEmpty()) {
            return Optional.of("'" + (source.isEmpty() ? from : to) + "' is not a plain member path ($.a.b, or "
                    + "$['a b'] for a name with characters other than ASCII letters, digits, _ and -; a quoted name "
                    + "must not hold a backslash, which RedisJSON reads differently when writing and reading): a path "
                    + "with a wildcard, an array index, a slice or a filter can match several values or none, so it "
                    + "cannot be moved document by document; move the values with your own script");
        }
        if (!source.get().parent().equals(target.get().parent())) {
            return Optional.of("a JSON value can only be renamed within the same parent object (" + from + " and "
                    + to + " are in different ones); move it with your own script");
        }
        return Optional.empty();
    }

    private static Map<String, Object> subset(Map<String, Object> attrs) {
        Map<String, Object> subset = new java.util.TreeMap<>();
        attrs.forEach((k, v) -> {
            if (VECTOR_INDEX_ATTRS.contains(k)) {
                subset.put(k, v);
            }
        });
        return subset;
    }

    static String describe(FieldSchema field) {
        return field.attrs().isEmpty() ? field.type().yamlName() : field.type().yamlName() + " " + field.attrs();
    }
}
