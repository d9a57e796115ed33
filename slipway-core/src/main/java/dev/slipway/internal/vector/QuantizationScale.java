package dev.slipway.internal.vector;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The affine mapping between real values and the 8-bit codes of one INT8 or UINT8 vector field:
 * {@code code = rint(value / scale) + zeroPoint}, clamped to the type's code range, and
 * {@code value = scale * (code - zeroPoint)}.
 *
 * <p><b>One mapping per field, not per vector.</b> Redis compares the stored integers directly.
 * Quantizing each vector with its own min-max range would multiply and shift every vector
 * differently, and distances between documents would no longer follow distances between the
 * original vectors. With one mapping shared by every document (and by queries), every code vector
 * is the same affine image of its original, up to rounding:
 *
 * <ul>
 *   <li>INT8 uses a <em>symmetric</em> mapping, zero point 0 and scale {@code maxAbs / 127} over
 *       the whole sample. Codes are proportional to values, so L2, inner-product and cosine
 *       rankings are all preserved up to rounding. Codes stay in [-127, 127] so that negating a
 *       value negates its code; only the plain {@link #identity} mapping produces -128.
 *   <li>UINT8 uses <em>min-max</em> over the whole sample, with the range widened to include 0 so
 *       that 0.0 maps to an exact code (the zero point); making the zero point a whole code costs
 *       at most one of the 255 steps. A shift does not change L2 distances, so
 *       L2 ranking is preserved up to rounding. Inner product and cosine on the codes are only
 *       preserved when the sample has no negative values (zero point 0); for signed data with
 *       those metrics prefer INT8.
 * </ul>
 *
 * <p>The range comes from the sample's extreme values, so a single outlier widens the step for
 * everybody; build a mapping with {@link #of(VectorDataType, double, int)} to clip instead.
 * Values outside the sampled range are clamped to the nearest code, and NaN becomes the zero
 * point; both are counted in {@link #clampedElements()}, a thread-safe running total over every
 * conversion that used this instance, so a migration report can say how many elements did not
 * fit. Apart from that tally an instance is immutable.
 */
public final class QuantizationScale {

    private static final int INT8_LIMIT = 127;
    private static final int UINT8_MAX = 255;

    private final VectorDataType target;
    private final double scale;
    private final int zeroPoint;
    private final int minCode;
    private final int maxCode;
    private final LongAdder clamped = new LongAdder();

    private QuantizationScale(VectorDataType target, double scale, int zeroPoint) {
        this(target, scale, zeroPoint, target == VectorDataType.INT8 ? -INT8_LIMIT : 0);
    }

    private QuantizationScale(VectorDataType target, double scale, int zeroPoint, int minCode) {
        this.target = target;
        this.scale = scale;
        this.zeroPoint = zeroPoint;
        this.minCode = minCode;
        this.maxCode = target == VectorDataType.INT8 ? INT8_LIMIT : UINT8_MAX;
    }

    /**
     * Derives the field's mapping from a sample of its vectors (symmetric max-abs for INT8,
     * min-max including 0 for UINT8, see the class description). Non-finite elements are
     * ignored, since they cannot be quantized anyway.
     *
     * @param sample vectors of the field; iterated once
     * @param target {@link VectorDataType#INT8} or {@link VectorDataType#UINT8}
     * @return a mapping under which no finite sample element is clamped
     * @throws IllegalArgumentException if {@code target} is not an integer type or the sample has
     *     no finite element
     */
    public static QuantizationScale fromSample(Iterable<float[]> sample, VectorDataType target) {
        requireIntegerType(target);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float[] vector : sample) {
            for (float value : vector) {
                if (Float.isFinite(value)) {
                    min = Math.min(min, value);
                    max = Math.max(max, value);
                }
            }
        }
        if (min > max) {
            throw new IllegalArgumentException("Cannot derive a " + target.redisName()
                    + " scale: the sample has no finite vector element; sample some documents"
                    + " that hold the vector field");
        }
        return target == VectorDataType.INT8
                ? symmetric(Math.max(-min, max))
                : minMaxWithZero(Math.min(min, 0), Math.max(max, 0));
    }

    /**
     * Rebuilds a mapping from its parameters, for example from a reviewed migration plan.
     *
     * @param target {@link VectorDataType#INT8} or {@link VectorDataType#UINT8}
     * @param scale the real value of one code step; finite and positive
     * @param zeroPoint the code of 0.0; 0 for INT8, 0 to 255 for UINT8
     * @return the mapping, with a clamp tally of zero
     * @throws IllegalArgumentException if any parameter is out of range
     */
    public static QuantizationScale of(VectorDataType target, double scale, int zeroPoint) {
        requireIntegerType(target);
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("Quantization scale must be finite and positive,"
                    + " got " + scale);
        }
        QuantizationScale mapping = new QuantizationScale(target, scale, zeroPoint);
        if (zeroPoint < mapping.minCode || zeroPoint > mapping.maxCode
                || target == VectorDataType.INT8 && zeroPoint != 0) {
            throw new IllegalArgumentException("Zero point " + zeroPoint + " is not valid for "
                    + target.redisName() + "; INT8 is symmetric (zero point 0), UINT8 takes 0-255");
        }
        return mapping;
    }

    /**
     * The mapping under which codes are their plain numeric values (scale 1, zero point 0), used
     * when integers are converted without a known scale. For UINT8 negative values clamp to 0.
     *
     * @param target {@link VectorDataType#INT8} or {@link VectorDataType#UINT8}
     * @return a new identity mapping with its own clamp tally; its INT8 code range is the full
     *     -128 to 127, since plain values are not a symmetric quantization
     */
    public static QuantizationScale identity(VectorDataType target) {
        requireIntegerType(target);
        return new QuantizationScale(target, 1.0, 0, target == VectorDataType.INT8 ? -128 : 0);
    }

    /**
     * Returns the integer type this mapping produces.
     *
     * @return {@link VectorDataType#INT8} or {@link VectorDataType#UINT8}
     */
    public VectorDataType target() {
        return target;
    }

    /**
     * Returns the real value of one code step.
     *
     * @return a finite, positive step
     */
    public double scale() {
        return scale;
    }

    /**
     * Returns the code that represents 0.0.
     *
     * @return 0 for INT8; 0 to 255 for UINT8
     */
    public int zeroPoint() {
        return zeroPoint;
    }

    /**
     * Returns the smallest code this mapping produces.
     *
     * @return -127 for a derived INT8 mapping, -128 for the INT8 identity, 0 for UINT8
     */
    public int minCode() {
        return minCode;
    }

    /**
     * Returns the largest code this mapping produces.
     *
     * @return 127 for INT8, 255 for UINT8
     */
    public int maxCode() {
        return maxCode;
    }

    /**
     * Maps one value to its code, rounding ties to even and clamping. Does not add to
     * {@link #clampedElements()}; the bulk conversions in {@link VectorCodec} do.
     *
     * @param value any value
     * @return the code, in [{@link #minCode()}, {@link #maxCode()}]; the zero point for NaN
     */
    public int quantize(double value) {
        double code = unclampedCode(value);
        return isInRange(code) ? (int) code : saturate(code);
    }

    /**
     * Maps a code back to the value it stands for.
     *
     * @param code a code, normally in [{@link #minCode()}, {@link #maxCode()}]
     * @return {@code scale * (code - zeroPoint)}
     */
    public double dequantize(int code) {
        return scale * (code - zeroPoint);
    }

    /**
     * Returns how many elements were clamped (out of range or NaN) by bulk conversions that used
     * this instance, summed over all threads since it was created.
     *
     * @return the running total; 0 if nothing was clamped
     */
    public long clampedElements() {
        return clamped.sum();
    }

    /**
     * Describes the mapping.
     *
     * @return for example {@code "INT8 scale=0.0078125 zeroPoint=0"}
     */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s scale=%s zeroPoint=%d", target.redisName(),
                Double.toString(scale), zeroPoint);
    }

    // Split from quantize so the bulk loops can count clamping without a second comparison.
    double unclampedCode(double value) {
        return Math.rint(value / scale) + zeroPoint;
    }

    boolean isInRange(double code) {
        return code >= minCode && code <= maxCode;
    }

    int saturate(double code) {
        if (code > maxCode) {
            return maxCode;
        }
        return code < minCode ? minCode : zeroPoint;
    }

    void recordClamped(long count) {
        if (count > 0) {
            clamped.add(count);
        }
    }

    private static QuantizationScale symmetric(double maxAbs) {
        double step = maxAbs > 0 ? maxAbs / INT8_LIMIT : 1.0;
        return new QuantizationScale(VectorDataType.INT8, step, 0);
    }

    private static QuantizationScale minMaxWithZero(double low, double high) {
        if (low == high) {
            return new QuantizationScale(VectorDataType.UINT8, 1.0, 0);
        }
        // The zero point must be a whole code, so one side of zero gets slightly fewer codes
        // than its share of the range. Of the two neighbouring zero points, take the one whose
        // step is smaller: that costs at most one of the 255 steps.
        double exact = UINT8_MAX * (-low / (high - low));
        int below = (int) Math.floor(exact);
        int above = (int) Math.ceil(exact);
        double stepBelow = stepFitting(low, high, below);
        double stepAbove = stepFitting(low, high, above);
        return stepBelow <= stepAbove
                ? new QuantizationScale(VectorDataType.UINT8, stepBelow, below)
                : new QuantizationScale(VectorDataType.UINT8, stepAbove, above);
    }

    // The smallest step with which both ends land inside [0, 255] given this zero point.
    private static double stepFitting(double low, double high, int zero) {
        double up = high <= 0 ? 0
                : zero < UINT8_MAX ? high / (UINT8_MAX - zero) : Double.POSITIVE_INFINITY;
        double down = low >= 0 ? 0 : zero > 0 ? -low / zero : Double.POSITIVE_INFINITY;
        return Math.max(up, down);
    }

    private static void requireIntegerType(VectorDataType target) {
        Objects.requireNonNull(target, "target");
        if (target.isFloatingPoint()) {
            throw new IllegalArgumentException("A quantization scale maps to INT8 or UINT8, not "
                    + target.redisName());
        }
    }
}
