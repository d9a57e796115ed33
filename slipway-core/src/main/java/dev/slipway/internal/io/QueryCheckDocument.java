package dev.slipway.internal.io;

import dev.slipway.api.plan.QueryCheck;
import dev.slipway.internal.yaml.YamlNode;
import dev.slipway.internal.yaml.YamlProblems;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The file form of validation query checks: {@code queries: [{name, query, min_results, ...}]}. */
public final class QueryCheckDocument {
    private static final Set<String> KEYS = Set.of("name", "query", "dialect", "min_results", "max_results",
            "contains_keys");

    private QueryCheckDocument() {
    }

    /** Reads the checks; problems are recorded. */
    public static List<QueryCheck> read(YamlNode root, YamlProblems problems) {
        List<QueryCheck> checks = new ArrayList<>();
        List<YamlNode> nodes = new ArrayList<>(); // each check's item, for problems found across checks
        Optional<YamlNode> queries = root.isMap() ? root.get("queries") : Optional.empty();
        if (queries.isEmpty() || !queries.get().isList()) {
            problems.add(root, "a query-check file needs a 'queries' list");
            return checks;
        }
        for (YamlNode item : queries.get().items()) {
            if (!item.isMap()) {
                problems.add(item, "each query needs 'name' and 'query'");
                continue;
            }
            problems.rejectUnknownKeys(item, KEYS, "a query");
            Optional<String> query = problems.requiredText(item, "query", "a query");
            String name = problems.optionalText(item, "name").orElse(query.orElse("?"));
            Optional<Long> min = number(item, "min_results", problems);
            Optional<Long> max = number(item, "max_results", problems);
            int dialect = number(item, "dialect", problems).orElse(2L).intValue();
            List<String> keys = problems.textOrList(item, "contains_keys").orElse(List.of());
            if (min.isPresent() && max.isPresent() && min.get() > max.get()) { // found before anything is built
                problems.add(item, "'min_results' (" + min.get() + ") is greater than 'max_results' (" + max.get()
                        + "): no result count passes this check");
                continue; // a QueryCheck refuses such bounds: the problem is reported with the others
            } else if (max.isPresent() && keys.stream().distinct().count() > max.get()) {
                problems.add(item, "'contains_keys' names " + keys.stream().distinct().count() + " keys but "
                        + "'max_results' is " + max.get() + ": no result passes this check");
            }
            query.ifPresent(q -> checks.add(new QueryCheck(name, q, dialect, min, max, keys)));
            query.ifPresent(q -> nodes.add(item));
        }
        refuseContradictions(checks, nodes, problems);
        return checks;
    }

    /**
     * Two checks of the same query (and dialect) whose bounds no result count meets together: one's
     * {@code min_results}, or the number of keys its {@code contains_keys} names, above the other's
     * {@code max_results} (tester session 30 R9 L3: each passed the file and one had to fail after the migration).
     */
    private static void refuseContradictions(List<QueryCheck> checks, List<YamlNode> nodes, YamlProblems problems) {
        for (int j = 1; j < checks.size(); j++) {
            for (int i = 0; i < j; i++) {
                QueryCheck a = checks.get(i);
                QueryCheck b = checks.get(j);
                // dialect 4 is counted as dialect 3 (it reports no exact total; tester session 31 R11 L1)
                if (!a.query().equals(b.query()) || counted(a.dialect()) != counted(b.dialect()) || crossed(a)
                        || crossed(b)) {
                    continue;
                }
                for (QueryCheck[] pair : new QueryCheck[][]{{a, b}, {b, a}}) {
                    QueryCheck low = pair[0];
                    QueryCheck high = pair[1];
                    if (low.minResults().isPresent() && high.maxResults().isPresent()
                            && low.minResults().get() > high.maxResults().get()) {
                        problems.add(nodes.get(j), "checks '" + low.name() + "' (min_results " + low.minResults().get()
                                + ") and '" + high.name() + "' (max_results " + high.maxResults().get() + ") run the "
                                + "same query: no result count passes both");
                    }
                    long named = low.containsKeys().stream().distinct().count();
                    if (high.maxResults().isPresent() && named > high.maxResults().get()) { // tester s31 R10 L3
                        problems.add(nodes.get(j), "check '" + low.name() + "' names " + named + " keys in "
                                + "'contains_keys' and '" + high.name() + "' allows at most "
                                + Wording.count(high.maxResults().get(), "result", "results") + " of the same query: "
                                + "no result passes both");
                    }
                }
            }
        }
    }

    /** The dialect a check's count is taken in: 4 reports no exact total, so it is counted as 3. */
    public static int counted(int dialect) {
        return dialect == 4 ? 3 : dialect;
    }

    /** Bounds no count meets on their own (reported by themselves). */
    private static boolean crossed(QueryCheck check) {
        return check.maxResults().isPresent() && (check.minResults().isPresent()
                && check.minResults().get() > check.maxResults().get()
                || check.containsKeys().stream().distinct().count() > check.maxResults().get());
    }

    private static Optional<Long> number(YamlNode item, String key, YamlProblems problems) {
        Optional<YamlNode> node = item.get(key);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        if (node.get().value() instanceof Long value && value >= 0) {
            return Optional.of(value);
        }
        problems.add(node.get(), "'" + key + "' must be a whole number >= 0");
        return Optional.empty();
    }
}
