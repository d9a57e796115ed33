package dev.slipway.api.plan;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

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
    /**
     * Copies the keys; absent bounds (null) become empty and an absent name is the query.
     *
     * @throws SlipwayException {@link ErrorCode#MALFORMED_INPUT} for a missing or blank query, a negative bound, or a
     *                          lower bound above the upper one (no result count passes such a check). The server
     *                          judges the query and its dialect before the first change.
     */
    public QueryCheck {
        if (query == null || query.isBlank()) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "A query check needs a query; check '" + name
                    + "' has none.");
        }
        name = name == null ? query : name;
        minResults = minResults == null ? Optional.empty() : minResults;
        maxResults = maxResults == null ? Optional.empty() : maxResults;
        if (minResults.filter(n -> n < 0).isPresent() || maxResults.filter(n -> n < 0).isPresent()) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Query check '" + name + "' has a negative bound.");
        }
        if (minResults.isPresent() && maxResults.isPresent() && minResults.get() > maxResults.get()) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Query check '" + name + "': its minimum ("
                    + minResults.get() + ") is greater than its maximum (" + maxResults.get() + "), so no result "
                    + "count passes it.");
        }
        containsKeys = containsKeys == null ? List.of() : List.copyOf(containsKeys);
    }
}
