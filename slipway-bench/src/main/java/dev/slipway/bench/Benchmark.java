package dev.slipway.bench;

import java.util.List;

/**
 * One sub-benchmark of {@code slipway-bench}, selected by {@link #name()} on the command line. A benchmark prints
 * human progress through the {@link BenchLog} (standard error) and returns its result as a JSON document, which
 * {@link BenchMain} prints on standard output.
 */
public interface Benchmark {

    /** The name on the command line, e.g. {@code zero-downtime}. */
    String name();

    /** One line for {@code slipway-bench --help}. */
    String summary();

    /** The text of {@code slipway-bench <name> --help}: what it measures and every option with its default. */
    String help();

    /**
     * Runs the benchmark.
     *
     * @param args the arguments after the benchmark's name, without {@code --help}
     * @param log  where human progress goes
     * @return the result; {@link BenchOutcome#problems()} is empty when the benchmark met its targets
     * @throws BenchUsageException when an option is unknown or invalid (nothing was started)
     */
    BenchOutcome run(List<String> args, BenchLog log);
}
