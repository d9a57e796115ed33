package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorReporterTest {
    private final StringWriter err = new StringWriter();
    private final CommandLine commandLine =
            SlipwayCli.newCommandLine(Ansi.OFF, new PrintWriter(new StringWriter()), new PrintWriter(err));
    private final ErrorReporter reporter = new ErrorReporter();

    @Test
    void slipwayErrorPrintsEveryProblemAndReturnsItsExitCode() {
        SlipwayException e = new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read schema patch p.yaml.",
                List.of("p.yaml line 3: unknown key 'atrs'", "p.yaml line 7: unknown field type 'txt'"), null);

        int exitCode = reporter.handleExecutionException(e, commandLine, parse("index", "list"));

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString().lines()).containsExactly("error: Cannot read schema patch p.yaml.",
                "  - p.yaml line 3: unknown key 'atrs'", "  - p.yaml line 7: unknown field type 'txt'");
    }

    @Test
    void unexpectedErrorIsOneLineAndExits1() {
        int exitCode = reporter.handleExecutionException(new IllegalStateException("boom"), commandLine,
                parse("index", "list"));

        assertThat(exitCode).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: unexpected java.lang.IllegalStateException: boom"
                + System.lineSeparator());
    }

    @Test
    void unexpectedErrorWithVerboseShowsTheStackTrace() {
        int exitCode = reporter.handleExecutionException(new IllegalStateException("boom"), commandLine,
                parse("index", "list", "-v"));

        assertThat(exitCode).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: unexpected java.lang.IllegalStateException: boom")
                .contains("\tat dev.slipway.cli.ErrorReporterTest");
    }

    @Test
    void failureExitCodesFollowTheErrorCode() {
        SlipwayException e = new SlipwayException(ErrorCode.LOCK_HELD, "Index 'products' is locked by host-1.");

        assertThat(reporter.handleExecutionException(e, commandLine, parse("apply", "--plan", "p.yaml")))
                .isEqualTo(1);
    }

    private ParseResult parse(String... args) {
        return commandLine.parseArgs(args);
    }
}
