package dev.slipway.internal.schema;

import dev.slipway.internal.io.QuotedText;

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
     * Whether two FILTER expressions differ only in ways the server does not read: whitespace outside string literals
     * where it parts no two tokens, and the quotes of a literal that holds neither quote nor backslash. A patch that
     * re-indents the live FILTER is no change to plan (tester session 43 R37 F7, where it was planned as a new FILTER,
     * with a warning that the index would read more documents; session 44 R38 F5, the same for {@code "a"} against
     * {@code 'a'}).
     */
    public static boolean sameExpression(String a, String b) {
        return a.equals(b) || canonical(a).equals(canonical(b));
    }

    /**
     * {@code filter} with each run of whitespace outside string literals removed, or made one space where it may part
     * two tokens ({@link #parts}): the server reads {@code > =} otherwise than {@code >=} (tester session 44 R38 F2:
     * {@code @price > = 997} admitted 2 documents, {@code @price >= 997} 3). So {@code @a == 1} and {@code @a==1}
     * give {@code @a==1}. A literal that
     * holds neither quote nor backslash is written in single quotes; any other stays as it is ({@code 'a  b'} too).
     */
    static String canonical(String filter) {
        StringBuilder out = new StringBuilder(filter.length());
        boolean spaced = false; // whitespace since the last character kept
        int i = 0;
        while (i < filter.length()) {
            char c = filter.charAt(i);
            if (blank(c)) {
                spaced = true;
                i++;
                continue;
            }
            if (spaced && !out.isEmpty() && parts(out.charAt(out.length() - 1), c)) {
                out.append(' ');
            }
            spaced = false;
            if (c == '"' || c == '\'') {
                int closed = literalEnd(filter, i);
                int end = closed < 0 ? filter.length() : closed;
                String content = filter.substring(i + 1, closed < 0 ? end : end - 1);
                boolean plain = closed >= 0 && content.chars().noneMatch(x -> x == '\\' || x == '\'' || x == '"');
                out.append(plain ? "'" + content + "'" : filter.substring(i, end));
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * The index just past the closing quote of the literal that opens at {@code start} (a backslash escapes the next
     * character); -1 when it is not closed, and the rest of {@code filter} is the literal.
     */
    private static int literalEnd(String filter, int start) {
        int closing = QuotedText.closingQuote(filter, start);
        return closing < 0 ? -1 : closing + 1;
    }

    /**
     * Whitespace as the server's lexer reads it: ASCII only. Any other space character (U+2003, say) is kept as it
     * is, so that a patch holding one is not called the live FILTER (tester session 45 R39 F7b).
     */
    private static boolean blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    /**
     * Whether whitespace between {@code a} and {@code b} may part two tokens, so that it is kept: both of a name or a
     * number ({@code 1 2}); a name or number and a sign ({@code 5e -1} is not {@code 5e-1}); a sign and a number
     * ({@code - 2} is not the literal {@code -2}); or two operator characters ({@code > =} is not {@code >=}), except
     * a sign after another operator, since no operator of two characters ends in one ({@code > -1} is {@code >-1};
     * tester session 45 R39 F7a, planned as a new FILTER).
     */
    private static boolean parts(char a, char b) {
        boolean signB = b == '-' || b == '+';
        boolean signA = a == '-' || a == '+';
        if (signB) {
            return kind(a) == Kind.WORD || signA;
        }
        if (signA && (Character.isDigit(b) || b == '.')) {
            return true;
        }
        return kind(a) == kind(b) && kind(a) != Kind.PUNCTUATION;
    }

    private enum Kind { WORD, QUOTE, PUNCTUATION, OPERATOR }

    private static Kind kind(char c) {
        if (Character.isLetterOrDigit(c) || c == '_' || c == '@' || c == '.' || c == '$') {
            return Kind.WORD;
        }
        if (c == '\'' || c == '"') {
            return Kind.QUOTE;
        }
        return c == '(' || c == ')' || c == ',' || c == '[' || c == ']' ? Kind.PUNCTUATION : Kind.OPERATOR;
    }

    /**
     * {@code filter} with the text inside its string literals ('...' or "...", a backslash escaping the next
     * character) blanked, so that {@code @tag!="@emb"} names no {@code emb} (tester session 43 R36 F4: a vector was
     * indexed again for it).
     */
    static String withoutStrings(String filter) {
        StringBuilder out = new StringBuilder(filter.length());
        int i = 0;
        while (i < filter.length()) {
            char c = filter.charAt(i);
            if (c != '"' && c != '\'') {
                out.append(c);
                i++;
                continue;
            }
            int closed = literalEnd(filter, i);
            int end = closed < 0 ? filter.length() : closed;
            out.append(c).append(" ".repeat(end - i - (closed < 0 ? 1 : 2)));
            if (closed >= 0) {
                out.append(c);
            }
            i = end;
        }
        return out.toString();
    }
}
