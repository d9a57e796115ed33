package dev.slipway.bench.quantize;

import dev.slipway.bench.BenchArguments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The options of the {@code quantize} benchmark.
 *
 * @param sizes       dataset sizes, in run order
 * @param dims        dimensions of every vector
 * @param batchSize   documents per batch of Slipway and of the ceiling
 * @param workers     connections that write in parallel (Slipway, the ceiling, and RedisVL's second run, which
 *                    uses at least two)
 * @param seed        seed of the data and of the audit sample
 * @param sampleSize  documents the audit compares byte for byte
 * @param rvl         the {@code rvl} executable; {@code none} skips RedisVL; {@code auto} looks for it
 * @param maxSeconds  bound on each wait for indexing and each RedisVL subprocess
 * @param warmup      documents of the warm-up rounds of Slipway and the ceiling before the measured sizes; 0 for none
 * @param warmupRounds most warm-up rounds; they stop at the first whose Slipway rewrite spent under
 *                    {@link #JIT_SETTLED} of its wall time compiling
 * @param pin         run the servers on core 0 and the clients on the other cores (see {@link CpuPinning})
 * @param rounds      times the ceiling and Slipway are measured, alternately, at each size; the median is judged
 * @param writeWatch  Slipway's apply watches for writes by other clients, as apply does by default
 */
record QuantizeOptions(List<Integer> sizes, int dims, int batchSize, int workers, long seed, int sampleSize,
                       String rvl, int maxSeconds, int warmup, int warmupRounds, boolean pin, int rounds,
                       boolean writeWatch) {

    /** The share of a warm-up rewrite's wall time in JIT compilation below which the code counts as compiled. */
    static final double JIT_SETTLED = 0.05;

    static final String RVL_ENV = "SLIPWAY_RVL";
    static final Set<String> NAMES = Set.of("sizes", "dims", "batch-size", "workers", "seed", "sample",
            "rvl", "max-seconds", "warmup", "warmup-rounds", "pin", "rounds", "write-watch");
    private static final int MIN_SIZE = 100;
    private static final int MAX_SIZE = 10_000_000;

    /** Copies the list. */
    QuantizeOptions {
        sizes = List.copyOf(sizes);
    }

    static QuantizeOptions parse(String benchmark, List<String> args) {
        BenchArguments a = BenchArguments.parse(benchmark, args, NAMES);
        QuantizeOptions options = new QuantizeOptions(
                sizes(a, a.text("sizes", "50000,200000")),
                a.integer("dims", 768, 2, 32_768),
                a.integer("batch-size", 500, 1, 100_000),
                a.integer("workers", 1, 1, 64),
                a.number("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE),
                a.integer("sample", 200, 1, 100_000),
                a.text("rvl", "auto"),
                a.integer("max-seconds", 600, 5, 7_200),
                a.integer("warmup", 100_000, 0, MAX_SIZE),
                a.integer("warmup-rounds", 4, 1, 20),
                bool(a, "pin", false),
                a.integer("rounds", 3, 1, 20),
                bool(a, "write-watch", true));
        a.throwIfInvalid();
        return options;
    }

    private static boolean bool(BenchArguments a, String name, boolean defaultValue) {
        String value = a.text(name, Boolean.toString(defaultValue));
        if (!value.equals("true") && !value.equals("false")) {
            a.problem("--" + name + " '" + value + "' is neither true nor false");
        }
        return value.equals("true");
    }

    private static List<Integer> sizes(BenchArguments a, String text) {
        List<Integer> sizes = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                int size = Integer.parseInt(part.trim().replace("_", ""));
                if (size < MIN_SIZE || size > MAX_SIZE) {
                    a.problem("--sizes " + part.trim() + " is out of range; give sizes from " + MIN_SIZE + " to "
                            + MAX_SIZE);
                } else {
                    sizes.add(size);
                }
            } catch (NumberFormatException e) {
                a.problem("--sizes '" + part.trim() + "' is not a whole number; give e.g. --sizes 50000,200000");
            }
        }
        return sizes;
    }

    /**
     * RedisVL's runs: its default of one worker, and one with as many workers as Slipway, at least two, so RedisVL is
     * judged by the better of its own default and a parallel run whatever Slipway uses.
     */
    List<Integer> redisVlWorkers() {
        return List.of(1, Math.max(2, workers));
    }

    /**
     * The {@code rvl} executable to run, or why there is none: {@code --rvl PATH}, else environment variable
     * {@value #RVL_ENV}, else {@code .venv/bin/rvl} in the working directory or one of its parents (where
     * {@code scripts/install-redisvl.sh} puts it).
     */
    RvlLocation locateRvl() {
        if (rvl.equals("none")) {
            return RvlLocation.missing("skipped with --rvl none");
        }
        if (!rvl.equals("auto")) {
            return checked(Paths.get(rvl), "--rvl");
        }
        String env = System.getenv(RVL_ENV);
        if (env != null && !env.isBlank()) {
            return checked(Paths.get(env.trim()), "environment variable " + RVL_ENV);
        }
        Path start = Paths.get(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(".venv").resolve("bin").resolve("rvl");
            if (Files.isExecutable(candidate)) {
                return new RvlLocation(Optional.of(candidate), "");
            }
        }
        return RvlLocation.missing("no rvl executable: --rvl and " + RVL_ENV + " are not set and no .venv/bin/rvl "
                + "exists in " + start + " or its parents; run 'bash scripts/install-redisvl.sh'");
    }

    private static RvlLocation checked(Path path, String source) {
        return Files.isExecutable(path) ? new RvlLocation(Optional.of(path), "")
                : RvlLocation.missing(path + " (from " + source + ") is not an executable file; run "
                + "'bash scripts/install-redisvl.sh'");
    }

    /**
     * Where {@code rvl} is.
     *
     * @param path   the executable, when found
     * @param reason why it is absent; empty when found
     */
    record RvlLocation(Optional<Path> path, String reason) {
        static RvlLocation missing(String reason) {
            return new RvlLocation(Optional.empty(), reason);
        }
    }

    static String help() {
        return """
                Usage: slipway-bench quantize [options]

                Migrates a HASH index's 768-dim FLOAT32 vector field to FLOAT16 (a patch with update_fields
                datatype: float16) on identical, freshly loaded data, at each dataset size, with three contenders,
                each on its own throwaway Redis Stack server on 127.0.0.1:
                  slipway   plan + apply in this JVM with a backup directory; throughput over its
                            rewrite-documents step, apply wall time, and the JVM heap sampled every 50 ms
                            (baseline after a forced GC, peak) to show it does not grow with the documents;
                  ceiling   the same SCAN pages, pipelined HMGETs and HSETs over the same connections with no
                            conversion and no backup, on the server state Slipway meets (the index built,
                            then dropped just before), run twice: reads then writes per batch, and the next
                            batch read while the current one is written; the mode faster over the
                            rounds (by its median) is the ceiling of every round. Measured rounds
                            also run, not judged: with the write watch on, the overlapped moves with
                            the server keeping the watch's broadcast (slipway_vs_watched_ceiling);
                            and the essential moves, the overlapped ones plus the work any safe
                            migration must do, done plainly on two threads: the originals of each
                            batch fsynced to a file first, each vector converted as it is sent,
                            watched as Slipway is (slipway_vs_essential_work: Slipway's own
                            overhead; a wrong vector in the sample fails the benchmark);
                  redisvl   RedisVL's 'rvl migrate plan' and 'rvl migrate apply' (installed by
                            scripts/install-redisvl.sh), with its default batch size and one worker, then with
                            --workers N workers (at least 2); reported as unavailable when rvl cannot
                            be found or run.
                After each migration 200 sampled documents must hold exactly the float16 rounding (nearest, ties
                to even) of their original vector, and the index must be back over every document.

                Options:
                  --sizes LIST       dataset sizes, comma-separated (default 50000,200000)
                  --dims N           vector dimensions (default 768)
                  --batch-size N     documents per batch of Slipway and the ceiling (default 500)
                  --workers N        connections writing in parallel, as apply --workers (default 1, as
                                     apply's: with the write watch on, each more connection makes the
                                     server report every document to the other connections' listeners);
                                     RedisVL's second run uses max(N, 2)
                  --seed N           seed of the data and the audit sample (default 42)
                  --sample N         documents the audit compares byte for byte (default 200)
                  --rvl PATH         the rvl executable, or none to skip RedisVL (default: $SLIPWAY_RVL, else
                                     .venv/bin/rvl in the working directory or a parent)
                  --max-seconds N    bound on each wait for indexing and each rvl command (default 600)
                  --warmup N         documents of each warm-up round of the ceiling and Slipway before the
                                     measured sizes, so that both are measured after the JIT compilers have
                                     compiled their hot code; the rounds' figures (the first is cold) are
                                     reported under "warmup" and not judged; 0 for none (default 100000)
                  --warmup-rounds N  most warm-up rounds: they stop after the first in which Slipway's
                                     rewrite spent under 5% of its wall time in JIT compilation (default 4)
                  --pin BOOL         run every Redis server on core 0 and this JVM (and RedisVL) on the
                                     other cores, as if the server had a host of its own: otherwise the
                                     contender that burns more client CPU also slows the server down
                                     (default false; needs Linux, taskset and two cores, else reported off).
                                     The JVM keeps the collector and compiler threads it chose for all
                                     cores, so on two cores this squeezes them onto one
                  --rounds N         at each size, measure the ceiling and Slipway N times, alternately, each
                                     on freshly loaded data; Slipway's share of the ceiling is judged on the
                                     round with the median share (every round is in the JSON), its heap on
                                     the largest any round retained, correctness on every round; RedisVL
                                     runs once per size (default 3)

                  --write-watch BOOL Slipway's apply watches for writes by other clients, as apply does
                                     (default true; false is apply --no-write-watch). The watch's client-side
                                     tracking costs the server work on every rewritten document, which the
                                     raw ceiling does not do (the watched moves above do)

                Prints JSON on standard output, progress on standard error. Exit code 1 when a target is missed:
                Slipway below 0.8 x the ceiling, the heap Slipway retains after a collection at the largest size
                above 1.5 x that at the smallest size + 64 MB, Slipway not faster than RedisVL (when RedisVL ran), or Slipway's result
                not correct. RedisVL's correctness is reported, not a target of this benchmark.
                """;
    }
}
