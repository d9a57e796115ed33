package dev.slipway.api.schema;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small description of a schema change, merged into a live index's schema at plan time. The YAML form is
 * RedisVL's schema patch ({@code version: 1}, {@code changes: {add_fields, remove_fields, update_fields,
 * rename_fields, index}}), so files written for RedisVL are accepted as they are.
 *
 * @param addFields    fields to add
 * @param removeFields names of fields to stop indexing (the documents keep their data)
 * @param updateFields option changes of existing fields
 * @param renameFields field renames (these rewrite documents)
 * @param index        index-level changes (name, prefix, language, ...)
 */
public record SchemaPatch(List<FieldSchema> addFields, List<String> removeFields, List<FieldUpdate> updateFields,
                          List<FieldRename> renameFields, IndexChanges index) {

    /**
     * Copies the lists; absent sections become empty.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} for a list holding null (a bare NullPointerException
     *                          before)
     */
    public SchemaPatch {
        addFields = copy(addFields, "add_fields");
        removeFields = copy(removeFields, "remove_fields");
        updateFields = copy(updateFields, "update_fields");
        renameFields = copy(renameFields, "rename_fields");
        index = index == null ? IndexChanges.NONE : index;
    }

    private static <T> List<T> copy(List<T> list, String section) {
        if (list == null) {
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) { // List.of's contains(null) throws
            if (list.get(i) == null) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The patch's " + section + " must not hold null "
                        + "(element " + i + "); nothing was changed.");
            }
        }
        return List.copyOf(list);
    }

    /** Whether the patch asks for no change at all. */
    public boolean isEmpty() {
        return addFields.isEmpty() && removeFields.isEmpty() && updateFields.isEmpty() && renameFields.isEmpty()
                && index.equals(IndexChanges.NONE);
    }

    /**
     * An update of one existing field.
     *
     * @param name  the field's current name
     * @param type  a new type, when the patch changes it (such changes are blocked, but reported)
     * @param path  a new path, when the patch changes it
     * @param attrs attributes to set, under canonical names; an explicit {@code false} clears a flag
     */
    public record FieldUpdate(String name, Optional<FieldType> type, Optional<String> path, Map<String, Object> attrs) {
        /** Copies the attributes. */
        public FieldUpdate {
            type = type == null ? Optional.empty() : type;
            path = path == null ? Optional.empty() : path;
            attrs = attrs == null ? Map.of() : Map.copyOf(attrs);
        }
    }

    /**
     * A field rename: the index attribute and the stored documents change name.
     *
     * @param oldName current name
     * @param newName new name
     */
    public record FieldRename(String oldName, String newName) {
    }

    /**
     * Index-level changes; each is empty when the patch leaves that setting alone.
     *
     * @param name          a new index name
     * @param prefixes      new key prefixes (moving documents to a new prefix rewrites keys)
     * @param filter        a new filter expression ({@code ""} removes the filter)
     * @param language      a new default language
     * @param languageField a new language field ({@code ""} removes it)
     * @param score         a new default score
     * @param stopwords     a new stop-word list ({@code []} for none)
     * @param options       a new set of index options
     * @param storageType   a new storage type (always blocked; kept so the plan can say why)
     * @param defaultStopwords back to the server's default stop words ({@code stopwords: default} in a patch file);
     *                      not with {@code stopwords}
     */
    public record IndexChanges(Optional<String> name, Optional<List<String>> prefixes, Optional<String> filter,
                               Optional<String> language, Optional<String> languageField, Optional<Double> score,
                               Optional<List<String>> stopwords, Optional<java.util.Set<IndexOption>> options,
                               Optional<StorageType> storageType, boolean defaultStopwords) {
        /**
         * Copies the lists and the set (the caller's were kept: changed after {@code plan}, they changed the plan's
         * requested patch, tester session 40 R30 F4); an absent setting (null) becomes empty.
         */
        public IndexChanges {
            name = name == null ? Optional.empty() : name;
            prefixes = prefixes == null ? Optional.empty() : prefixes.map(List::copyOf);
            filter = filter == null ? Optional.empty() : filter;
            language = language == null ? Optional.empty() : language;
            languageField = languageField == null ? Optional.empty() : languageField;
            score = score == null ? Optional.empty() : score;
            stopwords = stopwords == null ? Optional.empty() : stopwords.map(List::copyOf);
            // in the caller's order, which the plan file keeps
            options = options == null ? Optional.empty()
                    : options.map(set -> Collections.unmodifiableSet(new LinkedHashSet<>(set)));
            storageType = storageType == null ? Optional.empty() : storageType;
            if (defaultStopwords && stopwords.isPresent()) {
                throw new IllegalArgumentException("a patch either sets a stop-word list or returns to the server's "
                        + "default stop words, not both");
            }
        }

        /** Index-level changes that keep the stop words unless {@code stopwords} sets a list. */
        public IndexChanges(Optional<String> name, Optional<List<String>> prefixes, Optional<String> filter,
                            Optional<String> language, Optional<String> languageField, Optional<Double> score,
                            Optional<List<String>> stopwords, Optional<java.util.Set<IndexOption>> options,
                            Optional<StorageType> storageType) {
            this(name, prefixes, filter, language, languageField, score, stopwords, options, storageType, false);
        }

        /** No index-level change. */
        public static final IndexChanges NONE = new IndexChanges(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }
}
