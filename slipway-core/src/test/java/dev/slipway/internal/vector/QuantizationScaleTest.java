package dev.slipway.internal.vector;

import static dev.slipway.internal.vector.VectorDataType.FLOAT32;
import static dev.slipway.internal.vector.VectorDataType.INT8;
import static dev.slipway.internal.vector.VectorDataType.UINT8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QuantizationScaleTest {

    @Test
    void int8IsSymmetricOverTheWholeSample() {
        QuantizationScale scale = QuantizationScale.fromSample(
                List.of(new float[] {0.5f, -2.54f}, new float[] {1.27f, 0.1f}), INT8);

        assertThat(scale.target()).isEqualTo(INT8);
        assertThat(scale.zeroPoint()).isZero();
        assertThat(scale.scale()).isEqualTo((double) 2.54f / 127);
        assertThat(scale.quantize(-2.54f)).isEqualTo(-127);
        assertThat(scale.quantize(2.54f)).isEqualTo(127);
        assertThat(scale.quantize(1.0)).isEqualTo(50);
        assertThat(scale.quantize(0)).isZero();
        assertThat(scale.minCode()).isEqualTo(-127);
        assertThat(scale.maxCode()).isEqualTo(127);
    }

    @Test
    void uint8IsMinMaxOverTheSampleWithZeroExact() {
        QuantizationScale scale = QuantizationScale.fromSample(
                List.of(new float[] {-1f, 0.5f}, new float[] {3f, 2f}), UINT8);

        assertThat(scale.zeroPoint()).isEqualTo(64);
        assertThat(scale.quantize(0)).isEqualTo(64);
        assertThat(scale.quantize(-1f)).isEqualTo(0);
        assertThat(scale.quantize(3f)).isEqualTo(255);
        assertThat(scale.dequantize(scale.quantize(0.5))).isCloseTo(0.5, within(scale.scale() / 2));
    }

    @Test
    void uint8OfNonNegativeDataHasZeroPointZeroSoInnerProductOrderSurvives() {
        QuantizationScale scale = QuantizationScale.fromSample(
                List.of(new float[] {0.25f, 5.1f}, new float[] {1f, 2f}), UINT8);

        assertThat(scale.zeroPoint()).isZero();
        assertThat(scale.scale()).isEqualTo((double) 5.1f / 255);
    }

    @Test
    void noSampledValueIsEverClamped() {
        // Skewed ranges make the rounded zero point push one end half a step out unless the
        // step is widened; check many of them, and both the smallest and largest value.
        SplittableRandom random = new SplittableRandom(11L);
        for (int trial = 0; trial < 20_000; trial++) {
            float low = (float) -Math.abs(random.nextGaussian()) * (trial % 3 == 0 ? 1e-3f : 1f);
            float high = (float) Math.abs(random.nextGaussian()) * (trial % 5 == 0 ? 1e-3f : 1f);
            float[] sample = {low, high, (low + high) / 2};
            for (VectorDataType type : new VectorDataType[] {INT8, UINT8}) {
                QuantizationScale scale = QuantizationScale.fromSample(List.of(sample), type);
                int clamped = VectorCodec.encode(sample, 0, type, new byte[3], 0, 3, scale);
                assertThat(clamped).as("%s of [%s, %s] -> %s", type, low, high, scale).isZero();
                assertThat(scale.clampedElements()).isZero();
                // ...while using the code range: at most one step lost to a whole zero point.
                double span = type == INT8 ? 2.0 * Math.max(-low, high) / 254
                        : ((double) high - low) / 254;
                assertThat(scale.scale()).as("%s of [%s, %s]", type, low, high)
                        .isLessThanOrEqualTo(span * (1 + 1e-12));
            }
        }
    }

    @Test
    void valuesOutsideTheSampleAreClampedAndCounted() {
        QuantizationScale scale = QuantizationScale.fromSample(List.of(new float[] {-1, 1}), INT8);
        float[] vector = {0.25f, 2f, -3f, Float.NaN, Float.POSITIVE_INFINITY, 1f};
        byte[] codes = new byte[vector.length];

        int clamped = VectorCodec.encode(vector, 0, INT8, codes, 0, vector.length, scale);
        VectorCodec.encode(new float[] {5f}, INT8, scale);

        assertThat(codes).containsExactly(32, 127, -127, 0, 127, 127);
        assertThat(clamped).isEqualTo(4);
        assertThat(scale.clampedElements()).isEqualTo(5);
    }

    @Test
    void clampCountIsSharedAcrossThreads() throws InterruptedException {
        QuantizationScale scale = QuantizationScale.fromSample(List.of(new float[] {1}), UINT8);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    VectorCodec.encode(new float[] {-1, 0.5f, 9}, UINT8, scale);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(scale.clampedElements()).isEqualTo(4 * 1000 * 2);
    }

    @Test
    void quantizeRoundsTiesToEvenSymmetrically() {
        QuantizationScale scale = QuantizationScale.of(INT8, 0.5, 0);
        assertThat(scale.quantize(1.25)).isEqualTo(2);
        assertThat(scale.quantize(1.75)).isEqualTo(4);
        assertThat(scale.quantize(-1.25)).isEqualTo(-2);
        assertThat(scale.quantize(-1.75)).isEqualTo(-4);
        assertThat(scale.dequantize(-4)).isEqualTo(-2.0);
    }

    @Test
    void nonFiniteSampleValuesAreIgnored() {
        QuantizationScale scale = QuantizationScale.fromSample(
                List.of(new float[] {Float.NaN, 2f, Float.NEGATIVE_INFINITY}), INT8);
        assertThat(scale.scale()).isEqualTo(2.0 / 127);
    }

    @Test
    void degenerateSamples() {
        assertThat(QuantizationScale.fromSample(List.of(new float[] {0, 0}), INT8).scale())
                .isEqualTo(1.0);
        assertThat(QuantizationScale.fromSample(List.of(new float[] {0}), UINT8).zeroPoint())
                .isZero();
        assertThatThrownBy(() -> QuantizationScale.fromSample(List.of(), INT8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no finite vector element");
        assertThatThrownBy(() -> QuantizationScale.fromSample(
                List.of(new float[] {Float.NaN}), UINT8))
                .hasMessageContaining("UINT8");
        assertThatThrownBy(() -> QuantizationScale.fromSample(List.of(new float[] {1}), FLOAT32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not FLOAT32");
    }

    @Test
    void explicitMappingsAreValidated() {
        QuantizationScale restored = QuantizationScale.of(UINT8, 0.25, 17);
        assertThat(restored.toString()).isEqualTo("UINT8 scale=0.25 zeroPoint=17");
        assertThat(restored.quantize(0)).isEqualTo(17);
        assertThatThrownBy(() -> QuantizationScale.of(INT8, 0.1, 3))
                .hasMessageContaining("zero point 0");
        assertThatThrownBy(() -> QuantizationScale.of(UINT8, 0.1, 256))
                .hasMessageContaining("Zero point 256");
        assertThatThrownBy(() -> QuantizationScale.of(UINT8, 0, 0))
                .hasMessageContaining("finite and positive");
        assertThatThrownBy(() -> QuantizationScale.of(UINT8, Double.NaN, 0))
                .hasMessageContaining("finite and positive");
    }

    @Test
    void identityKeepsPlainValues() {
        QuantizationScale int8 = QuantizationScale.identity(INT8);
        assertThat(int8.quantize(-128)).isEqualTo(-128);
        assertThat(int8.quantize(-129)).isEqualTo(-128);
        assertThat(int8.dequantize(-100)).isEqualTo(-100.0);
        assertThat(QuantizationScale.identity(UINT8).quantize(-5)).isZero();
        assertThat(QuantizationScale.identity(UINT8).quantize(200.4)).isEqualTo(200);
    }
}
