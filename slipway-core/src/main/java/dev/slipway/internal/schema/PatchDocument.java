package dev.slipway.internal.schema;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.SchemaPatch.FieldRename;
import dev.slipway.api.schema.SchemaPatch.FieldUpdate;
import dev.slipway.api.schema.SchemaPatch.IndexChanges;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.yaml.YamlNode;
import dev.slipway.internal.yaml.YamlProblems;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The file form of a {@link SchemaPatch}: RedisVL's schema patch YAML, with a few more index-level settings.
 * Unknown keys are errors, so that a typo such as {@code sortabel} is caught before planning.
 */
public final class PatchDocument {
    private static final Set<String> TOP_KEYS = Set.of("version", "changes");
    /** The value of {@code index.stopwords} that returns to the server's default stop words. */
    static final String DEFAULT_STOPWORDS = "default";
    private static final Set<String> CHANGE_KEYS = Set.of("add_fields", "remove_fields", "update_fields",
            "rename_fields", "index");
    private static final Set<String> UPDATE_KEYS = Set.of("name", "type", "path", "attrs", "options");
    private static final Set<String> RENAME_KEYS = Set.of("old_name", "new_name");
    private static final Set<String> INDEX_KEYS = Set.of("name", "prefix", "prefixes", "filter", "language",
            "language_field", "score", "stopwords", "options", "key_separator", "storage_type");

    private PatchDocument() {
    }

    /** Reads a patch; problems are recorded and null is returned when the document is unusable. */
    public static SchemaPatch read(YamlNode root, YamlProblems problems) {
        if (!root.isMap()) {
            problems.add(root, "a schema patch must be a mapping with 'version' and 'changes'");
            return null;
        }
        problems.rejectUnknownKeys(root, TOP_KEYS, "the patch");
        root.get("version").ifPresent(v -> {
            if (!"1".equals(v.text())) {
                problems.add(v, "unsupported patch version '" + v.text() + "'; this Slipway reads version 1");
            }
        });
        Optional<YamlNode> changes = root.get("changes");
        if (changes.isEmpty() || !changes.get().isMap()) {
            // at the 'changes' value when there is one (tester session 40 R29 L6: a list was reported at line 1)
            problems.add(changes.orElse(root), "the patch needs a 'changes' mapping (add_fields, remove_fields, "
                    + "update_fields, rename_fields, index)" + (changes.isPresent() && changes.get().isList()
                    ? ", not a list: write its keys without '- '" : ""));
            return null;
        }
        YamlNode c = changes.get();
        problems.rejectUnknownKeys(c, CHANGE_KEYS, "'changes'");
        List<FieldSchema> add = new ArrayList<>();
        list(c, "add_fields", problems).forEach(item -> SchemaDocument.readField(item, problems).ifPresent(add::add));
        List<String> remove = new ArrayList<>();
        problems.textOrList(c, "remove_fields").ifPresent(remove::addAll);
        List<FieldUpdate> update = new ArrayList<>();
        list(c, "update_fields", problems).forEach(item -> readUpdate(item, problems).ifPresent(update::add));
        List<FieldRename> rename = new ArrayList<>();
        list(c, "rename_fields", problems).forEach(item -> readRename(item, problems).ifPresent(rename::add));
        IndexChanges index = c.get("index").map(node -> readIndexChanges(node, problems)).orElse(IndexChanges.NONE);
        return new SchemaPatch(add, remove, update, rename, index);
    }

    /**
     * The line of each entry of the patch's lists, keyed by list and position ({@code rename_fields[0]}); a single
     * value given for {@code remove_fields} is its entry 0. Empty for a document that is not a patch.
     */
    public static Map<String, Integer> entryLines(YamlNode root) {
        Map<String, Integer> lines = new LinkedHashMap<>();
        Optional<YamlNode> changes = root.isMap() ? root.get("changes") : Optional.empty();
        changes.filter(YamlNode::isMap).ifPresent(c -> {
            for (String section : List.of("add_fields", "remove_fields", "update_fields", "rename_fields")) {
                c.get(section).ifPresent(node -> {
                    List<YamlNode> items = node.isList() ? node.items() : List.of(node);
                    for (int i = 0; i < items.size(); i++) {
                        lines.put(entry(section, i), items.get(i).line());
                    }
                });
            }
        });
        return lines;
    }

