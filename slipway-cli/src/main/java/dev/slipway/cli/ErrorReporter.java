package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.Optional;

/**
 * Turns every failure into one {@code error:} line on stderr and an exit code. Slipway's own errors carry their
 * exit code; bad command lines exit 2; anything unexpected exits 1. Stack traces only with {@code -v}.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {
    /** The exit code of a bad command line. */
    static final int BAD_USAGE = ErrorCode.BAD_USAGE.exitCode();
    /** The exit code of an unexpected failure. */
    static final int UNEXPECTED = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        int exitCode;
        if (e instanceof SlipwayException slipway && slipway.code() == ErrorCode.STOPPED) {
            err.println("stopped: " + slipway.describe());
            exitCode = SignalStop.stoppedExitCode();
        } else if (e instanceof SlipwayException slipway) {
            err.println("error: " + slipway.describe());
            exitCode = slipway.exitCode();
        } else {
            err.println("error: unexpected " + e.getClass().getName() + ": " + e.getMessage());
            exitCode = UNEXPECTED;
        }
        if (e instanceof SlipwayException slipway) {
            namespaceNote(slipway.describe(), parseResult).ifPresent(err::println);
        }
        if (isVerbose(parseResult)) {
            e.printStackTrace(err);
        }
        err.flush();
        return exitCode;
    }

    /**
     * The messages suggest commands without {@code --namespace}: under another one than the default, they were
     * refused when run as given (tester session 46 R41 F6). One note for all of them.
     */
    static Optional<String> namespaceNote(String message, ParseResult parseResult) {
        for (ParseResult part = parseResult; part != null; part = part.subcommand()) {
            if (part.hasMatchedOption("--namespace")) {
                String namespace = part.matchedOption("--namespace").getValue();
                boolean suggests = message.contains("'slipway ") && !message.contains("--namespace " + namespace);
                return suggests && !namespace.equals(Slipway.Configuration.DEFAULT_NAMESPACE)
                        ? Optional.of("note: run the 'slipway' commands above with --namespace "
                        + namespace + ", as this one ran")
                        : Optional.empty();
            }
        }
        return Optional.empty();
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        err.println("error: " + outOfRange(e.getMessage().replaceFirst("^Error: ", ""))); // group errors say it too
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println(tryHelp(commandLine.getCommandSpec()));
        err.flush();
        return BAD_USAGE;
    }

    /**
     * Picocli's "'2147483648' is not an int" for a number too large (or small) for one says so, with the bound
     * (tester session 39 R27 F8); any other message is kept.
     */
    static String outOfRange(String message) {
        java.util.regex.Matcher number = java.util.regex.Pattern.compile("'(-?)[0-9]+' is not an int$")
                .matcher(message);
        if (!number.find()) {
            return message;
        }
        return message.substring(0, number.end() - "is not an int".length()) + (number.group(1).isEmpty()
                ? "is too large (at most " + Integer.MAX_VALUE + ")" : "is too small (at least " + Integer.MIN_VALUE
                + ")");
    }

    /** For a command that groups subcommands and was called without one: usage on stderr, exit 2. */
    static int missingSubcommand(CommandSpec spec) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: missing command for '" + spec.qualifiedName() + "'.");
        spec.commandLine().usage(err);
        return BAD_USAGE;
    }

    /** Whether {@code -v} was given to any command on the line. */
    static boolean isVerbose(ParseResult parseResult) {
        for (ParseResult part = parseResult; part != null; part = part.subcommand()) {
            if (part.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String tryHelp(CommandSpec spec) {
        return "Try '" + spec.qualifiedName() + " --help' for more information.";
    }
}
