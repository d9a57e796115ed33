package dev.slipway.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.slipway.bench.zerodowntime.ZeroDowntimeBenchmark;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The entry point of {@code slipway-bench.jar}: {@code java -jar slipway-bench.jar <benchmark> [options]}.
 * Dispatches to the benchmark named by the first argument, prints its JSON result on standard output and human
 * progress on standard error. Exit codes: 0 the benchmark ran and met its targets, 1 it failed or missed a target
 * (the JSON is still printed when there is one), 2 bad usage.
 */
public final class BenchMain {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchMain() {
    }

    /** Every benchmark, in the order {@code --help} lists them. Add new ones here. */
    static List<Benchmark> benchmarks() {
        return List.of(new ZeroDowntimeBenchmark(), new dev.slipway.bench.quantize.QuantizeBenchmark());
    }

    /** Runs and exits with the exit code of {@link #run}. */
    public static void main(String[] args) {
        routeLibraryLogsToStderr();
        System.exit(run(List.of(args), System.out, System.err));
    }

    /**
     * Runs one benchmark.
     *
     * @param args the command line: a benchmark name, its options, optionally {@code -v} for stack traces
     * @return the exit code: 0 success, 1 failure or missed target, 2 bad usage
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(args);
        boolean verbose = rest.remove("-v") | rest.remove("--verbose");
        if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h")) {
            out.print(usage());
            return rest.isEmpty() ? 2 : 0;
        }
        Optional<Benchmark> found = find(rest.get(0));
        if (found.isEmpty()) {
            err.println("Unknown benchmark '" + rest.get(0) + "'. Run 'slipway-bench --help' for the list.");
            return 2;
        }
        Benchmark benchmark = found.get();
        List<String> options = rest.subList(1, rest.size());
        if (options.contains("--help") || options.contains("-h")) {
            out.print(benchmark.help());
            return 0;
        }
        return runBenchmark(benchmark, options, verbose, out, err);
    }

    private static int runBenchmark(Benchmark benchmark, List<String> options, boolean verbose, PrintStream out,
                                    PrintStream err) {
        try {
            BenchOutcome outcome = benchmark.run(options, new BenchLog(err));
            out.println(JSON.writeValueAsString(outcome.report()));
            out.flush();
            for (String problem : outcome.problems()) {
                err.println("TARGET MISSED: " + problem);
            }
            return outcome.problems().isEmpty() ? 0 : 1;
        } catch (BenchUsageException e) {
            err.println("Bad usage of " + benchmark.name() + ":");
            e.problems().forEach(p -> err.println("  - " + p));
            return 2;
        } catch (JsonProcessingException e) {
            err.println("Cannot render the result of " + benchmark.name() + " as JSON: " + e.getOriginalMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println(benchmark.name() + " failed: " + e.getMessage()
                    + (verbose ? "" : " (run with -v for the stack trace)"));
            if (verbose) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static Optional<Benchmark> find(String name) {
        return benchmarks().stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The text of {@code slipway-bench --help}. */
    static String usage() {
        StringBuilder text = new StringBuilder();
        text.append("Usage: slipway-bench <benchmark> [options] [-v]\n")
                .append("       slipway-bench <benchmark> --help\n\n")
                .append("Benchmarks:\n");
        for (Benchmark b : benchmarks()) {
            text.append(String.format(Locale.ROOT, "  %-16s %s%n", b.name(), b.summary()));
        }
        text.append("\nPrints the result as JSON on standard output and progress on standard error.\n")
                .append("  -v, --verbose    print stack traces on failure\n\n")
                .append("Exit codes: 0 ran and met its targets, 1 failed or missed a target, 2 bad usage.\n");
        return text.toString();
    }

    /**
     * Jedis and Slipway log through SLF4J; logback's default configuration would print DEBUG lines on standard
     * output and corrupt the JSON, so warnings and errors go to standard error and the rest is dropped.
     */
    static void routeLibraryLogsToStderr() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
    }
}
