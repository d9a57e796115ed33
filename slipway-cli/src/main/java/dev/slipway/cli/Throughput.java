package dev.slipway.cli;

import java.util.OptionalDouble;
import java.util.function.LongSupplier;

/**
 * The rate and time left of a counted task (documents, keys), for progress output. Both are measured from the
 * first progress update that reports work done, not from the task's start: a resumed rewrite first reports the
 * documents an earlier run already did, and counting those would overstate the rate and understate the time left.
 * Nor does the first batch count: it lands at once, and under {@code --rate-limit 500} counting it showed 507 docs/s
 * where no second held more than 479 (tester session 39 R28 N5); the time between batches is what the rate is.
 */
final class Throughput {
    /** Below this much measured time a rate is noise, so none is given. */
    private static final long MIN_NANOS = 500_000_000L;

    private final long total;
    private final LongSupplier nanoClock;
    private long firstDone = -1;
    private long firstAt;
    private boolean advanced;

    /**
     * @param total     units the task will do; 0 when unknown (then there is a rate but no time left)
     * @param nanoClock the time source, normally {@link System#nanoTime}
     */
    Throughput(long total, LongSupplier nanoClock) {
        this.total = total;
        this.nanoClock = nanoClock;
    }

    /** Takes note of a progress update; the first one that does more than the first is the baseline. */
    void record(long done) {
        if (firstDone < 0 || !advanced && done > firstDone) {
            advanced = firstDone >= 0;
            firstDone = done;
            firstAt = nanoClock.getAsLong();
        }
    }

    /** Units per second since the baseline; empty until enough time has passed and work was done. */
    OptionalDouble perSecond(long done) {
        long elapsed = nanoClock.getAsLong() - firstAt;
        if (firstDone < 0 || elapsed < MIN_NANOS || done <= firstDone) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((done - firstDone) * 1e9 / elapsed);
    }

    /** Seconds until {@code total} at the current rate; empty without a total or a rate. */
    OptionalDouble secondsLeft(long done) {
        OptionalDouble rate = perSecond(done);
        if (total <= 0 || rate.isEmpty()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.max(total - done, 0) / rate.getAsDouble());
    }

    /** {@code 2400 docs/s, ETA 16 s}, {@code 2400 docs/s} without a total, or empty before there is a rate. */
    String describe(long done, String unit, boolean withEta) {
        OptionalDouble rate = perSecond(done);
        if (rate.isEmpty()) {
            return "";
        }
        OptionalDouble left = secondsLeft(done);
        return Units.rate(rate.getAsDouble(), unit)
                + (withEta && left.isPresent() ? ", ETA " + Units.eta(left.getAsDouble()) : "");
    }
}
