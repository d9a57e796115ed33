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
}
