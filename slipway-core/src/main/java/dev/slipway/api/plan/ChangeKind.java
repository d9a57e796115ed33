package dev.slipway.api.plan;

/** The kinds of difference between a source and a target schema that the planner classifies. */
public enum ChangeKind {
    /** A non-vector field is added. */
    ADD_FIELD,
    /** A vector field is added (blocked: documents have no vectors yet). */
    ADD_VECTOR_FIELD,
    /** A field stops being indexed. */
    REMOVE_FIELD,
    /** A field option changes (sortable, separator, weight, ...). */
    UPDATE_FIELD_OPTION,
    /** Vector algorithm, metric or tuning parameter changes. */
    UPDATE_VECTOR_INDEX,
    /** Vector dimensions change (blocked: requires re-embedding). */
    CHANGE_VECTOR_DIMS,
    /** Vector element type changes (rewrites documents). */
    CHANGE_VECTOR_DATATYPE,
    /** A field changes type (blocked). */
    CHANGE_FIELD_TYPE,
    /** A field's path changes without a rename of the documents. */
    CHANGE_FIELD_PATH,
    /** A field's attribute name changes; the documents keep their field (index-only). */
    RENAME_FIELD,
    /** A field is renamed in the index and moved to the new name in every document (rewrites documents). */
    MOVE_FIELD,
    /** The index is renamed. */
    RENAME_INDEX,
    /** The key prefix changes (rewrites keys). */
    CHANGE_PREFIX,
    /** Storage changes between hash and JSON (blocked). */
    CHANGE_STORAGE_TYPE,
    /** Filter, language, score, stop words or index flags change. */
    UPDATE_INDEX_OPTION
}
