package dev.slipway.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DistanceMetricTest {

    private static final float[] A = {1, 2, 2};
    private static final float[] B = {3, 0, 4};

    @Test
    void distancesFollowRedisDefinitions() {
        assertThat(DistanceMetric.L2.distance(A, B)).isEqualTo(4 + 4 + 4);
        assertThat(DistanceMetric.IP.distance(A, B)).isEqualTo(1 - 11);
        assertThat(DistanceMetric.COSINE.distance(A, B)).isCloseTo(1 - 11.0 / 15, within(1e-12));
        assertThat(DistanceMetric.COSINE.distance(A, new float[3])).isEqualTo(1);
    }

    @Test
    void parsesRedisNames() {
        assertThat(DistanceMetric.parse("cosine")).isEqualTo(DistanceMetric.COSINE);
        assertThat(DistanceMetric.parse(" L2")).isEqualTo(DistanceMetric.L2);
        assertThatThrownBy(() -> DistanceMetric.parse("hamming"))
                .hasMessageContaining("'hamming'").hasMessageContaining("L2, IP, COSINE");
    }

    @Test
    void rejectsVectorsOfDifferentLengths() {
        assertThatThrownBy(() -> DistanceMetric.L2.distance(A, new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 and 2");
    }

    @Test
    void widenedKernelsAgreeWithTheFloatOnesAtEveryLength() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5L);
        for (int length = 0; length <= 13; length++) { // every remainder of the four-way loop
            float[] a = new float[length];
            float[] b = new float[length];
            double[] wideA = new double[length];
            double[] wideB = new double[length];
            for (int i = 0; i < length; i++) {
                a[i] = (float) random.nextGaussian();
                b[i] = (float) random.nextGaussian();
                wideA[i] = a[i];
                wideB[i] = b[i];
            }
            assertThat(DistanceMetric.dot(wideA, wideB)).as("dot, length %d", length)
                    .isCloseTo(DistanceMetric.dot(a, b), within(1e-12));
            assertThat(DistanceMetric.squaredL2(wideA, wideB)).as("L2, length %d", length)
                    .isCloseTo(DistanceMetric.squaredL2(a, b), within(1e-12));
        }
    }
}
