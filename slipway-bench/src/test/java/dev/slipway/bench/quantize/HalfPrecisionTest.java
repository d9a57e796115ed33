package dev.slipway.bench.quantize;

import dev.slipway.internal.vector.Float16;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class HalfPrecisionTest {

    @Test
    void roundsKnownValuesToNearestTiesToEven() {
        assertThat(HalfPrecision.fromFloat(1.0f)).isEqualTo((short) 0x3c00);
        assertThat(HalfPrecision.fromFloat(-2.0f)).isEqualTo((short) 0xc000);
        assertThat(HalfPrecision.fromFloat(0.1f)).isEqualTo((short) 0x2e66);
        assertThat(HalfPrecision.fromFloat(65504f)).as("largest half").isEqualTo((short) 0x7bff);
        assertThat(HalfPrecision.fromFloat(65519.996f)).isEqualTo((short) 0x7bff);
        assertThat(HalfPrecision.fromFloat(65520f)).as("halfway to 65536 ties to infinity").isEqualTo((short) 0x7c00);
        assertThat(HalfPrecision.fromFloat(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
        assertThat(HalfPrecision.fromFloat(0x1p-25f)).as("half of it ties to zero").isEqualTo((short) 0x0000);
        assertThat(HalfPrecision.fromFloat(0x1.8p-24f)).as("1.5 ulps ties to 2").isEqualTo((short) 0x0002);
        assertThat(HalfPrecision.fromFloat(1 + 0x1p-11f)).as("tie between 1 and 1+2^-10 goes to even 1")
                .isEqualTo((short) 0x3c00);
        assertThat(HalfPrecision.fromFloat(1 + 0x3p-11f)).as("tie goes up to the even mantissa")
                .isEqualTo((short) 0x3c02);
        assertThat(HalfPrecision.fromFloat(0x1.ffcp-15f)).as("rounds up into the smallest normal")
                .isEqualTo((short) 0x0400);
        assertThat(HalfPrecision.fromFloat(-0.0f)).isEqualTo((short) 0x8000);
        assertThat(HalfPrecision.fromFloat(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
        assertThat(HalfPrecision.fromFloat(Float.NaN)).isEqualTo((short) 0x7e00);
    }

    @Test
    void agreesWithSlipwaysConverterOnEveryFiniteMagnitude() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (!Float.isNaN(value)) {
                assertThat(HalfPrecision.fromFloat(value)).as("%s (0x%08x)", value, Float.floatToRawIntBits(value))
                        .isEqualTo(Float16.fromFloat(value));
            }
        }
    }

    @Test
    void convertsLittleEndianBytes() {
        byte[] float32 = {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0}; // 1.0f, -2.0f
        assertThat(HalfPrecision.fromFloat32Bytes(float32)).containsExactly(0x00, 0x3c, 0x00, (byte) 0xc0);
    }
}
