package dev.slipway.internal.vector;

import java.util.Objects;

/**
 * Converts, decodes and encodes Redis vector field values: the little-endian bytes of the
 * elements, as stored in a HASH field.
 *
 * <p><b>Rounding.</b> Narrowing between floating-point types rounds once, to nearest with ties
 * to even (FLOAT64 to FLOAT16 or BFLOAT16 too, without the double rounding of going through
 * float). Widening is exact.
 *
 * <p><b>Integers and scales.</b> The {@code scale} argument belongs to the integer side of a
 * conversion whose type equals {@link QuantizationScale#target()}. Floating-point to INT8 or
 * UINT8 needs a scale, because a guessed one would silently flatten the field (see
 * {@link QuantizationScale#fromSample}). Reading INT8 or UINT8 with a scale dequantizes; without
 * one, and for an integer side the scale does not belong to, codes are their plain numeric
 * values. Clamped elements are added to the scale's {@link QuantizationScale#clampedElements()}
 * and also returned by the methods that write into a caller's array.
 *
 * <p><b>Hot path.</b> The overloads with offsets write into a caller-provided array and allocate
 * nothing, so a batch of vectors can be converted through one reusable buffer.
 */
public final class VectorCodec {

    private static final QuantizationScale PLAIN_INT8 =
            QuantizationScale.identity(VectorDataType.INT8);
    private static final QuantizationScale PLAIN_UINT8 =
            QuantizationScale.identity(VectorDataType.UINT8);

    private VectorCodec() {
    }

    /**
     * Converts a stored vector to another datatype.
     *
     * @param source the vector's bytes in {@code from}
     * @param from the source datatype
     * @param to the target datatype
     * @param scale the mapping of the INT8/UINT8 side, or null (see the class description)
     * @return a new array holding the same number of elements in {@code to}
     * @throws IllegalArgumentException if {@code source} is not a whole number of elements, a
     *     needed scale is missing or the scale is for another type
     */
    public static byte[] convert(byte[] source, VectorDataType from, VectorDataType to,
            QuantizationScale scale) {
        int elements = elementCount(source, from);
        byte[] target = new byte[elements * to.bytesPerElement()];
        convert(source, 0, from, target, 0, to, elements, scale);
        return target;
    }

    /**
     * Converts a stored vector to another datatype, checking it has the field's dimension.
     *
     * @param source the vector's bytes in {@code from}
     * @param from the source datatype
     * @param to the target datatype
     * @param dim the field's {@code DIM}
     * @param scale the mapping of the INT8/UINT8 side, or null (see the class description)
     * @return a new array of {@code dim * to.bytesPerElement()} bytes
     * @throws IllegalArgumentException if {@code source} is not {@code dim} elements long, a
     *     needed scale is missing or the scale is for another type
     */
    public static byte[] convert(byte[] source, VectorDataType from, VectorDataType to, int dim,
            QuantizationScale scale) {
        requireDimension(source, from, dim);
        return convert(source, from, to, scale);
    }

    /**
     * Converts {@code elements} elements into a caller-provided array, allocating nothing.
     *
     * @param source bytes in {@code from}
     * @param sourceOffset index of the first source byte
     * @param from the source datatype
     * @param target the array to write to
     * @param targetOffset index of the first target byte
     * @param to the target datatype
     * @param elements how many elements to convert
     * @param scale the mapping of the INT8/UINT8 side, or null (see the class description)
     * @return how many elements could not be represented: clamped to an integer target's range
     *     (or NaN going to an integer type), or, for FLOAT16 and BFLOAT16 targets, finite values
     *     beyond the target's range that became infinity (IEEE rounding, as every converter
     *     does); only integer clamps go to the scale's tally
     * @throws IllegalArgumentException if a range does not fit its array, a needed scale is
     *     missing or the scale is for another type
     */
    public static int convert(byte[] source, int sourceOffset, VectorDataType from, byte[] target,
            int targetOffset, VectorDataType to, int elements, QuantizationScale scale) {
        requireRange("source", source, sourceOffset, elements, from);
        requireRange("target", target, targetOffset, elements, to);
        requireScaleFits(scale, from, to);
        QuantizationScale toScale = encodeScale(from, to, scale);
        int clamped = VectorKernels.convert(source, sourceOffset, from, target, targetOffset, to,
                elements, decodeScale(from, scale), toScale);
        recordClamped(toScale, scale, clamped);
        return clamped;
    }

