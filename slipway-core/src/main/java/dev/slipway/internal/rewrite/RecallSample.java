package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.vector.DistanceMetric;
import dev.slipway.internal.vector.RecallEstimator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.FutureTask;

/**
 * A bounded sample of original and converted vectors of the first converted field, and the recall@10 of the
 * converted vectors against the originals on it (brute force, as a new index would answer).
 */
final class RecallSample {
    /**
     * Brute-force recall costs O(n² · dims); 300 vectors (44,850 pairs per set) measure recall@10 well enough and
     * keep it to a few tens of milliseconds for 768 dimensions, instead of seconds for 1,000.
     */
    private static final int MAX = 300;
    private static final int K = 10;

    private final String field;
    private final DistanceMetric metric;
    private final List<float[]> originals = new ArrayList<>();
    private final List<float[]> converted = new ArrayList<>();
    private Map<String, Double> results = Map.of();
    private FutureTask<Double> background;

    RecallSample(MigrationPlan plan) {
        List<RewriteSpec.VectorConversion> conversions = plan.rewrite().map(RewriteSpec::conversions)
                .orElse(List.of());
        this.field = conversions.isEmpty() ? null : conversions.get(0).path();
        this.metric = field == null ? null : plan.targetSchema().fields().stream()
                .filter(f -> f.path().equals(field)).findFirst()
                .map(f -> DistanceMetric.parse(String.valueOf(f.attrs().getOrDefault("distance_metric", "cosine"))))
                .orElse(DistanceMetric.parse("cosine"));
    }

    void add(List<float[][]> pairs) {
        if (originals.size() >= MAX) {
            return;
        }
        for (float[][] pair : pairs) {
            if (originals.size() < MAX) {
                originals.add(pair[0]);
                converted.add(pair[1]);
            }
        }
        if (originals.size() == MAX && field != null) {
            // full: measure while the rewrite goes on (a fraction of a second of CPU that would otherwise be
            // added at the end); the sample is not touched again, so the other thread reads it safely
            background = new FutureTask<>(this::measure);
            Thread thread = new Thread(background, "slipway-recall");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Whether the sample holds all the vectors it wants. */
    boolean full() {
        return originals.size() >= MAX;
    }

    private Double measure() {
        return RecallEstimator.meanRecallAtK(originals, converted, metric, K);
    }

    /** The recall of the first converted field on the sample (empty without conversions or a usable sample). */
    Map<String, Double> results() {
        if (field != null && originals.size() > K) {
            Map<String, Double> map = new LinkedHashMap<>();
            map.put(field, background != null ? WorkerPool.get(background) : measure());
            results = map;
        }
        return results;
    }

    String describe() {
        return results.entrySet().stream().map(e -> String.format(Locale.ROOT, "; recall@10 of %s: %.4f on %d "
                + "sampled vectors", e.getKey(), e.getValue(), originals.size())).findFirst().orElse("");
    }
}
