package dev.slipway.internal.vector;

import java.util.List;
import java.util.Objects;

/**
 * Estimates how well converted vectors keep nearest-neighbour results, as recall@k: for each
 * sample vector used as a query against the rest of the sample, the share of its true k nearest
 * neighbours (by the original vectors) that are also among its k nearest by the converted
 * vectors, averaged over all queries.
 *
 * <p>Pass the converted vectors the way Redis will compare them: decoded FLOAT16/BFLOAT16, and
 * INT8/UINT8 codes as plain numbers ({@link VectorCodec#decode(byte[], VectorDataType)}), because
 * Redis computes distances on the stored integers; the query side is converted too, as a client
 * querying the new index would. The search is brute force: each set's n(n-1)/2 pairwise
 * distances are computed once (distance is symmetric) and kept in an n × n table of doubles, so
 * time is O(n² · dim) and memory 8n² bytes; keep samples to a few thousand vectors. Ties in
 * distance are broken by sample position, so the result is deterministic.
 */
public final class RecallEstimator {

    private RecallEstimator() {
    }

    /**
     * Computes mean recall@k of {@code converted} against {@code originals}, each vector
     * querying the other {@code n - 1}.
     *
     * @param originals the sample as stored before the conversion
     * @param converted the same vectors, in the same order, after the conversion
     * @param metric the field's distance metric
     * @param k how many neighbours to compare, usually 10
     * @return the mean recall, from 0 to 1; 1 when every query finds the same neighbours
     * @throws IllegalArgumentException if the lists differ in size or dimensions, hold fewer
     *     than {@code k + 1} vectors, or {@code k < 1}
     */
    public static double meanRecallAtK(List<float[]> originals, List<float[]> converted,
            DistanceMetric metric, int k) {
        Objects.requireNonNull(metric, "metric");
        requireComparable(originals, converted, k);
        double[][] truthDistances = distances(prepare(originals, metric), metric);
        double[][] approxDistances = distances(prepare(converted, metric), metric);
        int[] truth = new int[k];
        int[] approx = new int[k];
        double[] nearestDistances = new double[k];
        double sum = 0;
        for (int query = 0; query < truthDistances.length; query++) {
            nearest(truthDistances[query], query, truth, nearestDistances);
            nearest(approxDistances[query], query, approx, nearestDistances);
            sum += overlap(truth, approx) / (double) k;
        }
        return sum / truthDistances.length;
    }

    private static void requireComparable(List<float[]> originals, List<float[]> converted,
            int k) {
        if (originals.size() != converted.size()) {
            throw new IllegalArgumentException("Recall needs the same vectors before and after"
                    + " conversion, got " + originals.size() + " and " + converted.size());
        }
        if (k < 1 || originals.size() <= k) {
            throw new IllegalArgumentException("Recall@" + k + " needs k >= 1 and more than k"
                    + " sample vectors, got " + originals.size());
        }
        int dim = originals.get(0).length;
        for (int i = 0; i < originals.size(); i++) {
            if (originals.get(i).length != dim || converted.get(i).length != dim) {
                throw new IllegalArgumentException("Sample vector " + i + " has "
                        + originals.get(i).length + " elements before and "
                        + converted.get(i).length + " after conversion; expected " + dim);
            }
        }
    }

    // Widened to double once per vector (not once per pair); cosine is turned into inner product
    // on normalized copies, instead of recomputing norms for each of the n² pairs.
    private static double[][] prepare(List<float[]> vectors, DistanceMetric metric) {
        double[][] prepared = new double[vectors.size()][];
        for (int i = 0; i < prepared.length; i++) {
            float[] vector = vectors.get(i);
            double[] wide = new double[vector.length];
            for (int d = 0; d < vector.length; d++) {
                wide[d] = vector[d];
            }
            prepared[i] = metric == DistanceMetric.COSINE ? normalized(vector, wide) : wide;
        }
        return prepared;
    }

    // The unit vector in float precision, as before widening: the same values the float
    // computation of cosine distance would compare.
    private static double[] normalized(float[] vector, double[] wide) {
        double norm = Math.sqrt(DistanceMetric.dot(wide, wide));
        double[] unit = new double[vector.length];
        if (norm > 0) {
            for (int i = 0; i < vector.length; i++) {
                unit[i] = (float) (vector[i] / norm);
            }
        }
        return unit;
    }

    // Every pair's distance (smaller is nearer), each computed once: row i holds the distances
    // from vector i; the diagonal is never read.
    private static double[][] distances(double[][] set, DistanceMetric metric) {
        double[][] table = new double[set.length][set.length];
        for (int i = 0; i < set.length; i++) {
            for (int j = i + 1; j < set.length; j++) {
                double distance = metric == DistanceMetric.L2
                        ? DistanceMetric.squaredL2(set[i], set[j])
                        : -DistanceMetric.dot(set[i], set[j]);
                table[i][j] = distance;
                table[j][i] = distance;
            }
        }
        return table;
    }

    // Fills ids with the k nearest to the query, nearest first, by a bounded insertion sort:
    // with k around 10 this beats a heap and allocates nothing.
    private static void nearest(double[] fromQuery, int query, int[] ids, double[] distances) {
        int found = 0;
        for (int candidate = 0; candidate < fromQuery.length; candidate++) {
            if (candidate == query) {
                continue;
            }
            double distance = fromQuery[candidate];
            if (found == ids.length && distance >= distances[found - 1]) {
                continue;
            }
            int slot = found < ids.length ? found++ : found - 1;
            while (slot > 0 && distances[slot - 1] > distance) {
                distances[slot] = distances[slot - 1];
                ids[slot] = ids[slot - 1];
                slot--;
            }
            distances[slot] = distance;
            ids[slot] = candidate;
        }
    }

    private static int overlap(int[] truth, int[] approx) {
        int shared = 0;
        for (int id : truth) {
            for (int other : approx) {
                if (id == other) {
                    shared++;
                    break;
                }
            }
        }
        return shared;
    }
}