    /**
     * Decodes a stored vector to floats, with INT8/UINT8 codes as their plain numeric values.
     *
     * @param source the vector's bytes
     * @param type their datatype
     * @return the elements; FLOAT64 values are rounded to the nearest float
     * @throws IllegalArgumentException if {@code source} is not a whole number of elements
     */
    public static float[] decode(byte[] source, VectorDataType type) {
        return decode(source, type, null);
    }

    /**
     * Decodes a stored vector to floats, dequantizing INT8/UINT8 codes with {@code scale}.
     *
     * @param source the vector's bytes
     * @param type their datatype
     * @param scale the field's mapping for an integer {@code type}, or null for plain values
     * @return the elements; FLOAT64 values and dequantized codes are rounded to nearest float
     * @throws IllegalArgumentException if {@code source} is not a whole number of elements or the
     *     scale is for another type
     */
    public static float[] decode(byte[] source, VectorDataType type, QuantizationScale scale) {
        float[] vector = new float[elementCount(source, type)];
        decode(source, 0, type, vector, 0, vector.length, scale);
        return vector;
    }

    /**
     * Decodes {@code elements} elements into a caller-provided float array, allocating nothing.
     *
     * @param source bytes in {@code type}
     * @param sourceOffset index of the first source byte
     * @param type the source datatype
     * @param target the array to write to
     * @param targetOffset index of the first target element
     * @param elements how many elements to decode
     * @param scale the field's mapping for an integer {@code type}, or null for plain values
     * @throws IllegalArgumentException if a range does not fit its array or the scale is for
     *     another type
     */
    public static void decode(byte[] source, int sourceOffset, VectorDataType type,
            float[] target, int targetOffset, int elements, QuantizationScale scale) {
        requireRange("source", source, sourceOffset, elements, type);
        Objects.requireNonNull(target, "target");
        requireFits("target", target.length, targetOffset, elements, 1, "float");
        requireScaleFits(scale, type, type);
        VectorKernels.decode(source, sourceOffset, type, target, targetOffset, elements,
                decodeScale(type, scale));
    }

    /**
     * Encodes floats as a stored vector.
     *
     * @param vector the elements
     * @param type the datatype to store
     * @param scale the field's mapping, required for INT8/UINT8 and otherwise null
     * @return a new array of {@code vector.length * type.bytesPerElement()} bytes
     * @throws IllegalArgumentException if {@code type} is an integer type and {@code scale} is
     *     null, or the scale is for another type
     */
    public static byte[] encode(float[] vector, VectorDataType type, QuantizationScale scale) {
        byte[] target = new byte[vector.length * type.bytesPerElement()];
        encode(vector, 0, type, target, 0, vector.length, scale);
        return target;
    }

    /**
     * Encodes {@code elements} floats into a caller-provided array, allocating nothing.
     *
     * @param vector the elements
     * @param vectorOffset index of the first element
     * @param type the datatype to store
     * @param target the array to write to
     * @param targetOffset index of the first target byte
     * @param elements how many elements to encode
     * @param scale the field's mapping, required for INT8/UINT8 and otherwise null
     * @return how many elements could not be represented (see {@link #convert(byte[], int,
     *     VectorDataType, byte[], int, VectorDataType, int, QuantizationScale)})
     * @throws IllegalArgumentException if a range does not fit its array, {@code type} is an
     *     integer type and {@code scale} is null, or the scale is for another type
     */
    public static int encode(float[] vector, int vectorOffset, VectorDataType type, byte[] target,
            int targetOffset, int elements, QuantizationScale scale) {
        Objects.requireNonNull(vector, "vector");
        requireFits("vector", vector.length, vectorOffset, elements, 1, "float");
        requireRange("target", target, targetOffset, elements, type);
        requireScaleFits(scale, type, type);
        QuantizationScale toScale = encodeScale(VectorDataType.FLOAT32, type, scale);
        int clamped = VectorKernels.encode(vector, vectorOffset, type, target, targetOffset,
                elements, toScale);
        recordClamped(toScale, scale, clamped);
        return clamped;
    }

