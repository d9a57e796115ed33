package dev.slipway.bench.zerodowntime;

import java.util.List;
import java.util.Map;

/**
 * The JSON document of the {@code zero-downtime} benchmark.
 *
 * @param benchmark    always {@code zero-downtime}
 * @param docs         products loaded before each migration
 * @param change       the patch applied, as YAML
 * @param settings     the load and bounds used
 * @param server       versions of the server
 * @param machine      the machine it ran on
 * @param strategies   per strategy, by its CLI name, in run order
 * @param verdict      whether zero-downtime met its targets
 * @param totalSeconds wall time of the whole benchmark
 */
record ZeroDowntimeReport(String benchmark, int docs, String change, Settings settings, ServerFacts server,
                          MachineFacts machine, Map<String, StrategyResult> strategies, Verdict verdict,
                          double totalSeconds) {

    /**
     * The load and bounds.
     *
     * @param queryThreads       query clients
     * @param queryRatePerThread queries a second per client (0: unthrottled)
     * @param queries            the queries the clients alternate
     * @param writeRate          writes a second
     * @param seed               seed
     * @param modeOrder          strategies in run order
     * @param vectorAlgorithm    algorithm of the vector field
     * @param maxSeconds         bound of each migration
     */
    record Settings(int queryThreads, int queryRatePerThread, List<String> queries, int writeRate, long seed,
                    List<String> modeOrder, String vectorAlgorithm, int maxSeconds) {
    }

    /**
     * The server.
     *
     * @param redis          redis_version
     * @param search         the search module's version, as major.minor.patch
     * @param queryTimeoutMs the search module's default query TIMEOUT (0: none)
     * @param onTimeout      what the server does when a query times out: {@code return} (partial results) or
     *                       {@code fail}
     */
    record ServerFacts(String redis, String search, long queryTimeoutMs, String onTimeout) {
    }

    /**
     * The machine.
     *
     * @param cores processors available to the JVM (the server runs on the same machine)
     * @param os    operating system and architecture
     * @param java  the JVM's version
     */
    record MachineFacts(int cores, String os, String java) {
        static MachineFacts current() {
            return new MachineFacts(Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                    System.getProperty("java.version"));
        }
    }

    /**
     * The targets of the zero-downtime strategy: the migration succeeds, and the traffic sees no failed query, no
     * incomplete result and no lost write.
     *
     * @param zeroDowntimeRan        whether the zero-downtime strategy was in {@code --mode-order}
     * @param migrationSucceeded     the library reported the zero-downtime migration as SUCCEEDED
     * @param trafficTargetsMet      0 failed queries, 0 incomplete results, 0 lost or failed writes
     * @param problems               each target missed
     */
    record Verdict(boolean zeroDowntimeRan, boolean migrationSucceeded, boolean trafficTargetsMet,
                   List<String> problems) {
        static Verdict of(StrategyResult zeroDowntime) {
            if (zeroDowntime == null) {
                return new Verdict(false, false, false, List.of());
            }
            List<String> problems = new java.util.ArrayList<>();
            boolean succeeded = "SUCCEEDED".equals(zeroDowntime.result());
            if (!succeeded) {
                problems.add("the zero-downtime migration " + zeroDowntime.result() + ": " + zeroDowntime.error()
                        + " " + zeroDowntime.failedChecks());
            }
            if (zeroDowntime.queries().failed() > 0) {
                problems.add(zeroDowntime.queries().failed() + " queries failed during zero-downtime: "
                        + zeroDowntime.queries().errors());
            }
            if (zeroDowntime.queries().incomplete() > 0) {
                problems.add(zeroDowntime.queries().incomplete() + " queries returned incomplete results during "
                        + "zero-downtime (" + zeroDowntime.queries().incompleteAfterServerTimeout()
                        + " of them only after the server's query TIMEOUT, i.e. partial results of timed-out queries)");
            }
            if (zeroDowntime.writes().lost() > 0 || zeroDowntime.writes().errors() > 0) {
                problems.add(zeroDowntime.writes().lost() + " written products not searchable afterwards and "
                        + zeroDowntime.writes().errors() + " failed writes during zero-downtime; lost e.g. "
                        + zeroDowntime.writes().lostSample());
            }
            return new Verdict(true, succeeded, problems.size() == (succeeded ? 0 : 1), problems);
        }
    }
}
