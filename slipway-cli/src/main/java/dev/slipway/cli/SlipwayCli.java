package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code slipway} command: the entry point of the command line. It only parses options, hands the work to
 * {@link dev.slipway.api.Slipway} and turns the outcome into text and an exit code (0 success, 1 failure,
 * 2 bad usage or input).
 */
@Command(name = "slipway",
        versionProvider = VersionProvider.class,
        header = "Safe migrations of Redis Search (FT.*) indexes.",
        description = {"Plan a change of an index, review the plan, apply it, validate the result; see where "
                + "managed indexes stand, roll a migration back, drop versions no longer needed.",
                "Run 'slipway <command> --help' for the options of a command."},
        subcommands = {IndexCommand.class, PlanCommand.class, EstimateCommand.class, ApplyCommand.class,
                ValidateCommand.class, StatusCommand.class, RollbackCommand.class, PruneCommand.class})
public final class SlipwayCli implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, order = 1000,
            description = "Show this help and exit.")
    private boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, order = 1001,
            description = "Print the version and exit.")
    private boolean version;

    /** Runs the CLI and exits the JVM with its exit code. */
    public static void main(String[] args) {
        AtomicBoolean finished = new AtomicBoolean();
        // a signal that ends the JVM at once (a second one during apply or rollback, any during other commands; see
        // SignalStop) leaves no exception the commands could report (exit 130 / 143): say what that means
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!finished.get()) {
                System.err.println(System.lineSeparator() + INTERRUPTED);
                System.err.flush();
            }
        }, "slipway-interrupted"));
        SignalStop.install(System.err);
        int code;
        try {
            code = run(System.out, System.err, args);
        } catch (OutOfMemoryError e) { // the batches were let go on the way here, so there is memory to say so
            System.err.println(outOfMemory(Runtime.getRuntime().maxMemory()));
            code = 1;
        }
        finished.set(true);
        System.exit(code);
    }

    /** What a run that ran out of JVM memory prints (not a signal: the shutdown hook must not claim one). */
    static String outOfMemory(long maxHeap) {
        return "slipway: error: the JVM ran out of memory (it may use " + Units.bytes(maxHeap) + ") before the "
                + "command finished. What was stored is safe: 'slipway status' shows where a migration stands, and "
                + "re-running the same command resumes it, taking over this process's lock. Give the JVM more "
                + "memory (SLIPWAY_JAVA_OPTS=-Xmx<size>), then re-run it (a rewrite measures its documents again "
                + "and cuts its batches, the ones already backed up too, to fit the memory it has). No report was "
                + "written.";
    }

    /** What a run stopped by a signal prints. */
    static final String INTERRUPTED = "slipway: stopped by a signal at once, before it finished (exit 130 for Ctrl-C / "
            + "SIGINT, 143 for SIGTERM). What was stored is safe: 'slipway status' shows where it stands. An apply "
            + "or rollback re-run with the same command resumes from its last completed step or batch, taking over "
            + "this process's lock; a throwaway index (slipway-probe:...) an apply or validate was using is dropped "
            + "by the next apply, rollback, prune or validate of the index. No report was written.";

    /**
     * Runs one command line without exiting: human output goes to {@code out}, errors and progress to
     * {@code err}.
     *
     * @return the exit code: 0 success, 1 failure, 2 bad usage or input
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        CommandLine commandLine = newCommandLine(colours(out), outWriter, errWriter);
        try {
            return commandLine.execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    static CommandLine newCommandLine(Help.Ansi ansi, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new SlipwayCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setColorScheme(Help.defaultColorScheme(ansi));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        UsageStyle.apply(commandLine);
        commandLine.setExecutionStrategy(SlipwayCli::execute);
        ErrorReporter errors = new ErrorReporter();
        commandLine.setExecutionExceptionHandler(errors);
        commandLine.setParameterExceptionHandler(errors);
        return commandLine;
    }

    /** Colours only when writing to a real terminal; captured output (tests, pipes) stays plain. */
    private static Help.Ansi colours(PrintStream out) {
        return out == System.out && System.console() != null ? Help.Ansi.AUTO : Help.Ansi.OFF;
    }

    private static int execute(ParseResult parseResult) {
        LogLevels.apply(ErrorReporter.isVerbose(parseResult));
        return new CommandLine.RunLast().execute(parseResult);
    }

    /** Without a command: shows the usage on stderr and fails as bad usage. */
    @Override
    public Integer call() {
        return ErrorReporter.missingSubcommand(spec);
    }
}
