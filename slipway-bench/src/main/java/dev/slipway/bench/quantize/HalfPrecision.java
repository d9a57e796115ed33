package dev.slipway.bench.quantize;

/**
 * The reference float32 to IEEE 754 binary16 (Redis {@code FLOAT16}) rounding the benchmark checks every contender
 * against: round to nearest, ties to even, as numpy's {@code astype(float16)} does. Written independently of
 * Slipway's own converter (with double arithmetic instead of bit tricks) so that a wrong conversion in Slipway
 * cannot also pass its own check.
 */
final class HalfPrecision {
    private static final int SIGN = 0x8000;
    private static final int INFINITY = 0x7c00;
    private static final int QUIET_NAN = 0x7e00;
    /** Halfway between 65504, the largest half, and 65536: from here on the value rounds to infinity. */
    private static final double OVERFLOW = 65520.0;
    private static final double SMALLEST_NORMAL = 0x1p-14;

    private HalfPrecision() {
    }

    /** The binary16 bit pattern nearest to the value. */
    static short fromFloat(float value) {
        int sign = (Float.floatToRawIntBits(value) >>> 16) & SIGN;
        double magnitude = Math.abs((double) value);
        if (Double.isNaN(magnitude)) {
            return (short) (sign | QUIET_NAN);
        }
        if (magnitude >= OVERFLOW) {
            return (short) (sign | INFINITY);
        }
        if (magnitude < SMALLEST_NORMAL) {
            // Subnormal halves are multiples of 2^-24; a result of 1024 is the smallest normal, which the same
            // bit pattern already encodes.
            return (short) (sign | (int) Math.rint(magnitude * 0x1p24));
        }
        int exponent = Math.getExponent(magnitude);
        long mantissa = (long) Math.rint(Math.scalb(magnitude, 10 - exponent)); // in [1024, 2048]; rint ties to even
        if (mantissa == 2048) {
            mantissa = 1024;
            exponent++;
        }
        return (short) (sign | ((exponent + 15) << 10) | (int) (mantissa - 1024));
    }

    /** Converts little-endian float32 bytes to little-endian float16 bytes. */
    static byte[] fromFloat32Bytes(byte[] float32) {
        byte[] half = new byte[float32.length / 2];
        for (int i = 0, o = 0; i + 3 < float32.length; i += 4, o += 2) {
            int bits = (float32[i] & 0xff) | (float32[i + 1] & 0xff) << 8 | (float32[i + 2] & 0xff) << 16
                    | (float32[i + 3] & 0xff) << 24;
            short h = fromFloat(Float.intBitsToFloat(bits));
            half[o] = (byte) h;
            half[o + 1] = (byte) (h >>> 8);
        }
        return half;
    }
}
