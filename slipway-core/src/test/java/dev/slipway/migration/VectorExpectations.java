package dev.slipway.migration;

import dev.slipway.migration.RedisInspection.Neighbour;
import redis.clients.jedis.Jedis;

import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Brute-force nearest neighbours computed in the test, compared with the server's KNN answer: the same keys in
 * the same order, and the distances the metric defines (so a metric that silently stayed the old one fails).
 */
final class VectorExpectations {
    /** The document whose embedding is the query vector: it must come first at distance 0. */
    static final int QUERY_PRODUCT = 17;

    /** Distance metrics as Redis Search defines them. */
    enum Metric {
        COSINE, L2, IP;

        double distance(float[] a, float[] b) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            double l2 = 0;
            for (int i = 0; i < a.length; i++) {
                dot += (double) a[i] * b[i];
                na += (double) a[i] * a[i];
                nb += (double) b[i] * b[i];
                double d = (double) a[i] - b[i];
                l2 += d * d;
            }
            return switch (this) {
                case COSINE -> 1 - dot / Math.sqrt(na * nb);
                case L2 -> l2; // Redis reports the squared Euclidean distance
                case IP -> 1 - dot;
            };
        }
    }

    private VectorExpectations() {
    }

    /**
     * Runs {@code KNN 3} with product 17's embedding and checks the answer against brute force.
     *
     * @param half whether the index stores FLOAT16 (query bytes and expected distances use half precision)
     */
    static void assertNearestNeighbours(Jedis jedis, ProductCatalog catalog, String index, Metric metric,
                                        boolean half) {
        float[] query = catalog.product(QUERY_PRODUCT).embedding();
        byte[] bytes = half ? ProductCatalog.float16(query) : ProductCatalog.float32(query);
        float[] q = half ? HalfPrecision.roundTrip(query) : query;
        List<Neighbour> expected = catalog.products().stream()
                .map(p -> new Neighbour(p.key(), metric.distance(q,
                        half ? HalfPrecision.roundTrip(p.embedding()) : p.embedding())))
                .sorted(Comparator.comparingDouble(Neighbour::distance))
                .limit(3)
                .toList();

        List<Neighbour> actual = RedisInspection.knn(jedis, index, "embedding", 3, bytes);

        assertThat(actual).extracting(Neighbour::key)
                .as("KNN 3 on %s (%s%s)", index, metric, half ? ", float16" : "")
                .containsExactlyElementsOf(expected.stream().map(Neighbour::key).toList());
        assertThat(actual.get(0).key()).isEqualTo(catalog.product(QUERY_PRODUCT).key());
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).distance()).as("%s distance of %s", metric, actual.get(i).key())
                    .isCloseTo(expected.get(i).distance(), within(1e-3));
        }
    }
}
