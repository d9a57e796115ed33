package dev.slipway.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Float16Test {

    private static final RoundingReference REFERENCE = RoundingReference.FLOAT16;

    @Test
    void toFloatMatchesFieldArithmeticForEveryPattern() {
        for (int bits = 0; bits <= 0xffff; bits++) {
            float actual = Float16.toFloat((short) bits);
            double expected = RoundingReference.float16Value(bits);
            if (Double.isNaN(expected)) {
                int floatBits = Float.floatToRawIntBits(actual);
                assertThat(Float.isNaN(actual)).as("pattern %04x", bits).isTrue();
                assertThat(floatBits >>> 31).as("sign of %04x", bits).isEqualTo(bits >>> 15);
                assertThat((floatBits >>> 13) & 0x3ff).as("payload of %04x", bits)
                        .isEqualTo(bits & 0x3ff);
            } else {
                // Double.equals tells -0.0 from 0.0, so the sign of zero is checked too.
                assertThat((double) actual).as("pattern %04x", bits).isEqualTo(expected);
            }
        }
    }

    @Test
    void fromFloatInvertsToFloatForEveryPattern() {
        int nanPatterns = 0;
        for (int bits = 0; bits <= 0xffff; bits++) {
            short half = (short) bits;
            short back = Float16.fromFloat(Float16.toFloat(half));
            if (Float16.isNaN(half)) {
                nanPatterns++;
                assertThat(Float16.isNaN(back)).as("pattern %04x", bits).isTrue();
                assertThat(back & 0x8000).isEqualTo(bits & 0x8000);
            } else {
                assertThat(back).as("pattern %04x", bits).isEqualTo(half);
            }
        }
        assertThat(nanPatterns).isEqualTo(2 * 1023);
    }

    @Test
    void halfwayPointsRoundToEvenAndNeighboursRoundToNearest() {
        // Adjacent positive patterns have adjacent values, including across the subnormal
        // boundary and up to the largest finite value; the midpoint of two halves needs 12
        // significant bits, so it is an exact float.
        for (int low = 0; low < 0x7bff; low++) {
            float a = Float16.toFloat((short) low);
            float b = Float16.toFloat((short) (low + 1));
            float mid = (a + b) / 2;
            int even = (low & 1) == 0 ? low : low + 1;
            assertThat((double) mid).isEqualTo(((double) a + b) / 2);
            assertRoundsTo(mid, even);
            assertRoundsTo(-mid, even | 0x8000);
            assertRoundsTo(Math.nextDown(mid), low);
            assertRoundsTo(Math.nextUp(mid), low + 1);
            assertRoundsTo(-Math.nextUp(mid), (low + 1) | 0x8000);
        }
    }

    @Test
    void largestFiniteAndOverflowThreshold() {
        assertRoundsTo(65504f, 0x7bff);
        assertRoundsTo(65519.99f, 0x7bff);
        assertRoundsTo(Math.nextDown(65520f), 0x7bff);
        assertRoundsTo(65520f, 0x7c00);
        assertRoundsTo(-65520f, 0xfc00);
        assertRoundsTo(65535f, 0x7c00);
        assertRoundsTo(Float.MAX_VALUE, 0x7c00);
        assertRoundsTo(Float.POSITIVE_INFINITY, 0x7c00);
        assertRoundsTo(Float.NEGATIVE_INFINITY, 0xfc00);
    }

    @Test
    void subnormalsAndZeros() {
        assertRoundsTo(0x1p-24f, 0x0001);
        assertRoundsTo(0x1p-25f, 0x0000);
        assertRoundsTo(Math.nextUp(0x1p-25f), 0x0001);
        assertRoundsTo(-0x1p-25f, 0x8000);
        assertRoundsTo(0x3p-25f, 0x0002);
        assertRoundsTo(0x1p-14f, 0x0400);
        assertRoundsTo(Math.nextDown(0x1p-14f), 0x0400);
        assertRoundsTo(0x3ffp-24f, 0x03ff);
        assertRoundsTo(Float.MIN_VALUE, 0x0000);
        assertRoundsTo(0.0f, 0x0000);
        assertRoundsTo(-0.0f, 0x8000);
    }

    @Test
    void nanKeepsSignAndTopPayloadAndIsQuiet() {
        assertRoundsTo(Float.intBitsToFloat(0x7f80_0001), 0x7e00);
        assertRoundsTo(Float.intBitsToFloat(0xff80_1fff), 0xfe00);
        assertRoundsTo(Float.intBitsToFloat(0x7fc0_0000), 0x7e00);
        assertRoundsTo(Float.intBitsToFloat(0x7fa0_2000), 0x7f01);
        assertRoundsTo(Float.intBitsToFloat(0x7fff_ffff), 0x7fff);
    }

    @Test
    void everyFloatNaNStaysNaNWithItsSign() {
        int firstBroken = -1;
        for (int mantissa = 1; mantissa <= 0x7f_ffff && firstBroken < 0; mantissa++) {
            short positive = Float16.fromFloat(Float.intBitsToFloat(0x7f80_0000 | mantissa));
            short negative = Float16.fromFloat(Float.intBitsToFloat(0xff80_0000 | mantissa));
            boolean ok = Float16.isNaN(positive) && Float16.isNaN(negative) && positive > 0
                    && negative < 0 && (positive & 0x0200) != 0;
            firstBroken = ok ? -1 : mantissa;
        }
        assertThat(firstBroken).as("first float NaN mantissa not kept as a signed quiet NaN")
                .isEqualTo(-1);
    }

    @Test
    void fiveMillionRandomFloatsMatchTheReference() {
        SplittableRandom random = new SplittableRandom(20240611L);
        int checked = 0;
        for (int i = 0; i < 5_000_000; i++) {
            float value = (i & 1) == 0 ? anyFloat(random) : floatNearHalfRange(random);
            if (Float.isNaN(value)) {
                continue;
            }
            int expected = REFERENCE.round(value);
            int actual = Float16.fromFloat(value) & 0xffff;
            if (actual != expected) {
                assertThat(Integer.toHexString(actual))
                        .as("fromFloat(%s)", Float.toHexString(value))
                        .isEqualTo(Integer.toHexString(expected));
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(4_990_000);
    }

    @Test
    void fromDoubleRoundsOnceAndMatchesTheReference() {
        // Rounding through float would lose the 2^-40 and then break a false tie down to 1.0.
        double justAboveHalfway = 1 + 0x1p-11 + 0x1p-40;
        assertThat(Float16.fromFloat((float) justAboveHalfway)).isEqualTo((short) 0x3c00);
        assertThat(Float16.fromDouble(justAboveHalfway)).isEqualTo((short) 0x3c01);
        assertThat(Float16.fromDouble(1 + 0x1p-11)).isEqualTo((short) 0x3c00);
        assertThat(Float16.fromDouble(65520 - 0x1p-30)).isEqualTo((short) 0x7bff);
        assertThat(Float16.fromDouble(Double.NaN)).matches(Float16::isNaN);

        SplittableRandom random = new SplittableRandom(7L);
        for (int i = 0; i < 1_000_000; i++) {
            double value = Math.scalb(random.nextDouble(1, 2), random.nextInt(-27, 17))
                    * (random.nextBoolean() ? 1 : -1);
            int expected = REFERENCE.round(value);
            if ((Float16.fromDouble(value) & 0xffff) != expected) {
                assertThat(Float16.fromDouble(value) & 0xffff)
                        .as("fromDouble(%s)", Double.toHexString(value)).isEqualTo(expected);
            }
        }
    }

    private static float anyFloat(SplittableRandom random) {
        return Float.intBitsToFloat(random.nextInt());
    }

    // Exponents from just below the subnormal range to just past overflow, where all the
    // interesting rounding happens; uniform bit patterns mostly land far outside it.
    private static float floatNearHalfRange(SplittableRandom random) {
        int exponent = random.nextInt(-27, 17) + 127;
        int bits = exponent << 23 | random.nextInt(1 << 23) | (random.nextBoolean() ? 1 << 31 : 0);
        return Float.intBitsToFloat(bits);
    }

    private static void assertRoundsTo(float value, int expectedBits) {
        assertThat(Integer.toHexString(Float16.fromFloat(value) & 0xffff))
                .as("fromFloat(%s)", Float.toHexString(value))
                .isEqualTo(Integer.toHexString(expectedBits));
        if (!Float.isNaN(value)) {
            // Keeps the oracle honest: the random comparison relies on it.
            assertThat(REFERENCE.round(value)).as("reference for %s", Float.toHexString(value))
                    .isEqualTo(expectedBits);
        }
    }
}
