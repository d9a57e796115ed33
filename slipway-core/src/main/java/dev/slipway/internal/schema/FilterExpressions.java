package dev.slipway.internal.schema;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What an index's FILTER expression names, read from its text. */
public final class FilterExpressions {
    /** An attribute a FILTER expression names: {@code @name}. */
    private static final Pattern ATTRIBUTE = Pattern.compile("@([A-Za-z_][A-Za-z0-9_]*)");
    /** The document's key, which every FILTER may read. */
    public static final String KEY = "__key";

    private FilterExpressions() {
    }

    /** The attributes {@code filter} names ({@code @name}), in order, each once. */
    public static Set<String> attributes(String filter) {
        Set<String> named = new LinkedHashSet<>();
        Matcher matcher = ATTRIBUTE.matcher(filter);
        while (matcher.find()) {
            named.add(matcher.group(1));
        }
        return named;
    }
}
