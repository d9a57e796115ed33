package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.rewrite.DocumentRewriter.RecallPair;
import dev.slipway.internal.vector.DistanceMetric;
import dev.slipway.internal.vector.RecallEstimator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.stream.Collectors;

/**
 * A bounded sample of original and converted vectors of every converted field, and the recall@10 of the converted
 * vectors against the originals on it, per field (brute force, as a new index would answer).
 */
final class RecallSample {
    /**
     * Brute-force recall costs O(n² · dims); 300 vectors (44,850 pairs per set) measure recall@10 well enough and
     * keep it to a few tens of milliseconds for 768 dimensions, instead of seconds for 1,000.
     */
    private static final int MAX = 300;
    private static final int K = 10;

    private final Map<String, FieldSample> fields = new LinkedHashMap<>();
    private Map<String, Double> results = Map.of();

    RecallSample(MigrationPlan plan) {
        for (RewriteSpec.VectorConversion conversion : plan.rewrite().map(RewriteSpec::conversions)
                .orElse(List.of())) {
            DistanceMetric metric = plan.targetSchema().fields().stream()
                    .filter(f -> f.path().equals(conversion.path())).findFirst()
                    .map(f -> DistanceMetric.parse(String.valueOf(f.attrs().getOrDefault("distance_metric",
                            "cosine"))))
                    .orElse(DistanceMetric.parse("cosine"));
            fields.put(conversion.path(), new FieldSample(conversion.path(), metric));
        }
    }

    void add(List<RecallPair> pairs) {
        for (RecallPair pair : pairs) {
            FieldSample sample = fields.get(pair.field());
            if (sample != null) {
                sample.add(pair);
            }
        }
    }

    /** Whether the sample of every converted field holds all the vectors it wants. */
    boolean full() {
        return fields.values().stream().allMatch(FieldSample::full);
    }

    /** The recall of each converted field with a usable sample (empty without conversions or such a sample). */
    Map<String, Double> results() {
        Map<String, Double> map = new LinkedHashMap<>();
        fields.values().stream().filter(FieldSample::usable).forEach(f -> map.put(f.field, f.recall()));
        if (!map.isEmpty()) {
            results = map;
        }
        return results;
    }

    String describe() {
        // neighbours are looked for within the sample only, which is an easier task than within the whole index:
        // on clustered data the figure can be far above the recall of KNN queries (tester session 30: 0.75 said,
        // 0.13 measured), so the summary says what it is
        return results.entrySet().stream().map(e -> String.format(Locale.ROOT, "; recall@10 of %s: %.4f among %d "
                + "sampled vectors (neighbours within the sample only; on clustered data the recall of KNN queries "
                + "over the whole index, which validation reports, can be much lower)", e.getKey(), e.getValue(),
                fields.get(e.getKey()).originals.size())).collect(Collectors.joining());
    }

    /** One converted field's sample. */
    private static final class FieldSample {
        private final String field;
        private final DistanceMetric metric;
        private final List<float[]> originals = new ArrayList<>();
        private final List<float[]> converted = new ArrayList<>();
        private FutureTask<Double> background;

        FieldSample(String field, DistanceMetric metric) {
            this.field = field;
            this.metric = metric;
        }

        void add(RecallPair pair) {
            if (full()) {
                return;
            }
            originals.add(pair.original());
            converted.add(pair.converted());
            if (full()) {
                // full: measure while the rewrite goes on (a fraction of a second of CPU that would otherwise be
                // added at the end); the sample is not touched again, so the other thread reads it safely
                background = new FutureTask<>(this::measure);
                Thread thread = new Thread(background, "slipway-recall-" + field);
                thread.setDaemon(true);
                thread.start();
            }
        }

        boolean full() {
            return originals.size() >= MAX;
        }

        boolean usable() {
            return originals.size() > K;
        }

        double recall() {
            return background != null ? WorkerPool.get(background) : measure();
        }

        private Double measure() {
            return RecallEstimator.meanRecallAtK(originals, converted, metric, K);
        }
    }
}