    /**
     * Returns how many elements a stored vector holds.
     *
     * @param source the vector's bytes
     * @param type their datatype
     * @return {@code source.length / type.bytesPerElement()}
     * @throws IllegalArgumentException if the length is not a multiple of the element size
     */
    public static int elementCount(byte[] source, VectorDataType type) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        int size = type.bytesPerElement();
        if (source.length % size != 0) {
            throw new IllegalArgumentException("Vector of " + source.length + " bytes is not a"
                    + " whole number of " + type.redisName() + " elements (" + size + " bytes"
                    + " each); the stored value does not match the field's TYPE");
        }
        return source.length / size;
    }

    private static void requireDimension(byte[] source, VectorDataType type, int dim) {
        long expected = (long) dim * type.bytesPerElement();
        if (dim <= 0 || source.length != expected) {
            throw new IllegalArgumentException("Vector of " + source.length + " bytes does not"
                    + " hold DIM " + dim + " " + type.redisName() + " elements (expected "
                    + expected + " bytes); the stored value does not match the field's DIM");
        }
    }

    private static void requireRange(String name, byte[] array, int offset, int elements,
            VectorDataType type) {
        Objects.requireNonNull(array, name);
        Objects.requireNonNull(type, "type");
        requireFits(name, array.length, offset, elements, type.bytesPerElement(),
                type.redisName());
    }

    private static void requireFits(String name, int length, int offset, int elements, int size,
            String unit) {
        long end = (long) offset + (long) elements * size;
        if (offset < 0 || elements < 0 || end > length) {
            throw new IllegalArgumentException("The " + name + " array of length " + length
                    + " has no room for " + elements + " " + unit + " elements at offset "
                    + offset + " (needs " + ((long) elements * size) + " from there)");
        }
    }

    private static void requireScaleFits(QuantizationScale scale, VectorDataType from,
            VectorDataType to) {
        if (scale != null && scale.target() != from && scale.target() != to) {
            throw new IllegalArgumentException("The quantization scale is for "
                    + scale.target().redisName() + ", but the conversion is " + from.redisName()
                    + " to " + to.redisName() + "; pass null or the scale of the integer side");
        }
    }

    private static QuantizationScale decodeScale(VectorDataType from, QuantizationScale scale) {
        if (from.isFloatingPoint()) {
            return null;
        }
        return scale != null && scale.target() == from ? scale : plain(from);
    }

    private static QuantizationScale encodeScale(VectorDataType from, VectorDataType to,
            QuantizationScale scale) {
        if (to.isFloatingPoint()) {
            return null;
        }
        if (scale != null && scale.target() == to) {
            return scale;
        }
        if (!from.isFloatingPoint()) {
            return plain(to);
        }
        throw new IllegalArgumentException("Converting " + from.redisName() + " to "
                + to.redisName() + " needs a quantization scale; derive one for the field with"
                + " QuantizationScale.fromSample over a sample of its vectors");
    }

    private static QuantizationScale plain(VectorDataType type) {
        return type == VectorDataType.INT8 ? PLAIN_INT8 : PLAIN_UINT8;
    }

    private static void recordClamped(QuantizationScale used, QuantizationScale callers,
            int clamped) {
        // The shared plain mappings are never handed out, so their tally is not kept.
        if (used != null && used == callers) {
            callers.recordClamped(clamped);
        }
    }
}
