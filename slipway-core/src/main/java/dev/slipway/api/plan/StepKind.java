package dev.slipway.api.plan;

/** What the executor does for a step. New strategies add kinds here and a handler for each. */
public enum StepKind {
    /** {@code FT.DROPINDEX} without {@code DD}: the documents stay. */
    DROP_INDEX,
    /** {@code FT.CREATE} with the target schema. */
    CREATE_INDEX,
    /** Poll {@code FT.INFO} until the index has indexed every document. */
    WAIT_FOR_INDEXING,
    /** Check the result against the plan. */
    VALIDATE,
    /** Create a versioned physical index beside the live one. */
    CREATE_SHADOW_INDEX,
    /** Compare the shadow index with the live one before cut-over. */
    VERIFY_SHADOW,
    /** Point the alias at the new physical index and record the version, in one transaction. */
    SWITCH_ALIAS,
    /**
     * Turn a plain index into an alias over a versioned physical index: drop the plain index (documents stay) and
     * add the alias in one transaction, so no query sees the name missing.
     */
    ADOPT_INDEX,
    /**
     * Rewrite every document in batches (field moves, vector conversions, key prefix moves), saving the original
     * bytes of each changed field under the backup directory first.
     */
    REWRITE_DOCUMENTS
}
