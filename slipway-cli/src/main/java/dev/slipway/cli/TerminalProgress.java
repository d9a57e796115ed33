package dev.slipway.cli;

import dev.slipway.api.ProgressListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;

/**
 * Progress on an interactive terminal: a live bar with rate and ETA for each long task (drawn on the
 * terminal's stderr by {@code me.tongfei.progressbar}) and every message as a {@code [slipway]} line.
 */
final class TerminalProgress implements ProgressListener {
    private final PrintWriter err;
    private ProgressBar bar;

    TerminalProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void begin(String task, long total, String unit) {
        end();
        String unitName = unit == null || unit.isBlank() ? "" : " " + unit;
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total > 0 ? total : -1)
                .setStyle(unicode() ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUnit(unitName, 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(250)
                .build();
    }

    @Override
    public void update(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    @Override
    public void end() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void message(String text) {
        err.println("[slipway] " + text);
        err.flush();
    }

    /** Block characters only where the terminal's charset can show them. */
    private static boolean unicode() {
        String encoding = System.getProperty("stdout.encoding", System.getProperty("file.encoding", ""));
        return encoding.toUpperCase().contains("UTF");
    }
}
