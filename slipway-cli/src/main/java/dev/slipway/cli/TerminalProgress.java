package dev.slipway.cli;

import dev.slipway.api.ProgressListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Progress on an interactive terminal: a live bar for each long task (drawn on the terminal's stderr by
 * {@code me.tongfei.progressbar}) and every message as a {@code [slipway]} line. Counted work, such as a document
 * rewrite, shows its rate and time left after the bar: {@code 12000/50000 docs (0:00:05) 2400 docs/s, ETA 16 s}.
 */
final class TerminalProgress implements ProgressListener {
    private final PrintWriter err;
    private final Optional<ProgressBarConsumer> consumer;
    private final LongSupplier nanoClock;
    private ProgressBar bar;
    private Throughput throughput;
    private String unit = "";

    /** A bar on the terminal's stderr. */
    TerminalProgress(PrintWriter err) {
        this(err, Optional.empty(), System::nanoTime);
    }

    /** A bar drawn by {@code consumer} (tests capture it), with rates measured on {@code nanoClock}. */
    TerminalProgress(PrintWriter err, Optional<ProgressBarConsumer> consumer, LongSupplier nanoClock) {
        this.err = err;
        this.consumer = consumer;
        this.nanoClock = nanoClock;
    }

    @Override
    public void begin(String task, long total, String unitName) {
        end();
        unit = unitName == null ? "" : unitName.strip();
        boolean percent = "%".equals(unit);
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total > 0 ? total : -1)
                .setStyle(unicode() ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUnit(unit.isEmpty() || percent ? unit : " " + unit, 1)
                .setUpdateIntervalMillis(250);
        if (!percent) {
            // The bar's own ETA counts the documents an earlier run did; Throughput's does not (see there).
            builder.hideEta();
            throughput = new Throughput(total, nanoClock);
        }
        consumer.ifPresent(builder::setConsumer);
        bar = builder.build();
    }

    @Override
    public void update(long done) {
        if (bar == null) {
            return;
        }
        if (bar.getMax() >= 0 && done > bar.getMax()) {
            bar.maxHint(done); // the total was counted at plan time; documents added since go past it
        }
        bar.stepTo(done);
        if (throughput != null) {
            throughput.record(done);
            bar.setExtraMessage(throughput.describe(done, unit, true));
        }
    }

    @Override
    public void end() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        throughput = null;
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
