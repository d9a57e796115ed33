package dev.slipway.bench.zerodowntime;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.bench.BenchArguments;
import dev.slipway.bench.zerodowntime.ProductCorpus.VectorAlgorithm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The options of the {@code zero-downtime} benchmark.
 *
 * @param docs            products loaded before each migration
 * @param queryThreads    query clients, each on its own connection
 * @param queryRate       queries a second per client; 0 for as fast as possible
 * @param writeRate       writes a second of the writer
 * @param seed            seed of the data and of the load
 * @param modeOrder       the strategies, in the order they run
 * @param vectorAlgorithm the source index's vector algorithm
 * @param maxSeconds      bound of each migration: the load stops and apply gives up waiting for indexing after it
 */
record ZeroDowntimeOptions(int docs, int queryThreads, int queryRate, int writeRate, long seed,
                           List<MigrationMode> modeOrder, VectorAlgorithm vectorAlgorithm, int maxSeconds) {

    private static final Set<String> NAMES = Set.of("docs", "query-threads", "query-rate", "write-rate", "seed",
            "mode-order", "vector-algorithm", "max-seconds");
    private static final String DEFAULT_ORDER = "drop-recreate,zero-downtime";
    /** Queries a client keeps latencies of when unthrottled; also its bound on queries per migration. */
    private static final int UNTHROTTLED_MAX_QUERIES = 2_000_000;

    /** Copies the list. */
    ZeroDowntimeOptions {
        modeOrder = List.copyOf(modeOrder);
    }

    static ZeroDowntimeOptions parse(String benchmark, List<String> args) {
        BenchArguments a = BenchArguments.parse(benchmark, args, NAMES);
        ZeroDowntimeOptions options = new ZeroDowntimeOptions(
                a.integer("docs", 100_000, 100, 10_000_000),
                a.integer("query-threads", 2, 1, 64),
                a.integer("query-rate", 200, 0, 100_000),
                a.integer("write-rate", 500, 1, 100_000),
                a.number("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE),
                modes(a, a.text("mode-order", DEFAULT_ORDER)),
                algorithm(a, a.text("vector-algorithm", "FLAT")),
                a.integer("max-seconds", 300, 5, 3_600));
        a.throwIfInvalid();
        return options;
    }

    private static List<MigrationMode> modes(BenchArguments a, String text) {
        List<MigrationMode> modes = new ArrayList<>();
        for (String part : text.split(",")) {
            String name = part.trim();
            MigrationMode mode = null;
            for (MigrationMode m : MigrationMode.values()) {
                mode = m.cliName().equals(name) ? m : mode;
            }
            if (mode == null) {
                a.problem("--mode-order: unknown mode '" + name + "'; use drop-recreate and/or zero-downtime, "
                        + "comma-separated");
            } else if (modes.contains(mode)) {
                a.problem("--mode-order names " + name + " twice");
            } else {
                modes.add(mode);
            }
        }
        return modes.isEmpty() ? List.of(MigrationMode.DROP_RECREATE, MigrationMode.ZERO_DOWNTIME) : modes;
    }

    private static VectorAlgorithm algorithm(BenchArguments a, String text) {
        try {
            return VectorAlgorithm.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            a.problem("--vector-algorithm '" + text + "' is not HNSW or FLAT");
            return VectorAlgorithm.FLAT;
        }
    }

    /** The bound on writes of one migration. */
    long maxWrites() {
        return (long) writeRate * maxSeconds;
    }

    /** The bound on queries of one client in one migration. */
    int maxQueriesPerThread() {
        return queryRate == 0 ? UNTHROTTLED_MAX_QUERIES : (int) Math.min(UNTHROTTLED_MAX_QUERIES,
                (long) queryRate * maxSeconds);
    }

    static String help() {
        return """
                Usage: slipway-bench zero-downtime [options]

                Runs the same index-only change (add a sortable numeric field 'stock') twice on a throwaway
                Redis Stack server on 127.0.0.1, from the same freshly loaded index 'products': once with
                drop-recreate, once with zero-downtime. During each migration, query clients search the name
                'products' at a constant rate and a writer inserts and updates products. Reports per strategy:
                queries sent, failed and incomplete, query latency, writes made and whether each is searchable
                afterwards, migration wall time, and memory (plan estimate, FT.INFO, used_memory peak).

                Options:
                  --docs N               products loaded before each migration (default 100000)
                  --query-threads N      query clients, one connection each (default 2)
                  --query-rate N         queries per second per client, 0 = as fast as possible (default 200)
                  --write-rate N         writes per second, half inserts, half updates (default 500)
                  --seed N               seed of the data and the load (default 42)
                  --mode-order LIST      strategies in run order (default drop-recreate,zero-downtime)
                  --vector-algorithm A   FLAT or HNSW for the 8-dim FLOAT32 'embedding' field (default FLAT;
                                         HNSW makes every index build several times slower)
                  --max-seconds N        bound on each migration; load and indexing wait stop after it (default 300)

                Prints JSON on standard output, progress on standard error. Exit code 1 when the zero-downtime
                migration did not succeed, or a query failed, returned an incomplete result or a write was lost
                during it; drop-recreate has no targets (its numbers are the comparison).
                """;
    }
}
