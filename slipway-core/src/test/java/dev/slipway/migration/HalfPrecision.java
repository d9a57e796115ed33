package dev.slipway.migration;

/**
 * IEEE 754 binary16 conversion for the test's own expectations (Java 17 has no {@code Float.floatToFloat16}).
 * Kept independent of the main code's vector package on purpose: the tests must not share a bug with it.
 */
final class HalfPrecision {
    private HalfPrecision() {
    }

    /** Rounds a float to the nearest half (ties to even); values beyond the half range become infinity. */
    static short toHalf(float value) {
        int bits = Float.floatToIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        int mantissa = bits & 0x7f_ffff;
        if (Float.isNaN(value)) {
            return (short) (sign | 0x7e00);
        }
        if (exponent >= 31) {
            return (short) (sign | 0x7c00);
        }
        if (exponent <= 0) {
            if (exponent < -10) {
                return (short) sign;
            }
            mantissa |= 0x80_0000; // the implicit leading one becomes explicit in a subnormal
            int shift = 14 - exponent;
            return (short) (sign | roundShift(mantissa, shift));
        }
        return (short) (sign | roundShift((exponent << 23) | mantissa, 13));
    }

    private static int roundShift(int value, int shift) {
        int result = value >>> shift;
        int remainder = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (remainder > half || remainder == half && (result & 1) == 1) {
            result++; // a carry into the exponent is the correct rounding up
        }
        return result;
    }

    /** The float value of a half. */
    static float toFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /** Each element rounded through half precision, as a FLOAT16 index stores it. */
    static float[] roundTrip(float[] vector) {
        float[] result = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            result[i] = toFloat(toHalf(vector[i]));
        }
        return result;
    }
}
