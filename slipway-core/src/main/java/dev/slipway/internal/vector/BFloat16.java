package dev.slipway.internal.vector;

/**
 * bfloat16 (Redis {@code BFLOAT16}) conversions: the top 16 bits of an IEEE 754 binary32 value,
 * held in a {@code short} bit pattern. It keeps binary32's exponent range, so only the 16 low
 * significand bits are rounded away.
 */
public final class BFloat16 {

    /** Bit pattern of positive infinity. */
    public static final short POSITIVE_INFINITY = (short) 0x7f80;

    private static final int FLOAT_SIGN = 0x8000_0000;
    static final int FLOAT_INFINITY = 0x7f80_0000;
    // 0x7f7f8000, the smallest float that rounds to BFLOAT16 infinity (a tie, rounded to even upwards): the bulk
    // kernel's fast path stays below it, so that every overflow goes through the element-by-element path, which
    // counts it.
    static final int FLOAT_FIRST_OVERFLOW = 0x7f7f_8000;

    private BFloat16() {
    }

    /**
     * Rounds a float to the nearest bfloat16 value, ties to even.
     *
     * <p>Finite floats above the largest bfloat16 by half an ulp or more round to infinity, as
     * IEEE rounding requires. A NaN stays a NaN with its sign and the top bits of its payload,
     * made quiet; it never becomes infinity.
     *
     * @param value any float
     * @return the bfloat16 bit pattern
     */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & ~FLOAT_SIGN) > FLOAT_INFINITY) {
            // Rounding a NaN like a number can carry out of the exponent (0x7fffffff would become
            // -0.0), and plain truncation turns a NaN whose payload sits only in the low 16 bits
            // into infinity. Truncating and setting the quiet bit keeps it a NaN.
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) notNaN(bits);
    }

    /**
     * {@link #fromFloat}'s result, as an int, for a float that is not a NaN: branch-free, so that
     * a loop of it over an array compiles to SIMD code (see VectorKernels).
     */
    static int notNaN(int bits) {
        // Adding 0x7fff plus the lowest kept bit rounds the dropped half to nearest, ties to
        // even; a carry out of the significand bumps the exponent, up to infinity.
        int keptLowBit = (bits >>> 16) & 1;
        return (bits + 0x7fff + keptLowBit) >>> 16;
    }

    /**
     * Rounds a double to the nearest bfloat16 value, ties to even, with a single rounding (see
     * {@link RoundToOdd} for why going through {@code (float) value} is not enough).
     *
     * @param value any double
     * @return the bfloat16 bit pattern, with the same special-value rules as
     *     {@link #fromFloat(float)}
     */
    public static short fromDouble(double value) {
        return fromFloat(RoundToOdd.toFloat(value));
    }

    /**
     * Widens a bfloat16 value to float; exact for every bit pattern.
     *
     * @param bfloat16 the bfloat16 bit pattern
     * @return the same value as a float
     */
    public static float toFloat(short bfloat16) {
        return Float.intBitsToFloat(bfloat16 << 16);
    }

    /**
     * Tells whether a bfloat16 bit pattern is a NaN.
     *
     * @param bfloat16 the bfloat16 bit pattern
     * @return true if the exponent is all ones and the significand is non-zero
     */
    public static boolean isNaN(short bfloat16) {
        return (bfloat16 & 0x7fff) > POSITIVE_INFINITY;
    }
}
