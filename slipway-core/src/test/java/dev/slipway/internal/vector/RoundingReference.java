package dev.slipway.internal.vector;

import java.math.BigDecimal;
import java.util.function.IntToDoubleFunction;

/**
 * Test oracle for 16-bit float rounding that shares nothing with the bit tricks under test: it
 * tabulates the value of every non-negative pattern (computed by plain arithmetic from sign,
 * exponent and mantissa), finds the two neighbours of x by binary search, and picks the nearer,
 * breaking exact ties towards the even pattern. The pattern just past the largest finite value
 * stands for infinity at the value the next binade would start at, which is exactly the IEEE
 * overflow rule (round as if the exponent were unbounded).
 */
final class RoundingReference {

    static final RoundingReference FLOAT16 =
            new RoundingReference(0x7c00, 0x1p16, RoundingReference::float16Value);
    static final RoundingReference BFLOAT16 =
            new RoundingReference(0x7f80, 0x1p128, RoundingReference::bfloat16Value);

    private final int infinityBits;
    private final double[] magnitudes;

    private RoundingReference(int infinityBits, double overflowValue,
            IntToDoubleFunction valueOf) {
        this.infinityBits = infinityBits;
        this.magnitudes = new double[infinityBits + 1];
        for (int bits = 0; bits < infinityBits; bits++) {
            magnitudes[bits] = valueOf.applyAsDouble(bits);
        }
        magnitudes[infinityBits] = overflowValue;
    }

    /** Value of a binary16 pattern from its fields, in double arithmetic. */
    static double float16Value(int bits) {
        return fieldValue(bits, 5, 10);
    }

    /** Value of a bfloat16 pattern from its fields, in double arithmetic. */
    static double bfloat16Value(int bits) {
        return fieldValue(bits, 8, 7);
    }

    private static double fieldValue(int bits, int exponentBits, int mantissaBits) {
        boolean negative = (bits & 0x8000) != 0;
        int maxExponent = (1 << exponentBits) - 1;
        int bias = maxExponent / 2;
        int exponent = (bits >> mantissaBits) & maxExponent;
        int mantissa = bits & ((1 << mantissaBits) - 1);
        double magnitude;
        if (exponent == maxExponent) {
            magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = mantissa * Math.pow(2, 1 - bias - mantissaBits);
        } else {
            magnitude = (1 + mantissa / Math.pow(2, mantissaBits)) * Math.pow(2, exponent - bias);
        }
        return negative ? -magnitude : magnitude;
    }

    /** Expected 16-bit pattern for a non-NaN x. */
    int round(double x) {
        int sign = Double.doubleToRawLongBits(x) < 0 ? 0x8000 : 0;
        double m = Math.abs(x);
        if (m >= magnitudes[infinityBits]) {
            return sign | infinityBits;
        }
        int low = 0;
        int high = infinityBits;
        // Invariant: magnitudes[low] <= m < magnitudes[high].
        while (high - low > 1) {
            int mid = (low + high) >>> 1;
            if (magnitudes[mid] <= m) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return sign | nearer(m, low, high);
    }

    private int nearer(double m, int low, int high) {
        if (magnitudes[low] == m) {
            return low;
        }
        int order = Double.compare(m - magnitudes[low], magnitudes[high] - m);
        if (order == 0) {
            // Rounded differences may tie when the exact ones do not; decide exactly.
            BigDecimal exact = new BigDecimal(m);
            order = exact.subtract(new BigDecimal(magnitudes[low]))
                    .compareTo(new BigDecimal(magnitudes[high]).subtract(exact));
        }
        if (order == 0) {
            return (low & 1) == 0 ? low : high;
        }
        return order < 0 ? low : high;
    }
}
