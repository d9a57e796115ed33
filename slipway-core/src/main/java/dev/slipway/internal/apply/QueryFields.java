package dev.slipway.internal.apply;

import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.IndexSchema;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The attributes a query check reads. The server neither refuses nor reports a query on an attribute the index does
 * not have ({@code FT.EXPLAIN} parses {@code @gone:{x}}, {@code FT.SEARCH} finds nothing, checked on Search 2.10), so
 * a check on a field the plan removes or renames would fail only after everything changed, or pass without meaning
 * (a check with no lower bound). Pure.
 *
 * <p>Only references this can read for sure are returned, outside quoted phrases and not escaped: {@code @name:},
 * the comparisons {@code @name>5} ({@code <}, {@code <=}, {@code >=}, {@code ==}, {@code !=}),
 * {@code ismissing(@name)} and {@code KNN n @name}. A name with an escaped character ({@code @my\-field:}) is left out, so nothing is refused
 * that the server would read otherwise.
 */
final class QueryFields {
    private static final Pattern KNN = Pattern.compile("KNN\\s+\\S+\\s+@([A-Za-z0-9_]+)(?=[\\s\\]])",
            Pattern.CASE_INSENSITIVE);

    private QueryFields() {
    }

    /** The attribute names the query reads, in order of first use. */
    static Set<String> referenced(String query) {
        Set<String> names = new LinkedHashSet<>();
        // the query with quoted phrases and escaped characters blanked out, for the KNN clause (tester session 31
        // R10 M3: "knn 3 @body now" inside a phrase was taken for one)
        StringBuilder plain = new StringBuilder(query.length());
        boolean quoted = false;
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c == '\\') {
                plain.append(i + 1 < query.length() ? "  " : " ");
                i++; // the next character is escaped
            } else if (c == '"') {
                quoted = !quoted;
                plain.append(' ');
            } else if (quoted) {
                plain.append(' ');
            } else if (c == '@') {
                // a name, or a list of them (@title|body:term, tester session 31 R11 M2)
                List<String> listed = new ArrayList<>();
                int end = i;
                do {
                    int start = end + 1;
                    end = start;
                    while (end < query.length() && isNameChar(query.charAt(end))) {
                        end++;
                    }
                    listed.add(end > start ? query.substring(start, end) : "");
                } while (end < query.length() && query.charAt(end) == '|' && end > i + 1);
                int next = end;
                while (next < query.length() && Character.isWhitespace(query.charAt(next))) {
                    next++;
                }
                // @name:term, and the comparisons @name>5, @name<=9, @name==3, @name!=3 (tester session 31 R10 M2)
                if (!listed.contains("") && next < query.length() && (":<>=!".indexOf(query.charAt(next)) >= 0
                        || query.charAt(next) == ')' && listed.size() == 1 && afterIsMissing(query, i))) {
                    names.addAll(listed);
                }
                plain.append(query, i, end);
                i = end - 1;
            } else {
                plain.append(c);
            }
        }
        Matcher knn = KNN.matcher(plain);
        while (knn.find()) {
            names.add(knn.group(1));
        }
        return names;
    }

    /**
     * For each check that reads an attribute the schema does not have: the check, the attributes, and what the
     * source called them when the plan renamed them.
     */
    static List<String> unknown(List<QueryCheck> checks, IndexSchema target, IndexSchema source) {
        Set<String> known = new LinkedHashSet<>();
        target.fields().forEach(f -> known.add(f.name()));
        List<String> problems = new ArrayList<>();
        for (QueryCheck check : checks) {
            List<String> missing = referenced(check.query()).stream().filter(n -> !known.contains(n)).toList();
            if (missing.isEmpty()) {
                continue;
            }
            List<String> said = missing.stream().map(n -> "@" + n + (source.fields().stream()
                    .map(FieldSchema::name).anyMatch(n::equals) ? " (the plan removes or renames it)" : "")).toList();
            problems.add("query '" + check.name() + "' (" + check.query() + ") reads " + String.join(", ", said)
                    + ", which the target schema does not have: the server would match nothing there");
        }
        return problems;
    }

    /** Whether the {@code @} at {@code at} opens the argument of {@code ismissing(@name)} (tester session 31 R11 L2). */
    private static boolean afterIsMissing(String query, int at) {
        int i = at - 1;
        while (i >= 0 && Character.isWhitespace(query.charAt(i))) {
            i--;
        }
        if (i < 0 || query.charAt(i) != '(') {
            return false;
        }
        i--;
        while (i >= 0 && Character.isWhitespace(query.charAt(i))) {
            i--;
        }
        String word = "ismissing";
        int start = i - word.length() + 1;
        return start >= 0 && query.regionMatches(true, start, word, 0, word.length())
                && (start == 0 || !isNameChar(query.charAt(start - 1)));
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
