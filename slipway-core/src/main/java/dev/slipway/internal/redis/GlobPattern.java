package dev.slipway.internal.redis;

/** Glob patterns for {@code SCAN MATCH}: key prefixes may contain the glob's own special characters. */
public final class GlobPattern {
    private GlobPattern() {
    }

    /** The pattern matching every key that starts with {@code prefix} literally ({@code *} for the empty prefix). */
    public static String startingWith(String prefix) {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "*";
    }
}
