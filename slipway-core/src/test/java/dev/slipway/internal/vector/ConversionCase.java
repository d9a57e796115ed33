package dev.slipway.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One datatype pair with random source data, checked against bounds derived from the formats:
 * values are decoded exactly here, independently of the codec, and compared as doubles.
 */
final class ConversionCase {

    private static final int DIM = 256;

    private final VectorDataType from;
    private final VectorDataType to;
    private final byte[] source;
    private final QuantizationScale scale;
    private final double[] in;

    private ConversionCase(VectorDataType from, VectorDataType to, byte[] source,
            QuantizationScale scale) {
        this.from = from;
        this.to = to;
        this.source = source;
        this.scale = scale;
        this.in = exactValues(source, from, scale);
    }

    /** The plain case, plus a scaled one where an integer side takes a scale. */
    static List<ConversionCase> casesFor(VectorDataType from, VectorDataType to) {
        SplittableRandom random = new SplittableRandom(from.ordinal() * 31L + to.ordinal());
        byte[] source = randomSource(from, random);
        List<ConversionCase> cases = new ArrayList<>();
        if (from.isFloatingPoint() && !to.isFloatingPoint()) {
            double[] values = exactValues(source, from, null);
            float[] sample = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                sample[i] = (float) values[i];
            }
            cases.add(new ConversionCase(from, to, source,
                    QuantizationScale.fromSample(List.of(sample), to)));
            return cases;
        }
        cases.add(new ConversionCase(from, to, source, null));
        if (!from.isFloatingPoint() && to.isFloatingPoint()) {
            int zeroPoint = from == VectorDataType.UINT8 ? 128 : 0;
            cases.add(new ConversionCase(from, to, source,
                    QuantizationScale.of(from, 0.01, zeroPoint)));
        }
        return cases;
    }

    void assertForwardWithinBound() {
        byte[] converted = new byte[DIM * to.bytesPerElement()];
        int clamped = VectorCodec.convert(source, 0, from, converted, 0, to, DIM, scale);
        double[] out = exactValues(converted, to, scaleOf(to));
        boolean lossless = !from.isLossyTo(to) && scaleOf(from) == null;
        int inexact = 0;
        int outOfRange = 0;
        for (int i = 0; i < DIM; i++) {
            double expected = to.isFloatingPoint() || scale != null ? in[i] : clampToRange(in[i]);
            outOfRange += expected != in[i] ? 1 : 0;
            double error = Math.abs(out[i] - expected);
            inexact += error > 0 ? 1 : 0;
            assertThat(error).as("%s -> %s element %d: %s became %s", from, to, i, in[i], out[i])
                    .isLessThanOrEqualTo(lossless ? 0 : forwardBound(in[i]));
        }
        assertThat(clamped).as("%s -> %s clamped", from, to).isEqualTo(outOfRange);
        boolean losesPrecision = scaleOf(from) != null ? to != VectorDataType.FLOAT64
                : from.isFloatingPoint() && relativeHalfUlp(to) > relativeHalfUlp(from);
        if (to.isFloatingPoint() && losesPrecision) {
            // Random data must show the rounding that isLossyTo (or the scale) promises; range
            // loss (BFLOAT16 to FLOAT16) needs values this data avoids, see VectorCodecTest.
            assertThat(inexact).as("%s -> %s inexact elements", from, to).isPositive();
        }
    }

    void assertBackConversion() {
        byte[] converted = VectorCodec.convert(source, from, to, DIM, scale);
        boolean integerToFloat = !from.isFloatingPoint() && to.isFloatingPoint();
        // Going back to integers always needs a scale; for plain values that is the identity.
        QuantizationScale backScale = integerToFloat && scale == null
                ? QuantizationScale.identity(from) : scale;
        byte[] back = VectorCodec.convert(converted, to, from, DIM, backScale);
        if (integerToFloat) {
            // Even scaled codes come back exactly, as the float error stays under half a step;
            // only -128 becomes -127, as a derived INT8 scale is symmetric.
            byte[] expected = source.clone();
            for (int i = 0; i < expected.length; i++) {
                int code = from == VectorDataType.INT8 ? expected[i] : expected[i] & 0xff;
                expected[i] = (byte) Math.max(code, backScale.minCode());
            }
            assertThat(back).as("%s -> %s -> %s", from, to, from).isEqualTo(expected);
            return;
        }
        if (!from.isLossyTo(to)) {
            assertThat(back).as("%s -> %s -> %s", from, to, from).isEqualTo(source);
            return;
        }
        double[] result = exactValues(back, from, scaleOf(from));
        for (int i = 0; i < DIM; i++) {
            double expected = to.isFloatingPoint() || scale != null ? in[i] : clampToRange(in[i]);
            double bound = forwardBound(in[i]) + (Math.abs(in[i]) + forwardBound(in[i]))
                    * relativeHalfUlp(from);
            assertThat(Math.abs(result[i] - expected))
                    .as("%s -> %s -> %s element %d: %s became %s", from, to, from, i, in[i],
                            result[i])
                    .isLessThanOrEqualTo(bound);
        }
    }

    static byte[] float64Bytes(double... values) {
        ByteBuffer buffer = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double value : values) {
            buffer.putDouble(value);
        }
        return buffer.array();
    }

    private double forwardBound(double value) {
        if (to.isFloatingPoint()) {
            return Math.abs(value) * relativeHalfUlp(to);
        }
        // Half a quantization step, with room for the rounding of value / scale itself.
        return scale == null ? 0 : scale.scale() / 2 * (1 + 1e-9);
    }

    private QuantizationScale scaleOf(VectorDataType type) {
        return scale != null && scale.target() == type ? scale : null;
    }

    private double clampToRange(double value) {
        int min = to == VectorDataType.INT8 ? -128 : 0;
        int max = to == VectorDataType.INT8 ? 127 : 255;
        return Math.max(min, Math.min(max, value));
    }

    // Relative rounding error bound of a normal value: half an ulp, 2^-precision.
    private static double relativeHalfUlp(VectorDataType type) {
        switch (type) {
            case FLOAT64:
                return 0x1p-53;
            case FLOAT32:
                return 0x1p-24;
            case FLOAT16:
                return 0x1p-11;
            case BFLOAT16:
                return 0x1p-8;
            default:
                return 0;
        }
    }

    // Floating-point sources hold magnitudes in [2^-8, 2^8): normal in every format.
    private static byte[] randomSource(VectorDataType type, SplittableRandom random) {
        ByteBuffer buffer = ByteBuffer.allocate(DIM * type.bytesPerElement())
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < DIM; i++) {
            double value = Math.scalb(random.nextDouble(1, 2), random.nextInt(-8, 8))
                    * (random.nextBoolean() ? 1 : -1);
            switch (type) {
                case FLOAT64:
                    buffer.putDouble(value);
                    break;
                case FLOAT32:
                    buffer.putFloat((float) value);
                    break;
                case FLOAT16:
                    buffer.putShort(Float16.fromDouble(value));
                    break;
                case BFLOAT16:
                    buffer.putShort(BFloat16.fromDouble(value));
                    break;
                default:
                    buffer.put((byte) random.nextInt(256));
                    break;
            }
        }
        return buffer.array();
    }

    private static double[] exactValues(byte[] bytes, VectorDataType type,
            QuantizationScale scale) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        double[] values = new double[bytes.length / type.bytesPerElement()];
        for (int i = 0; i < values.length; i++) {
            values[i] = exactValue(buffer, type, scale);
        }
        return values;
    }

    private static double exactValue(ByteBuffer buffer, VectorDataType type,
            QuantizationScale scale) {
        switch (type) {
            case FLOAT64:
                return buffer.getDouble();
            case FLOAT32:
                return buffer.getFloat();
            case FLOAT16:
                return RoundingReference.float16Value(buffer.getShort() & 0xffff);
            case BFLOAT16:
                return RoundingReference.bfloat16Value(buffer.getShort() & 0xffff);
            default:
                int code = type == VectorDataType.INT8 ? buffer.get() : buffer.get() & 0xff;
                return scale == null ? code : scale.dequantize(code);
        }
    }
}
