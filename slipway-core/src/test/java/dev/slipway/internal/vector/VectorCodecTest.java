package dev.slipway.internal.vector;

import static dev.slipway.internal.vector.VectorDataType.BFLOAT16;
import static dev.slipway.internal.vector.VectorDataType.FLOAT16;
import static dev.slipway.internal.vector.VectorDataType.FLOAT32;
import static dev.slipway.internal.vector.VectorDataType.FLOAT64;
import static dev.slipway.internal.vector.VectorDataType.INT8;
import static dev.slipway.internal.vector.VectorDataType.UINT8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class VectorCodecTest {

    @Test
    void writesLittleEndianElements() {
        float[] vector = {1.0f, -2.0f};
        assertThat(VectorCodec.encode(vector, FLOAT32, null))
                .containsExactly(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0);
        assertThat(VectorCodec.encode(vector, FLOAT16, null))
                .containsExactly(0x00, 0x3c, 0x00, 0xc0);
        assertThat(VectorCodec.encode(vector, BFLOAT16, null))
                .containsExactly(0x80, 0x3f, 0x00, 0xc0);
        assertThat(VectorCodec.encode(new float[] {1.0f}, FLOAT64, null))
                .containsExactly(0, 0, 0, 0, 0, 0, 0xf0, 0x3f);
        byte[] float16 = {0x00, 0x3c, 0x00, (byte) 0xc0};
        assertThat(VectorCodec.decode(float16, FLOAT16)).containsExactly(1.0f, -2.0f);
        assertThat(VectorCodec.convert(float16, FLOAT16, FLOAT32, null))
                .containsExactly(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0);
    }

    @Test
    void everyPairConvertsWithinItsBoundAndLosslessPairsRoundTripExactly() {
        int cases = 0;
        for (VectorDataType from : VectorDataType.values()) {
            for (VectorDataType to : VectorDataType.values()) {
                for (ConversionCase conversion : ConversionCase.casesFor(from, to)) {
                    conversion.assertForwardWithinBound();
                    conversion.assertBackConversion();
                    cases++;
                }
            }
        }
        // 36 pairs, plus the scaled variant of the 8 integer-to-float pairs.
        assertThat(cases).isEqualTo(36 + 8);
    }

    @Test
    void float64NarrowsWithASingleRounding() {
        double justAboveHalfway = 1 + 0x1p-11 + 0x1p-40;
        byte[] source = ConversionCase.float64Bytes(justAboveHalfway, 1 + 0x1p-8 + 0x1p-40);
        assertThat(VectorCodec.convert(source, FLOAT64, FLOAT16, null))
                .containsExactly(0x01, 0x3c, 0x04, 0x3c);
        assertThat(VectorCodec.convert(source, FLOAT64, BFLOAT16, null))
                .containsExactly(0x80, 0x3f, 0x81, 0x3f);
    }

    @Test
    void bfloat16BeyondFloat16RangeOverflowsOrUnderflows() {
        float[] wide = {1e5f, -1e-9f, 3.0f};
        byte[] bfloat16 = VectorCodec.encode(wide, BFLOAT16, null);
        float[] narrowed = VectorCodec.decode(VectorCodec.convert(bfloat16, BFLOAT16, FLOAT16,
                null), FLOAT16);
        assertThat(narrowed).containsExactly(Float.POSITIVE_INFINITY, -0.0f, 3.0f);
        assertThat(BFLOAT16.isLossyTo(FLOAT16)).isTrue();
    }

    @Test
    void specialValuesSurviveFloatingPointConversions() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f};
        for (VectorDataType to : List.of(FLOAT64, FLOAT16, BFLOAT16)) {
            byte[] source = VectorCodec.encode(special, FLOAT32, null);
            float[] back = VectorCodec.decode(VectorCodec.convert(source, FLOAT32, to, null), to);
            assertThat(back).as(to.name()).containsExactly(special);
        }
    }

    @Test
    void rejectsLengthsThatAreNotWholeElements() {
        assertThatThrownBy(() -> VectorCodec.convert(new byte[7], FLOAT32, FLOAT16, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Vector of 7 bytes is not a whole number of FLOAT32 elements"
                        + " (4 bytes each); the stored value does not match the field's TYPE");
        assertThatThrownBy(() -> VectorCodec.decode(new byte[3], BFLOAT16))
                .hasMessageContaining("3 bytes").hasMessageContaining("BFLOAT16");
        assertThat(VectorCodec.elementCount(new byte[12], FLOAT32)).isEqualTo(3);
    }

    @Test
    void rejectsVectorsOfTheWrongDimension() {
        assertThatThrownBy(() -> VectorCodec.convert(new byte[8], FLOAT32, FLOAT16, 3, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Vector of 8 bytes does not hold DIM 3 FLOAT32 elements (expected"
                        + " 12 bytes); the stored value does not match the field's DIM");
        assertThat(VectorCodec.convert(new byte[12], FLOAT32, FLOAT16, 3, null)).hasSize(6);
    }

    @Test
    void rejectsRangesOutsideTheArrays() {
        assertThatThrownBy(() -> VectorCodec.convert(new byte[12], 0, FLOAT32, new byte[4], 0,
                FLOAT16, 3, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The target array of length 4 has no room for 3 FLOAT16 elements at"
                        + " offset 0 (needs 6 from there)");
        assertThatThrownBy(() -> VectorCodec.convert(new byte[12], 4, FLOAT32, new byte[6], 0,
                FLOAT16, 3, null)).hasMessageContaining("The source array of length 12");
        assertThatThrownBy(() -> VectorCodec.decode(new byte[4], -1, FLOAT16, new float[2], 0, 1,
                null)).hasMessageContaining("offset -1");
        assertThatThrownBy(() -> VectorCodec.encode(new float[2], 0, FLOAT16, new byte[4], 0, 3,
                null)).hasMessageContaining("The vector array of length 2");
    }

    @Test
    void quantizingNeedsAScaleForTheIntegerSide() {
        byte[] floats = VectorCodec.encode(new float[] {0.5f}, FLOAT32, null);
        QuantizationScale int8 = QuantizationScale.of(INT8, 0.01, 0);
        assertThatThrownBy(() -> VectorCodec.convert(floats, FLOAT32, UINT8, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("FLOAT32 to UINT8 needs a quantization scale")
                .hasMessageContaining("QuantizationScale.fromSample");
        assertThatThrownBy(() -> VectorCodec.encode(new float[] {1}, INT8, null))
                .hasMessageContaining("needs a quantization scale");
        assertThatThrownBy(() -> VectorCodec.convert(floats, FLOAT32, FLOAT16, int8))
                .hasMessageContaining("scale is for INT8, but the conversion is FLOAT32 to")
                .hasMessageContaining("FLOAT16; pass null or the scale of the integer side");
        assertThatThrownBy(() -> VectorCodec.convert(floats, FLOAT32, UINT8, int8))
                .hasMessageContaining("scale is for INT8");
        assertThatThrownBy(() -> VectorCodec.decode(new byte[1], UINT8, int8))
                .hasMessageContaining("scale is for INT8");
        assertThat(VectorCodec.convert(floats, FLOAT32, INT8, int8)).containsExactly(50);
    }

    @Test
    void integersWithoutAScaleArePlainNumbers() {
        byte[] int8 = {-5, 0, 100, -128};
        byte[] uint8 = new byte[4];
        int clamped = VectorCodec.convert(int8, 0, INT8, uint8, 0, UINT8, 4, null);
        assertThat(uint8).containsExactly(0, 0, 100, 0);
        assertThat(clamped).isEqualTo(2);
        assertThat(VectorCodec.decode(new byte[] {(byte) 200}, UINT8)).containsExactly(200f);
        assertThat(VectorCodec.decode(int8, INT8)).containsExactly(-5f, 0f, 100f, -128f);
        assertThat(VectorCodec.convert(new byte[] {(byte) 200}, UINT8, INT8, null))
                .containsExactly(127);
    }

    @Test
    void scaledIntegersDequantize() {
        QuantizationScale uint8 = QuantizationScale.of(UINT8, 0.5, 10);
        byte[] codes = {10, 12, (byte) 255};
        assertThat(VectorCodec.decode(codes, UINT8, uint8)).containsExactly(0f, 1f, 122.5f);
        assertThat(VectorCodec.decode(VectorCodec.convert(codes, UINT8, FLOAT16, uint8), FLOAT16))
                .containsExactly(0f, 1f, 122.5f);
    }

    @Test
    void offsetOverloadsMatchTheAllocatingOnesForEveryPair() {
        float[] values = {0.5f, -1.25f, 3f, 0.75f, -2f, 1f};
        QuantizationScale int8 = QuantizationScale.of(INT8, 0.125, 0);
        QuantizationScale uint8 = QuantizationScale.of(UINT8, 0.125, 100);
        for (VectorDataType from : VectorDataType.values()) {
            QuantizationScale fromScale = from == INT8 ? int8 : from == UINT8 ? uint8 : null;
            byte[] batch = VectorCodec.encode(values, from, fromScale);
            for (VectorDataType to : VectorDataType.values()) {
                QuantizationScale scale = fromScale != null ? fromScale
                        : to == INT8 ? int8 : to == UINT8 ? uint8 : null;
                assertBatchConversion(batch, from, to, scale);
            }
            float[] decoded = new float[values.length + 2];
            decoded[0] = 7;
            decoded[decoded.length - 1] = 9;
            VectorCodec.decode(batch, 0, from, decoded, 1, values.length, fromScale);
            assertThat(decoded).as(from.name()).containsExactly(7, 0.5f, -1.25f, 3f, 0.75f, -2f,
                    1f, 9);
            byte[] encoded = new byte[batch.length + 2];
            VectorCodec.encode(values, 3, from, encoded, 1 + 3 * from.bytesPerElement(), 3,
                    fromScale);
            assertThat(Arrays.copyOfRange(encoded, 1 + 3 * from.bytesPerElement(),
                    encoded.length - 1)).as(from.name())
                    .isEqualTo(Arrays.copyOfRange(batch, 3 * from.bytesPerElement(), batch.length));
        }
    }

    // Converts a two-vector batch one vector at a time into a buffer with a sentinel byte on
    // each side, and checks it against the whole-array conversion.
    private static void assertBatchConversion(byte[] batch, VectorDataType from,
            VectorDataType to, QuantizationScale scale) {
        int dim = 3;
        byte[] expected = VectorCodec.convert(batch, from, to, scale);
        byte[] target = new byte[expected.length + 2];
        target[0] = 7;
        target[target.length - 1] = 9;
        for (int v = 0; v < 2; v++) {
            VectorCodec.convert(batch, v * dim * from.bytesPerElement(), from, target,
                    1 + v * dim * to.bytesPerElement(), to, dim, scale);
        }
        assertThat(target[0]).isEqualTo((byte) 7);
        assertThat(target[target.length - 1]).isEqualTo((byte) 9);
        assertThat(Arrays.copyOfRange(target, 1, target.length - 1)).as("%s -> %s", from, to)
                .isEqualTo(expected);
    }
}
