package dev.slipway.cli;

import dev.slipway.api.ProgressListener;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Progress for a non-interactive run (CI, pipes, log files): every message as a {@code [slipway]} line on
 * stderr, and for long tasks a line at most every five seconds, such as {@code [slipway] indexing products: 42%}
 * or, for counted work, {@code [slipway] rewriting documents: 12000/50000 docs (2400 docs/s, ETA 16 s)}.
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
    private Throughput throughput;

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
        throughput = new Throughput(total, nanoClock);
        line(task + ": started" + (total > 0 && !"%".equals(unit) ? " (" + total + suffix() + ")" : ""));
    }

    @Override
    public void update(long doneUnits) {
        done = doneUnits;
        if (throughput != null) {
            throughput.record(doneUnits);
        }
        long now = nanoClock.getAsLong();
        if (task != null && now - lastLineAt >= LINE_INTERVAL.toNanos()) {
            lastLineAt = now;
            line(task + ": " + amount(true));
        }
    }

    @Override
    public void end() {
        if (task != null) {
            line(task + ": done" + (done > 0 ? " (" + amount(false) + ")" : ""));
        }
        task = null;
        throughput = null;
    }

    /** A stopped task gets no "done" line: {@code [slipway] restoring originals: stopped at 1500/4000 docs}. */
    @Override
    public void stop() {
        if (task != null) {
            line(task + ": stopped" + ("%".equals(unit) ? " at " + amount(false)
                    : done > 0 ? " at " + count() : ""));
        }
        task = null;
        throughput = null;
    }

    @Override
    public void message(String text) {
        line(text);
    }

    /**
     * The amount done: {@code 42%} for a percentage task; else {@code 12000/50000 docs (2400 docs/s, ETA 16 s)},
     * without the total when it is unknown and without the ETA when {@code withEta} is false.
     */
    String amount(boolean withEta) {
        if ("%".equals(unit)) {
            return Math.min(total > 0 ? done * 100 / total : done, 100) + "%";
        }
        String count = count();
        String rate = throughput == null ? "" : throughput.describe(done, unit, withEta);
        return rate.isEmpty() ? count : count + (withEta ? " (" : ", ") + rate + (withEta ? ")" : "");
    }

    /**
     * {@code 12000/50000 docs}; only the count once it passes the total, which is the count at plan time (documents
     * added since make it larger) and is no promise.
     */
    private String count() {
        return done + (total > 0 && done <= total ? "/" + total : "") + suffix();
    }

    private String suffix() {
        return unit.isEmpty() ? "" : " " + unit;
    }

    private void line(String text) {
        err.println("[slipway] " + text);
        err.flush();
    }
}
