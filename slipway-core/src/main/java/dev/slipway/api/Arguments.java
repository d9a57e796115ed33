package dev.slipway.api;

/**
 * The facade's checks of a library caller's arguments: a null one is bad usage, reported before anything is read or
 * changed. Without them, nulls surfaced as a raw {@link NullPointerException} or as the Redis client's "null is not a
 * valid argument." from deep inside a verb (tester session 40 R30 F7).
 */
final class Arguments {
    private Arguments() {
    }

    /**
     * {@code value}, when it is not null.
     *
     * @param what the argument, as the message names it ("the index name")
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when it is null
     */
    static <T> T required(T value, String what) {
        if (value == null) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, what + " must not be null; nothing was changed.");
        }
        return value;
    }

    /**
     * {@code list} (null included: the caller decides what that means), when none of its elements is null; a bare
     * {@link NullPointerException} before (tester session 47 R42 T2 F6).
     *
     * @param what the list, as the message names it ("the query checks")
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} naming the first null element's position
     */
    static <T> java.util.List<T> noNullElements(java.util.List<T> list, String what) {
        for (int i = 0; list != null && i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, what + " must not hold null (element " + i
                        + "); nothing was changed.");
            }
        }
        return list;
    }
}
