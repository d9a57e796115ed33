package dev.slipway.internal.vector;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A Redis Search vector element type, as written after {@code TYPE} in a {@code VECTOR} field
 * definition. Redis stores a HASH vector as the little-endian bytes of its elements.
 *
 * <p>Each floating-point type is described by its significand precision and exponent range, and
 * each integer type by its value range, so that {@link #isLossyTo(VectorDataType)} is derived
 * from what the formats can hold rather than kept as a hand-written table.
 */
public enum VectorDataType {
    /** IEEE 754 binary64. */
    FLOAT64(8, 53, 1023),
    /** IEEE 754 binary32. */
    FLOAT32(4, 24, 127),
    /** IEEE 754 binary16: 11-bit significand, largest finite value 65504. */
    FLOAT16(2, 11, 15),
    /** The top 16 bits of a binary32: binary32's range with an 8-bit significand. */
    BFLOAT16(2, 8, 127),
    /** Signed byte, -128 to 127. */
    INT8(-128, 127),
    /** Unsigned byte, 0 to 255. */
    UINT8(0, 255);

    private final int bytesPerElement;
    private final boolean floatingPoint;
    // Floating-point types: significand bits (with the implicit bit) and largest exponent. With
    // IEEE-style subnormals these also fix the smallest subnormal (its exponent is
    // 2 - maxExponent - precision), so precision and range cover every representable value.
    // Integer types: smallest and largest value.
    private final int precision;
    private final int maxExponent;
    private final int minValue;
    private final int maxValue;

    VectorDataType(int bytesPerElement, int precision, int maxExponent) {
        this.bytesPerElement = bytesPerElement;
        this.floatingPoint = true;
        this.precision = precision;
        this.maxExponent = maxExponent;
        this.minValue = 0;
        this.maxValue = 0;
    }

    VectorDataType(int minValue, int maxValue) {
        this.bytesPerElement = 1;
        this.floatingPoint = false;
        this.precision = 0;
        this.maxExponent = 0;
        this.minValue = minValue;
        this.maxValue = maxValue;
    }

    /**
     * Returns the size of one element in bytes.
     *
     * @return 8, 4, 2 or 1
     */
    public int bytesPerElement() {
        return bytesPerElement;
    }

    /**
     * Tells whether this is one of the floating-point types.
     *
     * @return true for FLOAT64, FLOAT32, FLOAT16 and BFLOAT16; false for INT8 and UINT8
     */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * Returns the name Redis uses for this type in {@code FT.CREATE} and {@code FT.INFO}.
     *
     * @return the upper-case name, for example {@code "FLOAT32"}
     */
    public String redisName() {
        return name();
    }

    /**
     * Parses a Redis vector type name, ignoring case and surrounding blanks.
     *
     * @param name a name such as {@code "float32"} or {@code "FLOAT32"}
     * @return the matching type
     * @throws IllegalArgumentException if {@code name} is null or names no type; the message lists
     *     the valid names
     */
    public static VectorDataType parse(String name) {
        String wanted = name == null ? "" : name.strip().toUpperCase(Locale.ROOT);
        for (VectorDataType type : values()) {
            if (type.redisName().equals(wanted)) {
                return type;
            }
        }
        String valid = Arrays.stream(values()).map(VectorDataType::redisName)
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException("Unknown vector data type '" + name
                + "'; expected one of " + valid + " (case does not matter)");
    }

    /**
     * Tells whether converting values of this type to {@code target} can change some of them.
     *
     * <p>Integer types are judged by their plain numeric values: INT8 to FLOAT16 is not lossy
     * because every integer from -128 to 255 is exact in every floating-point type here. Every
     * floating-point to integer conversion is lossy. Note that dequantizing integers with a
     * {@link QuantizationScale} multiplies them by a scale, and the products may still need
     * rounding in a narrow floating-point target.
     *
     * @param target the type to convert to
     * @return false if every value of this type is exactly representable in {@code target}
     *     (always false for {@code target == this}); true otherwise
     */
    public boolean isLossyTo(VectorDataType target) {
        if (floatingPoint && target.floatingPoint) {
            return target.precision < precision || target.maxExponent < maxExponent;
        }
        if (floatingPoint) {
            return true;
        }
        if (target.floatingPoint) {
            // Integers up to 2^precision are exact; the largest integer magnitude here is 255.
            int largestMagnitude = Math.max(-minValue, maxValue);
            return largestMagnitude > (1 << target.precision);
        }
        return target.minValue > minValue || target.maxValue < maxValue;
    }
}
