package dev.slipway.internal.apply;

import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.FilterExpressions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * How many documents of a live index a FILTER expression admits, for the plan of a patch that adds or changes one
 * (tester session 40 R29 L7: the plan gave no figure of how many documents the new version keeps). Planning writes
 * nothing to Redis, so no throwaway index tells it ({@code FilterScope} does at apply and validation): an
 * {@code FT.AGGREGATE} over the live index evaluates the same expression language, with every field it names
 * loaded from the documents ({@code @__key} too), counted in one group, with no time limit. It counts only the
 * documents the live index holds: neither those it fails on, nor, when it has a FILTER of its own, those that one
 * leaves out.
 */
public final class FilterCount {
    private static final Logger LOG = LoggerFactory.getLogger(FilterCount.class);

    private FilterCount() {
    }

    /**
     * The documents of {@code index} (an index or an alias) that {@code filter} admits; empty when the server would
     * not evaluate it that way (an expression an aggregation refuses), which is logged.
     */
    public static OptionalLong admitted(RedisSession session, String index, String filter) {
        return admitted(session, index, filter, refusal -> { });
    }

    /** As above, telling {@code refused} the server's words when it would not evaluate the expression. */
    public static OptionalLong admitted(RedisSession session, String index, String filter,
                                        java.util.function.Consumer<String> refused) {
        List<String> command = new ArrayList<>(List.of("FT.AGGREGATE", index, "*"));
        Set<String> named = FilterExpressions.attributes(filter);
        if (!named.isEmpty()) {
            command.add("LOAD");
            command.add(String.valueOf(named.size()));
            named.forEach(name -> command.add("@" + name));
        }
        command.addAll(List.of("FILTER", filter, "GROUPBY", "0", "REDUCE", "COUNT", "0", "AS", "n", "TIMEOUT", "0"));
        try {
            return OptionalLong.of(count(session.call(command)));
        } catch (RedisCommandException e) {
            LOG.info("Could not count the documents of '{}' that the FILTER {} admits: {}", index, filter,
                    e.serverMessage());
            refused.accept(e.serverMessage());
            return OptionalLong.empty();
        }
    }

    /** The count of a one-group aggregation's reply ({@code [1, [n, count]]}, or {@code [0]} when none is left). */
    private static long count(Object reply) {
        List<Object> rows = RedisReplies.list(reply);
        if (rows.size() < 2) {
            return 0;
        }
        List<Object> row = RedisReplies.list(rows.get(1));
        for (int i = 0; i + 1 < row.size(); i += 2) {
            if ("n".equals(RedisReplies.text(row.get(i)))) {
                return RedisReplies.whole(row.get(i + 1));
            }
        }
        return 0;
    }
}
