package dev.slipway.internal.vector;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The element loops behind {@link VectorCodec}. Arguments are already validated there.
 *
 * <p>The conversions a migration runs a million times (FLOAT32 to FLOAT16, BFLOAT16, INT8 and
 * UINT8, and back) get their own loops that read and write through little-endian array views:
 * on little-endian hardware these compile to plain loads and stores, without a ByteBuffer or a
 * per-element type switch. Rarer pairs go element by element through a double, which is exact
 * for every source type, so they are slower but just as correct.
 */
final class VectorKernels {

    private static final VarHandle FLOAT64 =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT32 =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT16 =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private VectorKernels() {
    }

    /**
     * Converts; returns how many elements could not be represented: clamped to an integer type's range, or, for
     * FLOAT16 and BFLOAT16, finite values beyond the type's range that became infinity.
     */
    static int convert(byte[] src, int srcOff, VectorDataType from, byte[] dst, int dstOff,
            VectorDataType to, int n, QuantizationScale fromScale, QuantizationScale toScale) {
        if (from == to) {
            System.arraycopy(src, srcOff, dst, dstOff, n * from.bytesPerElement());
            return 0;
        }
        if (from == VectorDataType.FLOAT32) {
            return fromFloat32(src, srcOff, dst, dstOff, to, n, toScale);
        }
        if (to == VectorDataType.FLOAT32 && from.bytesPerElement() == 2) {
            halfWidthToFloat32(src, srcOff, from, dst, dstOff, n);
            return 0;
        }
        int clamped = 0;
        for (int i = 0; i < n; i++) {
            double value = read(src, srcOff + i * from.bytesPerElement(), from, fromScale);
            clamped += write(dst, dstOff + i * to.bytesPerElement(), to, value, toScale);
        }
        return clamped;
    }

    private static int fromFloat32(byte[] src, int srcOff, byte[] dst, int dstOff,
            VectorDataType to, int n, QuantizationScale toScale) {
        switch (to) {
            case FLOAT16:
                return float32ToHalfWidth(src, srcOff, dst, dstOff, n, true);
            case BFLOAT16:
                return float32ToHalfWidth(src, srcOff, dst, dstOff, n, false);
            case INT8:
            case UINT8:
                int clamped = 0;
                for (int i = 0; i < n; i++) {
                    float value = (float) FLOAT32.get(src, srcOff + 4 * i);
                    clamped += writeCode(dst, dstOff + i, value, toScale);
                }
                return clamped;
            default:
                for (int i = 0; i < n; i++) {
                    float value = (float) FLOAT32.get(src, srcOff + 4 * i);
                    FLOAT64.set(dst, dstOff + 8 * i, (double) value);
                }
                return 0;
        }
    }

    /**
     * FLOAT32 to FLOAT16 or BFLOAT16 a chunk at a time through plain int arrays. A chunk whose elements all round
     * the ordinary way (for FLOAT16: all in the normal half range and below 65520, the usual case for embeddings;
     * for BFLOAT16: no NaN, infinity or value that rounds to one) takes a loop without branches, which the JIT
     * compiles to SIMD instructions, and a second loop narrows the results to short (one loop doing both stays
     * scalar). Any other chunk goes element by element through
     * {@link Float16#fromFloat} or {@link BFloat16#fromFloat}. Both give the same bits: the branch-free loops call
     * those methods' ordinary paths, {@link Float16#normalRange} and {@link BFloat16#notNaN}. Returns how many finite
     * elements were beyond the target's range and became infinity (only the element-by-element path meets them).
     */
    private static int float32ToHalfWidth(byte[] src, int srcOff, byte[] dst, int dstOff, int n,
            boolean float16) {
        int overflowed = 0;
        Scratch scratch = SCRATCH.get();
        int[] bits = scratch.bits;
        int[] halves = scratch.halves;
        short[] packed = scratch.packed;
        for (int start = 0; start < n; start += Scratch.CHUNK) {
            int length = Math.min(Scratch.CHUNK, n - start);
            ByteBuffer.wrap(src, srcOff + 4 * start, 4 * length).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
                    .get(bits, 0, length);
            if (float16 ? float16Ordinary(bits, halves, length) : bfloat16Ordinary(bits, halves, length)) {
                for (int i = 0; i < length; i++) {
                    packed[i] = (short) halves[i];
                }
            } else {
                for (int i = 0; i < length; i++) {
                    float value = Float.intBitsToFloat(bits[i]);
                    packed[i] = float16 ? Float16.fromFloat(value) : BFloat16.fromFloat(value);
                    overflowed += overflow(value, packed[i], float16);
                }
            }
            ByteBuffer.wrap(dst, dstOff + 2 * start, 2 * length).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer()
                    .put(packed, 0, length);
        }
        return overflowed;
    }

    /** 1 when a finite value became infinity in FLOAT16 ({@code float16}) or BFLOAT16; else 0. */
    private static int overflow(double value, short half, boolean float16) {
        int infinity = float16 ? Float16.POSITIVE_INFINITY : BFloat16.POSITIVE_INFINITY;
        return Double.isFinite(value) && (half & 0x7fff) == infinity ? 1 : 0;
    }

    /**
     * Fills {@code halves} with the FLOAT16 bits if every element is in the normal half range and rounds to a finite
     * half (below 65520); else false.
     */
    private static boolean float16Ordinary(int[] bits, int[] halves, int length) {
        int outside = 0;
        for (int i = 0; i < length; i++) {
            int magnitude = bits[i] & 0x7fff_ffff;
            outside |= (magnitude - Float16.FLOAT_TWO_TO_MINUS_14) | (Float16.FLOAT_FIRST_OVERFLOW - 1 - magnitude);
        }
        if (outside < 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            halves[i] = Float16.normalRange(bits[i]);
        }
        return true;
    }

