package dev.slipway.api.plan;

import java.util.List;
import java.util.Optional;

/**
 * A query that validation runs against the migrated index, from a query-check file:
 *
 * <pre>
 * queries:
 *   - name: laptops
 *     query: "@category:{laptop}"
 *     min_results: 1
 *     max_results: 100
 *     contains_keys: ["product:1"]
 * </pre>
 *
 * @param name         label shown in the report
 * @param query        the {@code FT.SEARCH} query string
 * @param dialect      query dialect (2 by default)
 * @param minResults   lower bound of the total, if any
 * @param maxResults   upper bound of the total, if any
 * @param containsKeys keys that must be among the results
 */
public record QueryCheck(String name, String query, int dialect, Optional<Long> minResults,
                         Optional<Long> maxResults, List<String> containsKeys) {
    /** Copies the keys. */
    public QueryCheck {
        containsKeys = containsKeys == null ? List.of() : List.copyOf(containsKeys);
    }
}
