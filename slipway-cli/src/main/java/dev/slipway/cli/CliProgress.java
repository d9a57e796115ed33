package dev.slipway.cli;

import dev.slipway.api.ProgressListener;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Progress for a non-interactive run (CI, pipes, log files): every message as a {@code [slipway]} line on
 * stderr, and for long tasks a line such as {@code [slipway] indexing products: 42%} at most every five seconds.
 * On a terminal, {@link #create} returns a {@link TerminalProgress} with a live progress bar instead.
 */
public final class CliProgress implements ProgressListener {
    /** The shortest time between two progress lines of the same task. */
    static final Duration LINE_INTERVAL = Duration.ofSeconds(5);

    private final PrintWriter err;
    private final LongSupplier nanoClock;
    private String task;
    private long total;
    private String unit = "";
    private long done;
    private long lastLineAt;

    /** Progress lines on {@code err}, paced by {@code nanoClock} (normally {@link System#nanoTime}). */
    CliProgress(PrintWriter err, LongSupplier nanoClock) {
        this.err = err;
        this.nanoClock = nanoClock;
    }

    /** A progress bar on a terminal ({@code System.console() != null}), periodic lines everywhere else. */
    static ProgressListener create(PrintWriter err) {
        return System.console() != null ? new TerminalProgress(err) : new CliProgress(err, System::nanoTime);
    }

    @Override
    public void begin(String taskName, long totalUnits, String unitName) {
        task = taskName;
        total = totalUnits;
        unit = unitName == null ? "" : unitName;
        done = 0;
        lastLineAt = nanoClock.getAsLong();
        line(task + ": started" + (total > 0 && !"%".equals(unit) ? " (" + total + " " + unit + ")" : ""));
    }

    @Override
    public void update(long doneUnits) {
        done = doneUnits;
        long now = nanoClock.getAsLong();
        if (task != null && now - lastLineAt >= LINE_INTERVAL.toNanos()) {
            lastLineAt = now;
            line(task + ": " + amount());
        }
    }

    @Override
    public void end() {
        if (task != null) {
            line(task + ": done" + (done > 0 ? " (" + amount() + ")" : ""));
        }
        task = null;
    }

    @Override
    public void message(String text) {
        line(text);
    }

    /** The amount done: a percentage when the total is known, else a count. */
    String amount() {
        if (total <= 0) {
            return done + (unit.isEmpty() ? "" : " " + unit);
        }
        if ("%".equals(unit) && total == 100) {
            return Math.min(done, 100) + "%";
        }
        long percent = Math.min(100, done * 100 / total);
        return percent + "% (" + done + "/" + total + (unit.isEmpty() ? "" : " " + unit) + ")";
    }

    private void line(String text) {
        err.println("[slipway] " + text);
        err.flush();
    }
}
