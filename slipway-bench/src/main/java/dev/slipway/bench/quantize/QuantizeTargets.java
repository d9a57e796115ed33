package dev.slipway.bench.quantize;

import dev.slipway.bench.quantize.QuantizeReport.HeapGrowth;
import dev.slipway.bench.quantize.QuantizeReport.RedisVlFigures;
import dev.slipway.bench.quantize.QuantizeReport.Round;
import dev.slipway.bench.quantize.QuantizeReport.SizeResult;
import dev.slipway.bench.quantize.QuantizeReport.SlipwayFigures;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The benchmark's targets: Slipway succeeds with correct data, reaches {@value #CEILING_SHARE} of the raw ceiling,
 * keeps its heap flat across sizes, and is faster than RedisVL (in rewrite throughput and in apply time) when RedisVL
 * ran.
 */
final class QuantizeTargets {
    static final double CEILING_SHARE = 0.8;
    static final double HEAP_FACTOR = 1.5;
    static final double HEAP_SLACK_MB = 64;

    private QuantizeTargets() {
    }

    /** Slipway's docs/s over the ceiling's; empty when either did not measure. */
    static Optional<Double> ratio(double numerator, double denominator) {
        return numerator > 0 && denominator > 0 ? Optional.of(Math.round(numerator / denominator * 1000) / 1000.0)
                : Optional.empty();
    }

    /**
     * The heap Slipway retains (the highest heap left after a collection during apply, in any round) at the smallest
     * and at the largest size; empty with fewer than two sizes. Retained heap, not the highest sample: between collections the
     * heap holds garbage whose amount depends on how far the collector lets the young generation grow, which it does
     * the longer a run lasts; what must not grow with the documents is what survives a collection.
     */
    static Optional<HeapGrowth> heapGrowth(List<SizeResult> sizes) {
        if (sizes.size() < 2) {
            return Optional.empty();
        }
        SizeResult smallest = sizes.stream().min(Comparator.comparingInt(SizeResult::documents)).orElseThrow();
        SizeResult largest = sizes.stream().max(Comparator.comparingInt(SizeResult::documents)).orElseThrow();
        double limit = retainedMb(smallest) * HEAP_FACTOR + HEAP_SLACK_MB;
        return Optional.of(new HeapGrowth(smallest.documents(), retainedMb(smallest), largest.documents(),
                retainedMb(largest), Math.round(limit * 10) / 10.0, retainedMb(largest) <= limit));
    }

    /** The most heap Slipway retained in any round at this size. */
    static double retainedMb(SizeResult size) {
        return size.rounds().stream().mapToDouble(Round::slipwayRetainedMb)
                .max().orElse(size.slipway().heapPeakAfterGcMb());
    }

    static List<String> problems(List<SizeResult> sizes, Optional<HeapGrowth> heap) {
        List<String> problems = new ArrayList<>();
        for (SizeResult size : sizes) {
            slipwayProblem(size).ifPresent(problems::add);
            ceilingProblem(size).ifPresent(problems::add);
            redisVlProblems(size, problems);
        }
        heap.filter(h -> !h.withinLimit()).ifPresent(h -> problems.add(String.format(Locale.ROOT,
                "Slipway's retained heap grew from %.1f MB at %,d documents to %.1f MB at %,d documents, above the "
                        + "limit of %.1f MB (%.1f x + %.0f MB)", h.smallestPeakMb(), h.smallestDocuments(),
                h.largestPeakMb(), h.largestDocuments(), h.limitMb(), HEAP_FACTOR, HEAP_SLACK_MB)));
        return problems;
    }

    private static Optional<String> slipwayProblem(SizeResult size) {
        SlipwayFigures slipway = size.rounds().stream().filter(r -> !r.slipwayCorrect()).map(Round::slipway)
                .findFirst().orElse(size.slipway());
        if (slipway.correct()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "Slipway at %,d documents: %s%s; audit: %s", size.documents(),
                slipway.result(), slipway.error() == null ? "" : " (" + slipway.error() + ")",
                slipway.audit().problems()));
    }

    private static Optional<String> ceilingProblem(SizeResult size) {
        Double ratio = size.slipwayVsCeiling();
        if (ratio != null && ratio >= CEILING_SHARE) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "Slipway at %,d documents rewrote %,.0f docs/s, %s of the "
                        + "raw ceiling's %,.0f docs/s (target: at least %.0f%%; the median of %d round%s: %s)%s%s",
                size.documents(), size.slipway().docsPerSecond(),
                ratio == null ? "an unknown share" : Math.round(ratio * 100) + "%", size.ceiling().docsPerSecond(),
                CEILING_SHARE * 100, size.rounds().size(), size.rounds().size() == 1 ? "" : "s",
                size.rounds().stream().map(r -> r.slipwayVsCeiling() == null ? "?"
                        : Math.round(r.slipwayVsCeiling() * 100) + "%").toList(),
                size.slipwayVsWatchedCeiling() == null ? "" : String.format(Locale.ROOT, "; %d%% of the same moves "
                        + "with the server keeping the write watch's broadcast, as apply has it do",
                        Math.round(size.slipwayVsWatchedCeiling() * 100)),
                size.slipwayVsEssentialWork() == null ? "" : String.format(Locale.ROOT, "; %d%% of the essential "
                        + "moves (the same moves plus the backup and the conversion, done plainly on two threads)",
                        Math.round(size.slipwayVsEssentialWork() * 100))));
    }

    private static void redisVlProblems(SizeResult size, List<String> problems) {
        RedisVlFigures redisvl = size.redisvl();
        if (!redisvl.available() || redisvl.docsPerSecond() == null) {
            return; // not installed, or every run failed: nothing to be faster than
        }
        if (size.slipwayVsRedisvl() == null || size.slipwayVsRedisvl() <= 1.0) {
            problems.add(String.format(Locale.ROOT, "Slipway at %,d documents rewrote %,.0f docs/s, not faster than "
                            + "RedisVL's %,.0f docs/s (--workers %d)", size.documents(),
                    size.slipway().docsPerSecond(), redisvl.docsPerSecond(), redisvl.workers()));
        }
        if (size.slipwayVsRedisvlApply() == null || size.slipwayVsRedisvlApply() <= 1.0) {
            problems.add(String.format(Locale.ROOT, "Slipway at %,d documents applied in %.1f s, not faster than "
                            + "RedisVL's %.1f s (--workers %d)", size.documents(), size.slipway().applySeconds(),
                    redisvl.applySeconds(), redisvl.workers()));
        }
    }
}
