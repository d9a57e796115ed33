package dev.slipway.internal.vector;

import static dev.slipway.internal.vector.VectorDataType.BFLOAT16;
import static dev.slipway.internal.vector.VectorDataType.FLOAT16;
import static dev.slipway.internal.vector.VectorDataType.FLOAT32;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The bulk FLOAT32 to FLOAT16 / BFLOAT16 loop behind {@link VectorCodec#convert} takes a branch-free path for chunks
 * whose elements all round the ordinary way (FLOAT16: all in the normal half range, below 65520; BFLOAT16: no NaN,
 * infinity or value that rounds to one) and {@link Float16#fromFloat} / {@link BFloat16#fromFloat} element by element
 * otherwise. Both paths must give exactly
 * what those methods give for each element ({@link Float16Test} and {@link BFloat16Test} check the methods against
 * a reference for every input class).
 */
class HalfWidthKernelTest {

    private static final int SMALLEST_NORMAL_HALF = 0x3880_0000;
    private static final int FIRST_OVERFLOWING_MAGNITUDE = 0x4780_0000;

    @Test
    void everyFloatInTheNormalHalfRangeSampledFinelyConvertsAsElementByElement() {
        // every 61st bit pattern from 2^-14 up to 2^16, both signs, covers each exponent with thousands of
        // mantissas, ties and the values that round up into the next binade or to infinity (65520..65535)
        int span = FIRST_OVERFLOWING_MAGNITUDE - SMALLEST_NORMAL_HALF;
        int count = span / 61 + 2;
        float[] values = bothSigns(count, i -> Math.min(SMALLEST_NORMAL_HALF + 61 * i,
                FIRST_OVERFLOWING_MAGNITUDE - 1));
        values[values.length - 1] = Float.intBitsToFloat(SMALLEST_NORMAL_HALF); // the range's edges
        values[values.length - 2] = Float.intBitsToFloat(FIRST_OVERFLOWING_MAGNITUDE - 1);
        assertConvertsLikeElementByElement(values, 0, FLOAT16);
        assertConvertsLikeElementByElement(values, 12, FLOAT16);
    }

    @Test
    void everyNonNanFloatSampledConvertsToBFloat16AsElementByElement() {
        // every 4093rd bit pattern up to infinity, both signs: every exponent, subnormals, ties, and the values
        // that round up to infinity just below it
        int count = 0x7f80_0000 / 4093 + 2;
        float[] values = bothSigns(count, i -> Math.min(4093 * i, 0x7f80_0000));
        values[0] = Float.MAX_VALUE;
        values[1] = Float.intBitsToFloat(0x7f7f_8000); // exactly halfway to infinity: ties to even, infinity
        assertConvertsLikeElementByElement(values, 0, BFLOAT16);
        assertConvertsLikeElementByElement(values, 12, BFLOAT16);
    }

    @Test
    void everyFloatSampledConvertsToFloat16AsElementByElement() {
        // every 4093rd bit pattern of the whole float range, both signs: chunks mixing normal-range values with
        // subnormal results, zeros, overflows, infinities and NaNs
        int count = 0x7fff_ffff / 4093 + 2;
        float[] values = bothSigns(count, i -> (int) Math.min(4093L * i, 0x7fff_ffffL));
        assertConvertsLikeElementByElement(values, 0, FLOAT16);
        assertConvertsLikeElementByElement(values, 5, FLOAT16);
    }

    @Test
    void aChunkWithAValueOutsideTheNormalRangeConvertsEachElementExactly() {
        float[] outside = {0.0f, -0.0f, 0x1p-15f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 1e-40f, 65504f, 65519.99f,
            65520f, 1e6f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0x7f80_0001), Float.intBitsToFloat(0xffc0_1234), Float.MIN_VALUE,
            Float.MAX_VALUE};
        SplittableRandom random = new SplittableRandom(7);
        for (float special : outside) {
            // in the first chunk, in a later one, and as the very last element of a vector longer than a chunk;
            // with a second one 37 elements further on
            for (int position : new int[]{0, 63, 64, 127, 767, 1023, 1024, 1087, 2999}) {
                float[] values = gaussian(random, 3000);
                values[position] = special;
                values[(position + 37) % values.length] = special;
                for (VectorDataType type : new VectorDataType[]{FLOAT16, BFLOAT16}) {
                    assertConvertsLikeElementByElement(values, 0, type);
                    assertConvertsLikeElementByElement(values, 4, type);
                }
            }
        }
    }

    @Test
    void shortAndOddLengthsAndOffsetsConvertExactly() {
        SplittableRandom random = new SplittableRandom(11);
        for (int length : new int[]{0, 1, 2, 3, 7, 768, 1023, 1024, 1025, 2048, 4097}) {
            float[] values = gaussian(random, length);
            for (VectorDataType type : new VectorDataType[]{FLOAT16, BFLOAT16}) {
                assertConvertsLikeElementByElement(values, 0, type);
                assertConvertsLikeElementByElement(values, 8, type);
            }
        }
    }

    /**
     * Finite values beyond a half-width type's range become infinity (IEEE rounding) and are counted, wherever they
     * sit among ordinary values, so that the rewrite can say so (tester session 27, #3: they became infinity
     * silently). Infinities and NaN of the source are not counted.
     */
    @Test
    void finiteValuesThatBecomeInfinityAreCountedInEveryChunk() {
        float[] values = gaussian(new SplittableRandom(3), 5000);
        float[] special = {65504f, Math.nextDown(65520f), 65520f, -70000f, 1e5f, Float.POSITIVE_INFINITY, Float.NaN,
                -1e38f, Float.MAX_VALUE, Float.intBitsToFloat(0x7f7f_7fff), Float.intBitsToFloat(0x7f7f_8000)};
        for (int i = 0; i < special.length; i++) {
            values[37 + 450 * i] = special[i];
        }
        assertConvertsLikeElementByElement(values, 0, FLOAT16); // 65520, -70000, 1e5, -1e38 and the three largest
        assertConvertsLikeElementByElement(values, 5, BFLOAT16); // MAX_VALUE and 0x7f7f8000
        byte[] source = new byte[4 * values.length];
        ByteBuffer.wrap(source).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        assertThat(VectorCodec.convert(source, 0, FLOAT32, new byte[2 * values.length], 0, FLOAT16, values.length,
                null)).isEqualTo(7);
        assertThat(VectorCodec.convert(source, 0, FLOAT32, new byte[2 * values.length], 0, BFLOAT16, values.length,
                null)).isEqualTo(2);
    }

    /** For i in [0, count): the float with the bits {@code magnitude(i)}, then its negative. */
    private static float[] bothSigns(int count, IntUnaryOperator magnitude) {
        float[] values = new float[2 * count];
        for (int i = 0; i < count; i++) {
            int bits = magnitude.applyAsInt(i);
            values[2 * i] = Float.intBitsToFloat(bits);
            values[2 * i + 1] = Float.intBitsToFloat(bits | 0x8000_0000);
        }
        return values;
    }

    private static float[] gaussian(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.05);
        }
        return values;
    }

    /** Converts at an offset into a larger array and compares each element with the element-by-element method. */
    private static void assertConvertsLikeElementByElement(float[] values, int offsetElements, VectorDataType type) {
        int offset = 4 * offsetElements;
        byte[] source = new byte[offset + 4 * values.length + 4];
        ByteBuffer in = ByteBuffer.wrap(source).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            in.putFloat(offset + 4 * i, values[i]);
        }
        int targetOffset = 2 * offsetElements + 1;
        byte[] target = new byte[targetOffset + 2 * values.length + 2];
        target[targetOffset - 1] = 0x55;
        target[target.length - 1] = 0x66;
        int overflowed = VectorCodec.convert(source, offset, FLOAT32, target, targetOffset, type, values.length, null);

        ByteBuffer out = ByteBuffer.wrap(target).order(ByteOrder.LITTLE_ENDIAN);
        int infinite = type == FLOAT16 ? Float16.POSITIVE_INFINITY : BFloat16.POSITIVE_INFINITY;
        int expectedOverflows = 0;
        for (int i = 0; i < values.length; i++) {
            short expected = type == FLOAT16 ? Float16.fromFloat(values[i]) : BFloat16.fromFloat(values[i]);
            expectedOverflows += Float.isFinite(values[i]) && (expected & 0x7fff) == infinite ? 1 : 0;
            short actual = out.getShort(targetOffset + 2 * i);
            if (actual != expected) {
                assertThat(Integer.toHexString(actual & 0xffff))
                        .as("%s element %d of %d, float bits %08x", type, i, values.length,
                                Float.floatToRawIntBits(values[i]))
                        .isEqualTo(Integer.toHexString(expected & 0xffff));
            }
        }
        assertThat(overflowed).as("%s: finite elements that became infinity", type).isEqualTo(expectedOverflows);
        assertThat(target[targetOffset - 1]).as("byte before the range").isEqualTo((byte) 0x55);
        assertThat(target[target.length - 1]).as("byte after the range").isEqualTo((byte) 0x66);
        if (targetOffset + 2 * values.length < target.length - 1) {
            assertThat(target[targetOffset + 2 * values.length]).as("first byte after the elements").isZero();
        }
    }
}
