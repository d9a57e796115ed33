package dev.slipway.internal.plan;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.schema.SchemaPatch.FieldRename;
import dev.slipway.api.schema.SchemaPatch.FieldUpdate;
import dev.slipway.api.schema.SchemaPatch.IndexChanges;
import dev.slipway.internal.schema.FieldAttribute;
import dev.slipway.internal.schema.PatchDocument;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Merges a {@link SchemaPatch} into a source schema. Pure: no Redis. Every reference to a field that does not
 * exist (or already exists, for additions) is collected as a problem, so the user sees all mistakes at once.
 */
public final class SchemaMerger {

    /**
     * The merge result.
     *
     * @param target   the merged schema, absent when problems prevented building it
     * @param problems what in the patch does not fit the source schema
     * @param entries  for each problem, the patch entry it is about ({@code rename_fields[2]}), or "" when it is
     *                 about the patch as a whole; a file's reader knows the entry's line (tester session 52 R46 T2 F5)
     */
    public record Result(Optional<IndexSchema> target, List<String> problems, List<String> entries) {
        private Result(Optional<IndexSchema> target, Found found) {
            this(target, List.copyOf(found.texts), List.copyOf(found.entries));
        }
    }

    /** The problems found so far, each with the entry being merged when it was found. */
    private static final class Found {
        private final List<String> texts = new ArrayList<>();
        private final List<String> entries = new ArrayList<>();
        private String entry = "";

        void add(String text) {
            texts.add(text);
            entries.add(entry);
        }

        void at(String section, int position) {
            entry = PatchDocument.entry(section, position);
        }

        void aboutThePatchAsAWhole() {
            entry = "";
        }

        boolean isEmpty() {
            return texts.isEmpty();
        }
    }

    private SchemaMerger() {
    }

    /** Applies the patch to the source schema. */
    public static Result merge(IndexSchema source, SchemaPatch patch) {
        Found problems = new Found();
        Map<String, FieldSchema> fields = new LinkedHashMap<>();
        source.fields().forEach(f -> fields.put(f.name(), f));
        for (int i = 0; i < patch.removeFields().size(); i++) {
            String name = patch.removeFields().get(i);
            problems.at("remove_fields", i);
            if (fields.remove(name) == null) {
                problems.add("remove_fields: " + noField(source, name)); // a duplicate names the first (R46 T2)
            }
        }
        for (int i = 0; i < patch.updateFields().size(); i++) {
            problems.at("update_fields", i);
            applyUpdate(source, fields, patch.updateFields().get(i), problems);
        }
        Map<String, String> movedAway = new LinkedHashMap<>(); // document field or path moved away -> renamed field
        Set<String> renamed = new HashSet<>();
        Set<String> newNames = new HashSet<>();
        for (int i = 0; i < patch.renameFields().size(); i++) {
            FieldRename rename = patch.renameFields().get(i);
            problems.at("rename_fields", i);
            if (newNames.contains(rename.oldName())) {
                // a chain (title -> t2, t2 -> t3) would plan as the removal of 'title' and a new, empty 't3': the
                // documents would keep 'title' and nothing would find them by the new name
                problems.add("rename_fields: '" + rename.oldName() + "' is the new name of another rename in this "
                        + "patch; rename the index's field once, straight to its final name");
            } else if (renamed.add(rename.oldName())) {
                applyRename(source, fields, rename, movedAway, problems);
                newNames.add(rename.newName());
            } else {
                problems.add("rename_fields: field '" + rename.oldName() + "' is renamed more than once in this "
                        + "patch; rename it once");
            }
        }
        java.util.Set<String> addedNames = new java.util.HashSet<>();
        for (int i = 0; i < patch.addFields().size(); i++) {
            FieldSchema added = patch.addFields().get(i);
            problems.at("add_fields", i);
            if (!addedNames.add(added.name())) { // tester session 31 R11 L3: it said the index had the field
                problems.add("add_fields: field '" + added.name() + "' is added more than once in this patch; add "
                        + "it once");
            } else if (fields.containsKey(added.name())) {
                problems.add("add_fields: index '" + source.name() + "' already has a field '" + added.name()
                        + "'; use update_fields to change it");
            } else {
                fields.put(added.name(), added);
            }
        }
        problems.aboutThePatchAsAWhole();
        if (fields.isEmpty()) {
            problems.add("the patch removes every field of index '" + source.name()
                    + "'; an index needs at least one field");
        }
        if (!problems.isEmpty()) {
            return new Result(Optional.empty(), problems);
        }
        try {
            IndexSchema target = applyIndexChanges(source.toBuilder(), patch.index())
                    .fields(new ArrayList<>(fields.values())).build();
            // a rename whose path an update_fields changed moves the document field too (the classifier's
            // move_field), though applyRename saw no path change of its own
            for (int i = 0; i < patch.renameFields().size(); i++) {
                FieldRename rename = patch.renameFields().get(i);
                problems.at("rename_fields", i);
                source.field(rename.oldName()).ifPresent(before -> Optional.ofNullable(fields.get(rename.newName()))
                        .filter(after -> !after.path().equals(before.path()))
                        .ifPresent(after -> {
                            movedAway.putIfAbsent(before.path(), rename.oldName());
                            movesIntoARead(source, fields, before, after, rename, problems);
                        }));
            }
            referencesToMovedFields(target, patch.renameFields(), movedAway, problems);
            filterReadsRenamedAttributes(target, patch.renameFields(), movedAway, problems);
            readsMovedInto(source, target, patch.renameFields(), movedAway, problems);
            filterReadsRemovedAttributes(target, patch.removeFields(), problems);
            return new Result(problems.isEmpty() ? Optional.of(target) : Optional.empty(), problems);
        } catch (IllegalArgumentException e) {
            Found whole = new Found();
            whole.add(e.getMessage());
            return new Result(Optional.empty(), whole);
        }
    }