    /** How an entry of a patch's list is named, for its line and for a problem about it: {@code rename_fields[0]}. */
    public static String entry(String section, int position) {
        return section + "[" + position + "]";
    }

    private static List<YamlNode> list(YamlNode map, String key, YamlProblems problems) {
        Optional<YamlNode> node = map.get(key);
        if (node.isEmpty()) {
            return List.of();
        }
        if (!node.get().isList()) {
            problems.add(node.get(), "'" + key + "' must be a list");
            return List.of();
        }
        return node.get().items();
    }

    private static Optional<FieldUpdate> readUpdate(YamlNode item, YamlProblems problems) {
        if (!item.isMap()) {
            problems.add(item, "an update_fields entry must be a mapping with 'name' and 'attrs'");
            return Optional.empty();
        }
        problems.rejectUnknownKeys(item, UPDATE_KEYS, "an update_fields entry");
        Optional<String> name = problems.requiredText(item, "name", "an update_fields entry");
        Optional<FieldType> type = problems.optionalText(item, "type").flatMap(text -> {
            try {
                return Optional.of(FieldType.parse(text));
            } catch (IllegalArgumentException e) {
                problems.add(item.get("type").orElseThrow(), e.getMessage());
                return Optional.empty();
            }
        });
        Map<String, Object> attrs = SchemaDocument.readAttrs(item, problems, "field '" + name.orElse("?") + "'");
        return name.map(n -> new FieldUpdate(n, type, problems.optionalText(item, "path"), attrs));
    }

    private static Optional<FieldRename> readRename(YamlNode item, YamlProblems problems) {
        if (!item.isMap()) {
            problems.add(item, "a rename_fields entry must be a mapping with 'old_name' and 'new_name'");
            return Optional.empty();
        }
        problems.rejectUnknownKeys(item, RENAME_KEYS, "a rename_fields entry");
        Optional<String> from = problems.requiredText(item, "old_name", "a rename_fields entry");
        Optional<String> to = problems.requiredText(item, "new_name", "a rename_fields entry");
        if (from.isEmpty() || to.isEmpty()) {
            return Optional.empty();
        }
        String blank = from.get().isBlank() ? "old_name" : to.get().isBlank() ? "new_name" : null;
        if (blank != null) {
            problems.add(item.get(blank).orElseThrow(), "'" + blank + "' of a rename_fields entry must not be empty");
            return Optional.empty();
        }
        return Optional.of(new FieldRename(from.get(), to.get()));
    }

