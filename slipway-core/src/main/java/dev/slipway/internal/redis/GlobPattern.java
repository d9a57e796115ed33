package dev.slipway.internal.redis;

import java.util.List;

/** Glob patterns for {@code SCAN MATCH}: key prefixes may contain the glob's own special characters. */
public final class GlobPattern {
    private GlobPattern() {
    }

    /** The pattern matching every key that starts with {@code prefix} literally ({@code *} for the empty prefix). */
    public static String startingWith(String prefix) {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "*";
    }

    /**
     * The patterns that together match every key under the prefixes once: a prefix that starts with another one is
     * left out (the shorter one's pattern already matches its keys), and no prefix, or the empty one, is {@code *}.
     */
    public static List<String> underPrefixes(List<String> prefixes) {
        List<String> outermost = prefixes.stream().filter(p -> prefixes.stream()
                .noneMatch(q -> q.length() < p.length() && p.startsWith(q))).distinct().toList();
        return outermost.isEmpty() || outermost.contains("") ? List.of("*")
                : outermost.stream().map(GlobPattern::startingWith).toList();
    }
}