    /**
     * The index options of the target that still name a document field a rename moves away (FILTER,
     * LANGUAGE_FIELD, SCORE_FIELD, PAYLOAD_FIELD): the new index would read a field no document has any more.
     */
    private static void referencesToMovedFields(IndexSchema target, List<FieldRename> renames,
                                                Map<String, String> movedAway, Found problems) {
        List<String> oldNames = renames.stream().map(FieldRename::oldName).toList();
        movedAway.forEach((path, renamed) -> {
            problems.at("rename_fields", oldNames.indexOf(renamed));
            String advice = "; change it in the same patch (under 'index:') or leave field '" + renamed
                    + "' where it is";
            target.filter().filter(f -> filterReads(f, path) || filterReads(f, renamed))
                    .ifPresent(f -> problems.add("rename_fields: the "
                    + "index's filter '" + f + "' reads '" + path + "', which the rename of '" + renamed
                    + "' moves away" + advice));
            Map<String, Optional<String>> options = new LinkedHashMap<>();
            options.put("language_field", target.languageField());
            options.put("score_field", target.scoreField());
            options.put("payload_field", target.payloadField());
            options.forEach((option, value) -> value.filter(path::equals).ifPresent(v -> problems.add(
                    "rename_fields: the index's " + option + " is '" + v + "', which the rename of '" + renamed
                            + "' moves away" + advice)));
            // another attribute of the same document field (title TEXT, title AS title_tag TAG) would read nothing
            target.fields().stream().filter(f -> reads(f.path(), path)).forEach(f -> problems.add("rename_fields: "
                    + "field '" + f.name() + "' also reads document field '" + path + "', which the rename of '"
                    + renamed + "' moves away, so it would index nothing; point it at the new field in the same "
                    + "patch (update_fields: - {name: " + f.name() + ", path: <new field>}) or leave '" + renamed
                    + "' where it is"));
        });
    }

    /**
     * A move made of a rename and a path update into a document field another attribute reads: applyRename looks at
     * the rename's own path, which the update replaced (tester session 55 R50 N1: the other attribute indexed the
     * moved values, exit 0). One the patch points at the same field as the moved one, or that read it before, follows.
     */
    private static void movesIntoARead(IndexSchema source, Map<String, FieldSchema> fields, FieldSchema before,
                                       FieldSchema after, FieldRename rename, Found problems) {
        fields.values().stream().filter(f -> f != after
                        && reads(f.normalizedFor(source.storageType()).path(), after.path())
                        && !source.field(f.name()).map(FieldSchema::path).equals(Optional.of(before.path())))
                .findFirst().ifPresent(holder -> problems.add("rename_fields: '" + rename.oldName() + "' would move "
                        + "into document field '" + after.path() + "', which field '" + holder.name() + "' of index '"
                        + source.name() + "' reads; choose another path"));
    }