    private static IndexChanges readIndexChanges(YamlNode node, YamlProblems problems) {
        if (!node.isMap()) {
            problems.add(node, "'index' must be a mapping (name, prefix, filter, language, ...)");
            return IndexChanges.NONE;
        }
        problems.rejectUnknownKeys(node, INDEX_KEYS, "'index' changes");
        // a null was read as no change at all, with "Changes: none" (tester session 40 R29 L3)
        node.entries().forEach((key, value) -> {
            if (value.isNull() && INDEX_KEYS.contains(key)) {
                problems.add(value, "'" + key + "' is null, which a patch does not read as a change: leave it out to "
                        + "keep the index's value" + switch (key) {
                            case "stopwords" -> ", give a list ([] for none), or 'default' for the server's "
                                    + "default stop words";
                            case "filter", "language_field" -> ", or give '' to remove it";
                            default -> ", or give a value";
                        });
            }
        });
        Optional<StorageType> storage = Optional.empty();
        Optional<YamlNode> storageNode = node.get("storage_type");
        if (storageNode.isPresent()) {
            try {
                storage = Optional.of(StorageType.parse(storageNode.get().text()));
            } catch (IllegalArgumentException e) {
                problems.add(storageNode.get(), e.getMessage());
            }
        }
        Optional<Set<IndexOption>> options = problems.textOrList(node, "options").map(names -> {
            Set<IndexOption> set = EnumSet.noneOf(IndexOption.class);
            for (String option : names) {
                try {
                    set.add(IndexOption.parse(option));
                } catch (IllegalArgumentException e) {
                    problems.add(node.get("options").orElseThrow(), e.getMessage());
                }
            }
            return set;
        });
        String prefixKey = node.get("prefixes").isPresent() ? "prefixes" : "prefix";
        Optional<List<String>> prefixes = problems.textOrList(node, prefixKey);
        prefixes.filter(list -> list.size() > 1).ifPresent(list -> {
            // dropped or built as given, with "Changes: none" or a pointless new version (tester session 41 R31 F8)
            if (list.contains("")) {
                problems.add(node.get(prefixKey).orElseThrow(), "an empty prefix in a list of several means nothing "
                        + "(an index without a prefix covers every key); remove it");
            }
            if (list.stream().distinct().count() < list.size()) {
                problems.add(node.get(prefixKey).orElseThrow(), "a prefix is named twice in '" + prefixKey + "'; "
                        + "name each once");
            }
        });
        // 'default', not in a list, returns to the server's default stop words; [default] is a list of one word
        boolean defaultStopwords = node.get("stopwords").filter(YamlNode::isScalar)
                .filter(v -> v.text().equals(DEFAULT_STOPWORDS)).isPresent();
        return new IndexChanges(problems.optionalText(node, "name"), prefixes,
                problems.optionalText(node, "filter"), problems.optionalText(node, "language"),
                problems.optionalText(node, "language_field"),
                node.get("score").flatMap(s -> SchemaDocument.readScore(s, problems)),
                defaultStopwords ? Optional.empty() : problems.textOrList(node, "stopwords"), options, storage,
                defaultStopwords);
    }

    /** The document form of a patch, for embedding in a plan. */
    public static Map<String, Object> toTree(SchemaPatch patch, StorageType storage) {
        Map<String, Object> changes = new LinkedHashMap<>();
        if (!patch.addFields().isEmpty()) {
            changes.put("add_fields", patch.addFields().stream().map(f -> SchemaDocument.fieldTree(f, storage)).toList());
        }
        if (!patch.removeFields().isEmpty()) {
            changes.put("remove_fields", patch.removeFields());
        }
        if (!patch.updateFields().isEmpty()) {
            changes.put("update_fields", patch.updateFields().stream().map(PatchDocument::updateTree).toList());
        }
        if (!patch.renameFields().isEmpty()) {
            changes.put("rename_fields", patch.renameFields().stream().map(r -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("old_name", r.oldName());
                m.put("new_name", r.newName());
                return m;
            }).toList());
        }
        Map<String, Object> index = indexTree(patch.index());
        if (!index.isEmpty()) {
            changes.put("index", index);
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("version", 1);
        tree.put("changes", changes);
        return tree;
    }

    private static Map<String, Object> updateTree(FieldUpdate update) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", update.name());
        update.type().ifPresent(t -> m.put("type", t.yamlName()));
        update.path().ifPresent(p -> m.put("path", p));
        if (!update.attrs().isEmpty()) {
            m.put("attrs", new java.util.TreeMap<>(update.attrs()));
        }
        return m;
    }

    private static Map<String, Object> indexTree(IndexChanges index) {
        Map<String, Object> m = new LinkedHashMap<>();
        index.name().ifPresent(v -> m.put("name", v));
        index.prefixes().ifPresent(v -> m.put("prefix", v.size() == 1 ? v.get(0) : v));
        index.filter().ifPresent(v -> m.put("filter", v));
        index.language().ifPresent(v -> m.put("language", v));
        index.languageField().ifPresent(v -> m.put("language_field", v));
        index.score().ifPresent(v -> m.put("score", v));
        index.stopwords().ifPresent(v -> m.put("stopwords", v));
        if (index.defaultStopwords()) {
            m.put("stopwords", DEFAULT_STOPWORDS);
        }
        index.options().ifPresent(v -> m.put("options",
                v.stream().map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).toList()));
        index.storageType().ifPresent(v -> m.put("storage_type", v.yamlName()));
        return m;
    }
}
