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
        Matcher matcher = ATTRIBUTE.matcher(withoutStrings(filter));
        while (matcher.find()) {
            named.add(matcher.group(1));
        }
        return named;
    }

    /**
     * Whether two FILTER expressions differ only in whitespace outside their string literals, which changes nothing
     * the server evaluates: a patch that re-indents the live FILTER is no change to plan (tester session 43 R37 F7,
     * where it was planned as a new FILTER, with a warning that the index would read more documents).
     */
    public static boolean sameExpression(String a, String b) {
        return a.equals(b) || withoutSpacing(a).equals(withoutSpacing(b));
    }

    /**
     * {@code filter} with each run of whitespace outside string literals removed, or made one space where it parts
     * two word characters ({@code @a == 1} and {@code @a==1} give {@code @a==1}; {@code 'a  b'} stays as it is).
     */
    static String withoutSpacing(String filter) {
        StringBuilder out = new StringBuilder(filter.length());
        char quote = 0;
        boolean spaced = false; // whitespace in code since the last character kept
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                spaced = true;
                continue;
            }
            if (spaced && !out.isEmpty() && isWord(out.charAt(out.length() - 1)) && isWord(c)) {
                out.append(' ');
            }
            spaced = false;
            out.append(c);
            if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (quote != 0 && c == '\\' && i + 1 < filter.length()) {
                out.append(filter.charAt(++i));
            } else if (quote != 0 && c == quote) {
                quote = 0;
            }
        }
        return out.toString();
    }

    private static boolean isWord(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '@' || c == '.' || c == '$';
    }

    /**
     * {@code filter} with the text inside its string literals ('...' or "...", a backslash escaping the next
     * character) blanked, so that {@code @tag!="@emb"} names no {@code emb} (tester session 43 R36 F4: a vector was
     * indexed again for it).
     */
    static String withoutStrings(String filter) {
        StringBuilder out = new StringBuilder(filter.length());
        char quote = 0;
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            if (quote == 0) {
                out.append(c);
                if (c == '"' || c == '\'') {
                    quote = c;
                }
            } else if (c == '\\' && i + 1 < filter.length()) {
                out.append("  ");
                i++;
            } else if (c == quote) {
                out.append(c);
                quote = 0;
            } else {
                out.append(' ');
            }
        }
        return out.toString();
    }
}