    /** Whether a filter names {@code field} ({@code @field}, not a longer name that begins with it). */
    private static boolean filterReads(String filter, String field) {
        return Pattern.compile("@" + Pattern.quote(field) + "(?![\\w$.\\[])").matcher(filter).find();
    }

    /**
     * Whether an attribute on {@code attribute} reads the document field at {@code path}: the same name, or for JSON
     * a path whose leading members ({@link MemberPath#leadingMembers}) hold that member or lie inside it, however
     * they are quoted. {@code $["title"]} and {@code $..title} read {@code $.title}, {@code $.tags[*]} does not
     * (tester session 55 R49 T2 F2: compared as text, a rename moved what they read and exited 0).
     */
    static boolean reads(String attribute, String path) {
        if (attribute.equals(path)) {
            return true;
        }
        Optional<List<String>> within = MemberPath.leadingMembers(attribute);
        Optional<List<String>> at = MemberPath.leadingMembers(path);
        if (within.isEmpty() || at.isEmpty()) {
            return false;
        }
        int common = Math.min(within.get().size(), at.get().size());
        return within.get().subList(0, common).equals(at.get().subList(0, common));
    }

    /**
     * A HASH filter reads document fields by name, attributes or not: a rename that moves a value into a field it
     * reads changes which documents it admits (tester session 55 R49 T2 F7: {@code !exists(@name)} admitted 50
     * documents, 0 after title was renamed to name). So do the language, score and payload fields. One the patch
     * changes is the user's choice ({@code @cost > 0} written for a rename of price to cost).
     */
    private static void readsMovedInto(IndexSchema source, IndexSchema target, List<FieldRename> renames,
                                       Map<String, String> movedAway, Found problems) {
        if (target.storageType() != StorageType.HASH) {
            filterReadsNewAttributeNames(source, target, renames, problems);
            return;
        }
        for (int i = 0; i < renames.size(); i++) {
            FieldRename rename = renames.get(i);
            Optional<String> into = target.field(rename.newName()).map(FieldSchema::path)
                    .filter(p -> movedAway.containsValue(rename.oldName()));
            if (into.isEmpty()) {
                continue;
            }
            problems.at("rename_fields", i);
            String path = into.get();
            List<String> readers = new ArrayList<>();
            target.filter().filter(f -> filterReads(f, path) && source.filter().equals(target.filter()))
                    .ifPresent(f -> readers.add("filter '" + f + "'"));
            target.languageField().filter(f -> f.equals(path) && source.languageField().equals(target.languageField()))
                    .ifPresent(f -> readers.add("language_field"));
            target.scoreField().filter(f -> f.equals(path) && source.scoreField().equals(target.scoreField()))
                    .ifPresent(f -> readers.add("score_field"));
            target.payloadField().filter(f -> f.equals(path) && source.payloadField().equals(target.payloadField()))
                    .ifPresent(f -> readers.add("payload_field"));
            if (!readers.isEmpty()) {
                problems.add("rename_fields: the index's " + String.join(" and ", readers) + " reads document field '"
                        + path + "', which the rename of '" + rename.oldName() + "' moves a value into, so the new "
                        + "index would read the moved value there; change " + (readers.size() == 1 ? "it" : "them")
                        + " in the same patch (under 'index:') or give '" + rename.oldName() + "' another name");
            }
        }
    }

