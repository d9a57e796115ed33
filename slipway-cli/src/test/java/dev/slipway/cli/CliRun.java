package dev.slipway.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One in-process run of the CLI with captured output.
 *
 * @param exitCode what {@link SlipwayCli#run} returned
 * @param out      everything written to stdout
 * @param err      everything written to stderr
 */
record CliRun(int exitCode, String out, String err) {

    /** Runs {@code slipway args...} in this JVM. */
    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exitCode = SlipwayCli.run(outStream, errStream, args);
        }
        return new CliRun(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code slipway args... --url url} in this JVM. */
    static CliRun against(String url, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--url";
        all[args.length + 1] = url;
        return of(all);
    }

    /** Both streams, for assertions about what must never be printed anywhere. */
    String all() {
        return out + err;
    }

    /** The non-empty lines of stderr. */
    java.util.List<String> errLines() {
        return err.lines().filter(line -> !line.isBlank()).toList();
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
}
