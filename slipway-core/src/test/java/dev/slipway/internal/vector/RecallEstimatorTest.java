package dev.slipway.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecallEstimatorTest {

    @Test
    void identicalVectorsHavePerfectRecall() {
        List<float[]> vectors = randomVectors(200, 16, 1L);
        for (DistanceMetric metric : DistanceMetric.values()) {
            assertThat(RecallEstimator.meanRecallAtK(vectors, vectors, metric, 10))
                    .as(metric.name()).isEqualTo(1.0);
        }
    }

    @Test
    void matchesTheDefinitionComputedPairByPair() {
        // the estimator computes each pair once, widened to double; the definition sorts every
        // other vector by DistanceMetric.distance for each query, ties by position
        List<float[]> originals = randomVectors(120, 37, 7L);
        List<float[]> converted = new ArrayList<>();
        for (float[] vector : originals) {
            converted.add(VectorCodec.decode(VectorCodec.encode(vector, VectorDataType.BFLOAT16, null),
                    VectorDataType.BFLOAT16));
        }
        for (DistanceMetric metric : DistanceMetric.values()) {
            double sum = 0;
            for (int query = 0; query < originals.size(); query++) {
                List<Integer> truth = nearestByDefinition(originals, query, metric, 10);
                List<Integer> approx = nearestByDefinition(converted, query, metric, 10);
                sum += truth.stream().filter(approx::contains).count() / 10.0;
            }
            double expected = sum / originals.size();
            assertThat(expected).as("the sample must make recall imperfect to be a test").isLessThan(1.0);
            assertThat(RecallEstimator.meanRecallAtK(originals, converted, metric, 10)).as(metric.name())
                    .isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    private static List<Integer> nearestByDefinition(List<float[]> set, int query, DistanceMetric metric, int k) {
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            if (i != query) {
                others.add(i);
            }
        }
        others.sort(java.util.Comparator.<Integer>comparingDouble(i -> metric.distance(set.get(query), set.get(i)))
                .thenComparingInt(i -> i));
        return others.subList(0, k);
    }

    @Test
    void countsSharedNeighboursPerQuery() {
        // Points on a line. Before: 0's nearest is 1, 1's is 0, 3's is 1, 7's is 3.
        // After moving 7 to 2.5, 3's nearest becomes 2.5 (was 1); the other three agree.
        List<float[]> before = line(0, 1, 3, 7);
        List<float[]> after = line(0, 1, 3, 2.5f);
        assertThat(RecallEstimator.meanRecallAtK(before, after, DistanceMetric.L2, 1))
                .isEqualTo(0.75);
        // With k = 2 three of the four queries lose one of their two neighbours.
        assertThat(RecallEstimator.meanRecallAtK(before, after, DistanceMetric.L2, 2))
                .isEqualTo((2 + 1 + 1 + 1) / 8.0);
    }

    @Test
    void usesTheRequestedMetric() {
        // Rescaling each vector by its own factor keeps every angle but moves every point.
        List<float[]> vectors = randomVectors(300, 8, 2L);
        List<float[]> rescaled = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(3L);
        for (float[] vector : vectors) {
            float factor = (float) random.nextDouble(0.1, 10);
            float[] copy = vector.clone();
            for (int d = 0; d < copy.length; d++) {
                copy[d] *= factor;
            }
            rescaled.add(copy);
        }
        assertThat(RecallEstimator.meanRecallAtK(vectors, rescaled, DistanceMetric.COSINE, 10))
                .isGreaterThan(0.99);
        assertThat(RecallEstimator.meanRecallAtK(vectors, rescaled, DistanceMetric.L2, 10))
                .isLessThan(0.5);
        assertThat(RecallEstimator.meanRecallAtK(vectors, rescaled, DistanceMetric.IP, 10))
                .isLessThan(0.5);
    }

    @Test
    void innerProductPrefersTheLargerProduct() {
        // Query (1, 0): by IP the long vector (5, 5) wins over the close (1, 0.1). Shrinking
        // it keeps every L2 neighbour but changes two of the three IP neighbours.
        List<float[]> before = List.of(new float[] {1, 0}, new float[] {1, 0.1f},
                new float[] {5, 5});
        List<float[]> after = List.of(new float[] {1, 0}, new float[] {1, 0.1f},
                new float[] {0.5f, 0.5f});
        double l2 = RecallEstimator.meanRecallAtK(before, after, DistanceMetric.L2, 1);
        double ip = RecallEstimator.meanRecallAtK(before, after, DistanceMetric.IP, 1);
        assertThat(l2).isEqualTo(1.0);
        assertThat(ip).isEqualTo(1 / 3.0);
    }

    @Test
    void nearestMeansLargestProductAndSmallestAngle() {
        // All positive, so blowing one value up makes it everyone's nearest by inner product and
        // nobody's farthest: a search for the farthest neighbours would see no change at all.
        List<float[]> before = line(1, 2, 3, 4);
        List<float[]> after = line(1, 2, 300, 4);
        assertThat(RecallEstimator.meanRecallAtK(before, after, DistanceMetric.IP, 1))
                .isEqualTo(0.5);
        // Directions at 0, 10, 25 and 80 degrees, with unrelated norms; moving the last to 12
        // degrees changes three nearest neighbours by angle.
        List<float[]> angles = List.of(polar(0, 1), polar(10, 5), polar(25, 0.2), polar(80, 3));
        List<float[]> moved = List.of(polar(0, 1), polar(10, 5), polar(25, 0.2), polar(12, 3));
        assertThat(RecallEstimator.meanRecallAtK(angles, moved, DistanceMetric.COSINE, 1))
                .isEqualTo(0.25);
    }

    @Test
    void rejectsSamplesThatCannotBeCompared() {
        List<float[]> three = line(0, 1, 2);
        assertThatThrownBy(() -> RecallEstimator.meanRecallAtK(three, line(0, 1),
                DistanceMetric.L2, 1)).hasMessageContaining("got 3 and 2");
        assertThatThrownBy(() -> RecallEstimator.meanRecallAtK(three, three,
                DistanceMetric.L2, 3)).hasMessageContaining("Recall@3");
        assertThatThrownBy(() -> RecallEstimator.meanRecallAtK(three, three,
                DistanceMetric.L2, 0)).hasMessageContaining("k >= 1");
        List<float[]> wider = List.of(new float[] {0}, new float[] {1, 1}, new float[] {2});
        assertThatThrownBy(() -> RecallEstimator.meanRecallAtK(three, wider,
                DistanceMetric.L2, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Sample vector 1 has 1 elements before and 2 after");
    }

    private static float[] polar(double degrees, double norm) {
        double radians = Math.toRadians(degrees);
        return new float[] {(float) (norm * Math.cos(radians)), (float) (norm * Math.sin(radians))};
    }

    private static List<float[]> line(float... positions) {
        List<float[]> points = new ArrayList<>();
        for (float position : positions) {
            points.add(new float[] {position});
        }
        return points;
    }

    private static List<float[]> randomVectors(int count, int dim, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] vector = new float[dim];
            for (int d = 0; d < dim; d++) {
                vector[d] = (float) random.nextGaussian();
            }
            vectors.add(vector);
        }
        return vectors;
    }
}
