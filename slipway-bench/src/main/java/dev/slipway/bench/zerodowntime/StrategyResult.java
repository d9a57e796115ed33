package dev.slipway.bench.zerodowntime;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.slipway.bench.LatencyRecorder.LatencySummary;

import java.util.List;
import java.util.Map;

/**
 * What one strategy did under live traffic; rendered as one entry of {@code strategies} in the JSON.
 *
 * @param result           SUCCEEDED or FAILED as the library reported it, or ERROR when apply threw without a
 *                         report
 * @param error            the library's message when it did not succeed; absent otherwise
 * @param failedChecks     the validation checks that failed, with expected and found values; empty when none
 * @param migrationSeconds wall time of {@code apply}
 * @param steps            each step's duration in milliseconds, in order
 * @param queries          the query load during the migration
 * @param writes           the writes during the migration and whether they are searchable afterwards
 * @param plan             the plan's own estimates
 * @param memory           measured memory
 * @param reportedDowntime the downtime the library itself measured and put in its report
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record StrategyResult(String result, String error, List<String> failedChecks, double migrationSeconds, Map<String, Long> steps,
                      QueryFigures queries, WriteFigures writes, PlanFigures plan, MemoryFigures memory,
                      ReportedDowntime reportedDowntime) {

    /**
     * The query load.
     *
     * @param sent       queries sent during the migration
     * @param failed     error replies and exceptions
     * @param incomplete answered with a total below what must be there (see {@link QueryLoad})
     * @param incompleteAfterServerTimeout of those, answered only after the server's query TIMEOUT had passed:
     *                   likely partial results of a timed-out query rather than documents missing from the index
     * @param perSecond  queries per second over the window
     * @param latencyMs  latency of the answered queries
     * @param failing    from the first to the last failed query, seconds after the migration started
     * @param partial    from the first to the last incomplete query, seconds after the migration started
     * @param errors     the error messages seen, with counts
     */
    record QueryFigures(long sent, long failed, long incomplete, long incompleteAfterServerTimeout, double perSecond, LatencySummary latencyMs,
                        Span failing, Span partial, Map<String, Long> errors) {
    }

    /**
     * A time span in seconds after the migration started.
     *
     * @param fromSeconds the first occurrence
     * @param toSeconds   the last occurrence
     */
    record Span(double fromSeconds, double toSeconds) {
        static Span union(Span a, Span b) {
            if (a == null || b == null) {
                return a == null ? b : a;
            }
            return new Span(Math.min(a.fromSeconds, b.fromSeconds), Math.max(a.toSeconds, b.toSeconds));
        }
    }

    /**
     * The writes and the audit after the migration.
     *
     * @param made             acknowledged writes during the migration
     * @param inserts          of which new products
     * @param updates          of which updates of loaded products
     * @param errors           writes that failed (not audited)
     * @param keysWritten      distinct products written
     * @param searchable       products found through the served name with the value last written
     * @param lost             products not found with their last written value
     * @param lostSample       a few of the lost products
     * @param expectedDocs     loaded plus inserted products
     * @param matchAllAfter    the total of {@code *} on the served name after the migration
     */
    record WriteFigures(long made, long inserts, long updates, long errors, long keysWritten, long searchable,
                        long lost, List<String> lostSample, long expectedDocs, long matchAllAfter) {
    }

    /**
     * The plan's estimates.
     *
     * @param mode                     the strategy the plan uses
     * @param estimatedExtraMemoryBytes memory beyond today's the plan expects the migration to need
     * @param estimatedDowntimeSeconds  the downtime the plan expects
     * @param estimatedReindexSeconds   the indexing time the plan expects
     * @param stepNames                 the plan's steps
     */
    record PlanFigures(String mode, long estimatedExtraMemoryBytes, double estimatedDowntimeSeconds,
                       double estimatedReindexSeconds, List<String> stepNames) {
    }

    /**
     * Measured memory.
     *
     * @param sourceIndexBytes     FT.INFO memory of the source index before the migration
     * @param indexesAfterBytes    FT.INFO memory of every physical index of the served name afterwards
     * @param indexBytesAdded      the sum of those minus the source index
     * @param usedMemoryBeforeBytes the server's used_memory before the migration
     * @param usedMemoryPeakBytes   the highest used_memory sampled during it
     * @param usedMemoryAfterBytes  used_memory afterwards
     */
    record MemoryFigures(long sourceIndexBytes, Map<String, Long> indexesAfterBytes, long indexBytesAdded,
                         long usedMemoryBeforeBytes, long usedMemoryPeakBytes, long usedMemoryAfterBytes) {
    }

    /**
     * The downtime windows the library measured itself (its report's {@code downtime}).
     *
     * @param unavailableMs the name did not exist
     * @param incompleteMs  the name existed but was still indexing
     */
    record ReportedDowntime(long unavailableMs, long incompleteMs) {
    }
}
