package dev.slipway.bench;

import java.util.Arrays;

/**
 * Collects latencies of one thread (not thread-safe) up to a fixed capacity, so that memory stays bounded however
 * long a run takes; samples beyond the capacity are counted but not kept.
 */
public final class LatencyRecorder {
    private final long[] nanos;
    private int size;
    private long dropped;

    /** A recorder keeping at most {@code capacity} samples. */
    public LatencyRecorder(int capacity) {
        this.nanos = new long[capacity];
    }

    /** Adds one sample. */
    public void record(long latencyNanos) {
        if (size < nanos.length) {
            nanos[size++] = latencyNanos;
        } else {
            dropped++;
        }
    }

    /** Samples beyond the capacity, counted but not kept. */
    public long dropped() {
        return dropped;
    }

    /** Percentiles over the samples of every recorder (nearest-rank); all zero when there are none. */
    public static LatencySummary summarize(Iterable<LatencyRecorder> recorders) {
        int total = 0;
        for (LatencyRecorder r : recorders) {
            total += r.size;
        }
        long[] all = new long[total];
        int at = 0;
        for (LatencyRecorder r : recorders) {
            System.arraycopy(r.nanos, 0, all, at, r.size);
            at += r.size;
        }
        Arrays.sort(all);
        return new LatencySummary(total, millis(rank(all, 0.50)), millis(rank(all, 0.99)),
                millis(total == 0 ? 0 : all[total - 1]));
    }

    private static long rank(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(quantile * sorted.length - 1e-9) - 1; // 1e-9: 0.99 * 100 must be 99
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }

    /**
     * Latency percentiles in milliseconds, rounded to microseconds.
     *
     * @param samples how many latencies they are computed from
     * @param p50     median
     * @param p99     99th percentile
     * @param max     the slowest
     */
    public record LatencySummary(long samples, double p50, double p99, double max) {
    }
}
