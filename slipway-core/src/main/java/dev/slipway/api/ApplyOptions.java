package dev.slipway.api;

import dev.slipway.api.plan.QueryCheck;

import java.time.Duration;
import java.util.List;

/**
 * Options of {@code apply}.
 *
 * @param indexingTimeout how long to wait for the new index to finish indexing
 * @param queryChecks     extra queries validation runs; empty for none
 */
public record ApplyOptions(Duration indexingTimeout, List<QueryCheck> queryChecks) {
    /** Default: wait up to one hour, no query checks. */
    public static final ApplyOptions DEFAULTS = new ApplyOptions(Duration.ofHours(1), List.of());

    /** Copies the checks. */
    public ApplyOptions {
        queryChecks = queryChecks == null ? List.of() : List.copyOf(queryChecks);
    }
}