    /**
     * A JSON filter reads attributes by name: a rename to a name the unchanged filter reads makes it read the renamed
     * attribute's values (tester session 55 R50 N2: {@code !exists(@name)} admitted 50 documents, 0 after title was
     * renamed to name, exit 1 with the index empty).
     */
    private static void filterReadsNewAttributeNames(IndexSchema source, IndexSchema target,
                                                     List<FieldRename> renames, Found problems) {
        if (target.filter().isEmpty() || !source.filter().equals(target.filter())) {
            return;
        }
        for (int i = 0; i < renames.size(); i++) {
            FieldRename rename = renames.get(i);
            if (filterReads(target.filter().get(), rename.newName())) {
                problems.at("rename_fields", i);
                problems.add("rename_fields: the index's filter '" + target.filter().get() + "' reads attribute '"
                        + rename.newName() + "', which the rename of '" + rename.oldName() + "' creates, so the new "
                        + "index would judge the documents by its values (a JSON filter reads attributes); change the "
                        + "filter in the same patch (under 'index:') or choose another name");
            }
        }
    }

    /**
     * A filter reads attributes by name: an index-only rename (the document field stays) leaves {@code @old} in it
     * naming nothing, and the new index would match no document. (Renames that move the field are checked with the
     * moved paths above.)
     */
    private static void filterReadsRenamedAttributes(IndexSchema target, List<FieldRename> renames,
                                                     Map<String, String> movedAway, Found problems) {
        for (int i = 0; i < renames.size(); i++) {
            FieldRename rename = renames.get(i);
            if (movedAway.containsValue(rename.oldName())) {
                continue;
            }
            problems.at("rename_fields", i);
            target.filter().filter(f -> filterReads(f, rename.oldName()))
                    .ifPresent(f -> problems.add("rename_fields: the "
                    + "index's filter '" + f + "' reads attribute '" + rename.oldName() + "', which the rename to '"
                    + rename.newName() + "' removes; change the filter in the same patch (under 'index:')"));
        }
    }

    /**
     * A JSON index's filter reads attributes only: one the patch removes (and does not add again) would leave
     * {@code @name} naming nothing, and the new index would admit no document (tester session 54 R48 T2 F2: planned
     * as supported; a drop-recreate served 0 documents). A HASH filter reads the document's fields themselves.
     */
    private static void filterReadsRemovedAttributes(IndexSchema target, List<String> removed, Found problems) {
        if (target.storageType() != StorageType.JSON) {
            return;
        }
        for (int i = 0; i < removed.size(); i++) {
            String name = removed.get(i);
            if (target.field(name).isEmpty()) {
                problems.at("remove_fields", i);
                target.filter().filter(f -> filterReads(f, name)).ifPresent(f -> problems.add("remove_fields: "
                        + "the index's filter '" + f + "' reads attribute '" + name + "', which this removes, so "
                        + "the new index would admit no document (a JSON filter reads attributes only); change the "
                        + "filter in the same patch (under 'index:') or keep the field"));
            }
        }
    }

    /**
     * Why a patch entry names no field: the index has none by that name, or this patch removes it (tester session 40
     * R29 L2: "has no field 'title'" for a field the index has and remove_fields also named).
     */
    private static String noField(IndexSchema source, String name) {
        return source.field(name).isPresent() ? "field '" + name + "' is removed (or renamed) by another entry of "
                + "this patch, so it cannot be changed too; keep one of the two entries"
                : "index '" + source.name() + "' has no field '" + name + "'" + nearest(source, name)
                .map(near -> " (did you mean '" + near + "'?)").orElse("");
    }

    /**
     * The index's field whose name is closest to a name it does not have, when it is one or two edits away (a
     * typo): the message said only "has no field 'categroy'" (tester session 52 R46 T2 F5).
     */
    static java.util.Optional<String> nearest(IndexSchema source, String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (FieldSchema field : source.fields()) {
            int distance = editDistance(field.name().toLowerCase(java.util.Locale.ROOT),
                    name.toLowerCase(java.util.Locale.ROOT));
            if (distance < bestDistance) {
                best = field.name();
                bestDistance = distance;
            }
        }
        return bestDistance <= Math.min(2, name.length() / 3) ? java.util.Optional.ofNullable(best)
                : java.util.Optional.empty();
    }