    /**
     * Fills {@code halves} with the BFLOAT16 bits if no element is a NaN, an infinity or a value that rounds to one;
     * else false.
     */
    private static boolean bfloat16Ordinary(int[] bits, int[] halves, int length) {
        int nan = 0;
        for (int i = 0; i < length; i++) {
            nan |= BFloat16.FLOAT_FIRST_OVERFLOW - 1 - (bits[i] & 0x7fff_ffff);
        }
        if (nan < 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            halves[i] = BFloat16.notNaN(bits[i]);
        }
        return true;
    }

    /** Per-thread work arrays of {@link #float32ToHalfWidth}, so converting allocates nothing. */
    private static final class Scratch {
        static final int CHUNK = 1024;
        final int[] bits = new int[CHUNK];
        final int[] halves = new int[CHUNK];
        final short[] packed = new short[CHUNK];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static void halfWidthToFloat32(byte[] src, int srcOff, VectorDataType from,
            byte[] dst, int dstOff, int n) {
        if (from == VectorDataType.FLOAT16) {
            for (int i = 0; i < n; i++) {
                short half = (short) INT16.get(src, srcOff + 2 * i);
                FLOAT32.set(dst, dstOff + 4 * i, Float16.toFloat(half));
            }
        } else {
            for (int i = 0; i < n; i++) {
                short bfloat = (short) INT16.get(src, srcOff + 2 * i);
                FLOAT32.set(dst, dstOff + 4 * i, BFloat16.toFloat(bfloat));
            }
        }
    }

    /** Encodes floats; returns how many elements could not be represented (see {@link #convert}). */
    static int encode(float[] src, int srcOff, VectorDataType to, byte[] dst, int dstOff, int n,
            QuantizationScale toScale) {
        switch (to) {
            case FLOAT32:
                for (int i = 0; i < n; i++) {
                    FLOAT32.set(dst, dstOff + 4 * i, src[srcOff + i]);
                }
                return 0;
            case FLOAT16:
            case BFLOAT16:
                int overflowed = 0;
                for (int i = 0; i < n; i++) {
                    short half = to == VectorDataType.FLOAT16 ? Float16.fromFloat(src[srcOff + i])
                            : BFloat16.fromFloat(src[srcOff + i]);
                    INT16.set(dst, dstOff + 2 * i, half);
                    overflowed += overflow(src[srcOff + i], half, to == VectorDataType.FLOAT16);
                }
                return overflowed;
            case INT8:
            case UINT8:
                int clamped = 0;
                for (int i = 0; i < n; i++) {
                    clamped += writeCode(dst, dstOff + i, src[srcOff + i], toScale);
                }
                return clamped;
            default:
                for (int i = 0; i < n; i++) {
                    write(dst, dstOff + i * to.bytesPerElement(), to, src[srcOff + i], null);
                }
                return 0;
        }
    }

    /** Decodes to floats, rounding only FLOAT64 values and dequantized integers. */
    static void decode(byte[] src, int srcOff, VectorDataType from, float[] dst, int dstOff,
            int n, QuantizationScale fromScale) {
        switch (from) {
            case FLOAT32:
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = (float) FLOAT32.get(src, srcOff + 4 * i);
                }
                break;
            case FLOAT16:
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Float16.toFloat((short) INT16.get(src, srcOff + 2 * i));
                }
                break;
            case BFLOAT16:
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = BFloat16.toFloat((short) INT16.get(src, srcOff + 2 * i));
                }
                break;
            default:
                for (int i = 0; i < n; i++) {
                    int offset = srcOff + i * from.bytesPerElement();
                    dst[dstOff + i] = (float) read(src, offset, from, fromScale);
                }
                break;
        }
    }

    private static double read(byte[] src, int offset, VectorDataType type,
            QuantizationScale scale) {
        switch (type) {
            case FLOAT64:
                return (double) FLOAT64.get(src, offset);
            case FLOAT32:
                return (float) FLOAT32.get(src, offset);
            case FLOAT16:
                return Float16.toFloat((short) INT16.get(src, offset));
            case BFLOAT16:
                return BFloat16.toFloat((short) INT16.get(src, offset));
            case INT8:
                return scale.dequantize(src[offset]);
            default:
                return scale.dequantize(src[offset] & 0xff);
        }
    }

    /** Writes one element; returns 1 if it had to be clamped, else 0. */
    private static int write(byte[] dst, int offset, VectorDataType type, double value,
            QuantizationScale scale) {
        switch (type) {
            case FLOAT64:
                FLOAT64.set(dst, offset, value);
                return 0;
            case FLOAT32:
                FLOAT32.set(dst, offset, (float) value);
                return 0;
            case FLOAT16:
                short half = Float16.fromDouble(value);
                INT16.set(dst, offset, half);
                return overflow(value, half, true);
            case BFLOAT16:
                short bfloat = BFloat16.fromDouble(value);
                INT16.set(dst, offset, bfloat);
                return overflow(value, bfloat, false);
            default:
                return writeCode(dst, offset, value, scale);
        }
    }

    private static int writeCode(byte[] dst, int offset, double value, QuantizationScale scale) {
        double code = scale.unclampedCode(value);
        if (scale.isInRange(code)) {
            dst[offset] = (byte) (int) code;
            return 0;
        }
        dst[offset] = (byte) scale.saturate(code);
        return 1;
    }
}
