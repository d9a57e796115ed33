package dev.slipway.api.plan;

/**
 * Why dropping a source index could delete its documents: the server deletes every document a {@code TEMPORARY}
 * index covers when the index is dropped, even without {@code DD}, and {@code FT.INFO} does not report the option.
 */
public enum TemporaryIndex {
    /** Created {@code TEMPORARY}: {@code FT.DEBUG TTL} answered, or {@code FT.INFO} shows no garbage collector. */
    CREATED_TEMPORARY,
    /**
     * Slipway cannot tell: {@code FT.DEBUG} is refused to this user, and the server runs no garbage collector at all
     * ({@code NOGC}, or a setting it cannot read), which is what gives a temporary index away in {@code FT.INFO}.
     */
    CANNOT_TELL
}