    /** Levenshtein distance, counting a swap of two neighbouring characters as one edit. */
    private static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static void applyUpdate(IndexSchema source, Map<String, FieldSchema> fields, FieldUpdate update,
                                    Found problems) {
        FieldSchema current = fields.get(update.name());
        if (current == null) {
            problems.add("update_fields: " + noField(source, update.name()));
            return;
        }
        Map<String, Object> attrs = new LinkedHashMap<>(current.attrs());
        update.type().filter(t -> t != current.type()).ifPresent(newType ->
                // a type change is reported (and blocked) by the classifier; options of the old type must not
                // turn it into a confusing merge error first
                attrs.keySet().removeIf(name -> FieldAttribute.byName(name).map(a -> !a.appliesTo(newType))
                        .orElse(true)));
        Object algorithm = update.attrs().get("algorithm");
        if (algorithm != null && !algorithm.toString().equalsIgnoreCase(String.valueOf(attrs.get("algorithm")))) {
            // the old algorithm's tuning, read from the server, is not the user's to remove (tester session 41 R31
            // F3: switching HNSW with EF_RUNTIME 33 to FLAT was refused as a patch error); what the update sets stays
            attrs.keySet().removeIf(name -> FieldAttribute.belongsToAnotherAlgorithm(name, algorithm.toString()));
        }
        if (unsorts(update) && update.attrs().keySet().stream().noneMatch(name -> FieldAttribute.byName(name)
                .filter(FieldAttribute.UNF::equals).isPresent())) {
            attrs.remove(FieldAttribute.UNF.yamlName()); // UNF goes with SORTABLE
        }
        attrs.putAll(update.attrs());
        try {
            fields.put(update.name(), new FieldSchema(current.name(), update.path().orElse(current.path()),
                    update.type().orElse(current.type()), attrs));
        } catch (IllegalArgumentException e) {
            problems.add("update_fields: field '" + update.name() + "': " + e.getMessage());
        }
    }

    /** Whether the update sets {@code sortable: false}. */
    private static boolean unsorts(FieldUpdate update) {
        return update.attrs().entrySet().stream().anyMatch(entry -> FieldAttribute.byName(entry.getKey())
                .filter(FieldAttribute.SORTABLE::equals).isPresent() && isFalse(entry.getValue()));
    }

    private static boolean isFalse(Object sortable) {
        try {
            return Boolean.FALSE.equals(FieldAttribute.SORTABLE.coerce(sortable));
        } catch (IllegalArgumentException e) {
            return false; // the merge names the bad value
        }
    }

    private static void applyRename(IndexSchema source, Map<String, FieldSchema> fields, FieldRename rename,
                                    Map<String, String> movedAway, Found problems) {
        FieldSchema current = fields.get(rename.oldName());
        if (current == null) {
            problems.add("rename_fields: " + noField(source, rename.oldName()));
            return;
        }
        if (rename.newName().equals(rename.oldName())) {
            problems.add("rename_fields: '" + rename.oldName() + "' is renamed to itself; leave the entry out");
            return;
        }
        if (fields.containsKey(rename.newName())) {
            problems.add("rename_fields: index '" + source.name() + "' already has a field '"
                    + rename.newName() + "'");
            return;
        }
        if (source.storageType() == StorageType.JSON && current.path().equals(current.name())
                && current.path().startsWith("$") && !rename.newName().startsWith("$")) {
            problems.add("rename_fields: field '" + current.name() + "' of JSON index '" + source.name() + "' is "
                    + "named by its path, so its new name is a path too; give new_name as one (for example '$."
                    + rename.newName() + "'), which moves the value in every document");
            return;
        }
        if (source.storageType() == StorageType.JSON && !current.path().equals(current.name())
                && rename.newName().startsWith("$")) { // tester session 52 R46 T2 F13: moved into member '$.a[0]'
            problems.add("rename_fields: new_name '" + rename.newName() + "' of JSON field '" + rename.oldName()
                    + "' looks like a JSONPath, but field '" + rename.oldName() + "' (path '" + current.path()
                    + "') is named by its attribute name, so new_name is a name: the new attribute"
                    + (isRootMemberOfItsName(current) ? " and the root member the value moves to" : "")
                    + ". Give a plain name (for example '"
                    + plainName(rename.newName()) + "'); a value cannot be moved to a nested path or array element");
            return;
        }
        Optional<String> renamed = renamedPath(source, current, rename.newName());
        if (renamed.isEmpty()) {
            problems.add("rename_fields: new_name '" + rename.newName() + "' of JSON field '" + rename.oldName()
                    + "' cannot be written as a JSON path that RedisJSON reads back as that name (it holds a "
                    + "backslash, or both quote characters: RedisJSON keeps escapes in a path as they are); choose "
                    + "another name");
            return;
        }
        String newPath = renamed.get();
        if (!newPath.equals(current.path())) {
            if (movedAway.containsKey(newPath)) {
                problems.add("rename_fields: '" + rename.oldName() + "' would move into '" + newPath + "', which "
                        + "the rename of '" + movedAway.get(newPath) + "' in this patch moves away; a document "
                        + "field cannot be freed and reused in one migration, so rename them in two");
                return;
            }
            // an attribute the patch points at the new field along with the move follows it (it read the same one)
            Optional<String> sourcePath = source.field(rename.oldName()).map(FieldSchema::path);
            Optional<FieldSchema> holder = fields.values().stream().filter(f -> f != current
                    && reads(f.path(), newPath) && !(sourcePath.isPresent() && source.field(f.name())
                    .map(FieldSchema::path).equals(sourcePath))).findFirst();
            if (holder.isPresent()) {
                problems.add("rename_fields: '" + rename.oldName() + "' would move into document field '" + newPath
                        + "', which field '" + holder.get().name() + "' of index '" + source.name() + "' reads"
                        + (holder.get().path().equals(newPath) ? "" : " (its path '" + holder.get().path()
                        + "' takes in that member)") + "; choose another name");
                return;
            }
            movedAway.put(current.path(), rename.oldName());
        }
        Map<String, FieldSchema> reordered = new LinkedHashMap<>();
        fields.forEach((name, field) -> reordered.put(name.equals(rename.oldName()) ? rename.newName() : name,
                name.equals(rename.oldName()) ? new FieldSchema(rename.newName(), newPath, field.type(),
                        field.attrs()) : field));
        fields.clear();
        fields.putAll(reordered);
    }

