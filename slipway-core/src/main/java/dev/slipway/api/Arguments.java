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
}
