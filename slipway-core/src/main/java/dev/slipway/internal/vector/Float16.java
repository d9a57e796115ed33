package dev.slipway.internal.vector;

/**
 * IEEE 754 binary16 ("half", Redis {@code FLOAT16}) conversions, held in a {@code short} bit
 * pattern. Java 17 has no {@code Float.floatToFloat16}, so the rounding is done here with integer
 * arithmetic on the binary32 bit pattern.
 */
public final class Float16 {

    /** Bit pattern of positive infinity. */
    public static final short POSITIVE_INFINITY = (short) 0x7c00;
    /** Bit pattern of the largest finite value, 65504. */
    public static final short MAX_VALUE = (short) 0x7bff;

    private static final int FLOAT_SIGN = 0x8000_0000;
    // |x| >= 2^16 is certainly infinite (or NaN) in half precision; values in [65520, 65536) also
    // overflow, but they come out of the normal path as infinity by the rounding carry.
    static final int FLOAT_TWO_TO_16 = 0x4780_0000;
    // 65520f, the smallest float that rounds to half infinity: the bulk kernel's fast path stays below it, so
    // that every overflow goes through the element-by-element path, which counts it.
    static final int FLOAT_FIRST_OVERFLOW = 0x477f_f000;
    private static final int FLOAT_INFINITY = 0x7f80_0000;
    // 2^-14, the smallest normal half; below it the result is subnormal or zero.
    static final int FLOAT_TWO_TO_MINUS_14 = 0x3880_0000;
    // 0.5f: its ulp is 2^-24, exactly the spacing of half subnormals (see fromFloat).
    private static final int FLOAT_HALF = 0x3f00_0000;
    // Moves the exponent from binary32 bias (127) to binary16 bias (15) while still in the
    // binary32 layout; adding 0xfff is the "just below half" part of round-to-nearest-even.
    private static final int REBIAS_AND_ROUND = ((15 - 127) << 23) + 0x0fff;

    private Float16() {
    }

    /**
     * Rounds a float to the nearest binary16 value, ties to even.
     *
     * <p>Magnitudes of 65520 and above become infinity (65520 is halfway between 65504 and the
     * first value past the range, and ties go to the even pattern, which is infinity); values
     * below 2^-14 become subnormal halves, and magnitudes up to 2^-25 become zero of the same
     * sign. A NaN stays a NaN with its sign and the top bits of its payload, made quiet.
     *
     * @param value any float
     * @return the binary16 bit pattern
     */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits & FLOAT_SIGN) >>> 16;
        int magnitude = bits & ~FLOAT_SIGN;
        if (magnitude >= FLOAT_TWO_TO_16) {
            if (magnitude > FLOAT_INFINITY) {
                // Setting the quiet bit also guarantees a non-zero mantissa, so a NaN whose
                // payload sat only in the 13 dropped bits cannot turn into infinity.
                return (short) (sign | 0x7e00 | (magnitude >>> 13) & 0x03ff);
            }
            return (short) (sign | POSITIVE_INFINITY);
        }
        if (magnitude < FLOAT_TWO_TO_MINUS_14) {
            // In 0.5f + x the FPU must round x to a multiple of 2^-24 (the ulp of 0.5f), with
            // ties to even: exactly binary16 subnormal rounding. The low bits of the sum are then
            // the subnormal mantissa; a carry to 1024 yields the smallest normal, as it should.
            float aligned = Float.intBitsToFloat(magnitude) + Float.intBitsToFloat(FLOAT_HALF);
            return (short) (sign | (Float.floatToRawIntBits(aligned) - FLOAT_HALF));
        }
        return (short) normalRange(bits);
    }

    /**
     * {@link #fromFloat}'s result, as an int, for a float whose magnitude is in [2^-14, 2^16):
     * branch-free, so that a loop of it over an array compiles to SIMD code (see VectorKernels).
     */
    static int normalRange(int bits) {
        int magnitude = bits & ~FLOAT_SIGN;
        // Adding 0xfff plus the lowest kept bit rounds the 13 dropped bits to nearest, ties to
        // even; a carry out of the mantissa correctly bumps the exponent, up to infinity.
        int keptLowBit = (magnitude >>> 13) & 1;
        return (bits & FLOAT_SIGN) >>> 16 | (magnitude + REBIAS_AND_ROUND + keptLowBit) >>> 13;
    }

    /**
     * Rounds a double to the nearest binary16 value, ties to even, with a single rounding.
     *
     * <p>Going through {@code (float) value} would round twice and can be wrong just above a
     * halfway point; see {@link RoundToOdd}.
     *
     * @param value any double
     * @return the binary16 bit pattern, with the same special-value rules as
     *     {@link #fromFloat(float)}
     */
    public static short fromDouble(double value) {
        return fromFloat(RoundToOdd.toFloat(value));
    }

    /**
     * Widens a binary16 value to float. Every binary16 value, including subnormals, infinities
     * and NaN payloads, is exactly representable, so this never rounds.
     *
     * @param half the binary16 bit pattern
     * @return the same value as a float
     */
    public static float toFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int magnitude = half & 0x7fff;
        if (magnitude >= POSITIVE_INFINITY) {
            return Float.intBitsToFloat(sign | FLOAT_INFINITY | (magnitude & 0x03ff) << 13);
        }
        if (magnitude >= 0x0400) {
            return Float.intBitsToFloat(sign | (magnitude << 13) + ((127 - 15) << 23));
        }
        // Subnormal or zero: the value is mantissa * 2^-24, and that product is exact in float.
        return Float.intBitsToFloat(sign | Float.floatToRawIntBits(magnitude * 0x1p-24f));
    }

    /**
     * Tells whether a binary16 bit pattern is a NaN.
     *
     * @param half the binary16 bit pattern
     * @return true if the exponent is all ones and the mantissa is non-zero
     */
    public static boolean isNaN(short half) {
        return (half & 0x7fff) > POSITIVE_INFINITY;
    }
}