    /** The last member name in what looks like a JSONPath ({@code $.a.b[0]} gives {@code b}), for an example. */
    private static String plainName(String path) {
        String[] words = path.split("[^\\w]+");
        for (int i = words.length - 1; i >= 0; i--) {
            if (!words[i].isEmpty() && !words[i].chars().allMatch(Character::isDigit)) {
                return words[i];
            }
        }
        return "name";
    }

    /**
     * The path of a renamed field: the document field moves too when the path followed the old name, i.e. is the
     * root member of that name however it is quoted ({@code $.title}, {@code $['a b']}, {@code $["q'uote"]}). An
     * attribute {@code a.b} on {@code $.a.b} reads member {@code b} of {@code a}, so its rename is index-only.
     */
    static Optional<String> renamedPath(IndexSchema source, FieldSchema field, String newName) {
        String path = field.path();
        if (path.equals(field.name())) {
            return Optional.of(newName);
        }
        if (isRootMemberOfItsName(field)) {
            return MemberPath.ofRootMember(newName); // $['a b'] for a name dot notation cannot hold; empty if none
        }
        return Optional.of(path);
    }

    /** Whether a field's path is the root member of its own name ({@code title} on {@code $.title}), however quoted. */
    private static boolean isRootMemberOfItsName(FieldSchema field) {
        return MemberPath.parse(field.path()).filter(p -> p.members().equals(List.of(field.name()))).isPresent();
    }

    private static IndexSchema.Builder applyIndexChanges(IndexSchema.Builder builder, IndexChanges changes) {
        changes.name().ifPresent(builder::name);
        changes.prefixes().ifPresent(builder::prefixes);
        changes.filter().ifPresent(f -> builder.filter(f.isBlank() ? null : f));
        changes.language().ifPresent(builder::language);
        changes.languageField().ifPresent(f -> builder.languageField(f.isBlank() ? null : f));
        changes.score().ifPresent(builder::score);
        changes.stopwords().ifPresent(builder::stopwords);
        if (changes.defaultStopwords()) {
            builder.stopwords(null); // no STOPWORDS argument: the server's default list
        }
        changes.options().ifPresent(builder::options);
        changes.storageType().ifPresent(builder::storageType);
        return builder;
    }
}
