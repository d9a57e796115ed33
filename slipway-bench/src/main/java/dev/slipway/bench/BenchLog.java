package dev.slipway.bench;

import java.io.PrintStream;
import java.util.Locale;

/** Human progress on standard error, each line stamped with the seconds since the benchmark started. */
public final class BenchLog {
    private final PrintStream err;
    private final long startNanos = System.nanoTime();

    /** A log writing to the given stream. */
    public BenchLog(PrintStream err) {
        this.err = err;
    }

    /** Prints one line, formatted with {@link String#format} in the root locale. */
    public void info(String format, Object... args) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        String text = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
        synchronized (err) {
            err.printf(Locale.ROOT, "[bench %6.1fs] %s%n", seconds, text);
            err.flush();
        }
    }
}
