package dev.slipway.internal.vector;

/**
 * Narrowing of a double to a float with round-to-odd, as the first step of a correctly rounded
 * double to binary16/bfloat16 conversion.
 *
 * <p>Rounding a double to float to nearest and then to half to nearest can be wrong: 1 + 2^-11 +
 * 2^-40 is just above the halfway point between two halves, but the first rounding drops the
 * 2^-40 and leaves an exact tie, which the second rounding then sends to the even neighbour
 * below. Round-to-odd keeps the "inexact" information in the last bit of the intermediate
 * float, and a round-to-nearest-even that follows is then exact as long as the intermediate
 * has at least two more significand bits than the final format (24 versus 11 or 8 here).
 */
final class RoundToOdd {

    private RoundToOdd() {
    }

    /**
     * Returns {@code value} as a float, rounded to the neighbour with an odd significand when it
     * is not exactly representable. NaN and infinities pass through.
     */
    static float toFloat(double value) {
        float nearest = (float) value;
        boolean inexact = nearest != value && !Double.isNaN(value);
        if (inexact && (Float.floatToRawIntBits(nearest) & 1) == 0) {
            // The two candidates are adjacent floats of different parity, so if round-to-nearest
            // picked the even one, the odd one is one step towards the exact value.
            return Math.nextAfter(nearest, value);
        }
        return nearest;
    }
}
