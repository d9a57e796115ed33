package dev.slipway.internal.rewrite;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Busy time of each stage of the rewrite pipeline, for the run's summary: with the stages overlapping, the slowest
 * one bounds the throughput, and that is what a user tuning {@code --workers} and {@code --batch-size} needs to see.
 * Thread-safe: each stage runs on its own thread.
 */
final class StageClock {

    /** The pipeline's stages. */
    enum Stage {
        /** SCAN and reading the current values, on the reading connection. */
        READ("read"),
        /** Planning the batch's changes and appending its originals to the backup, fsync included. */
        PLAN_AND_BACK_UP("plan and back up"),
        /** Converting vectors as they are sent over the workers' connections, and waiting for the replies. */
        CONVERT_AND_WRITE("convert and write");

        private final String label;

        Stage(String label) {
            this.label = label;
        }
    }

    private final LongAdder[] nanos = new LongAdder[Stage.values().length];

    StageClock() {
        for (int i = 0; i < nanos.length; i++) {
            nanos[i] = new LongAdder();
        }
    }

    /** Adds the time from {@code startNanos} ({@link System#nanoTime()}) to now to the stage. */
    void add(Stage stage, long startNanos) {
        nanos[stage.ordinal()].add(System.nanoTime() - startNanos);
    }

    /** Seconds spent in the stage so far. */
    double seconds(Stage stage) {
        return nanos[stage.ordinal()].sum() / 1e9;
    }

    /** E.g. {@code "busy time per stage (they overlap): read 0.61 s, plan and back up 0.32 s, convert and write 0.90 s"}. */
    String describe() {
        StringBuilder text = new StringBuilder("busy time per stage (they overlap):");
        for (Stage stage : Stage.values()) {
            text.append(stage == Stage.READ ? " " : ", ").append(stage.label)
                    .append(String.format(Locale.ROOT, " %.2f s", seconds(stage)));
        }
        return text.toString();
    }
}
