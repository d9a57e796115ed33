package dev.slipway.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BFloat16Test {

    private static final RoundingReference REFERENCE = RoundingReference.BFLOAT16;

    @Test
    void toFloatMatchesFieldArithmeticForEveryPattern() {
        for (int bits = 0; bits <= 0xffff; bits++) {
            float actual = BFloat16.toFloat((short) bits);
            double expected = RoundingReference.bfloat16Value(bits);
            if (Double.isNaN(expected)) {
                assertThat(Float.floatToRawIntBits(actual)).as("pattern %04x", bits)
                        .isEqualTo(bits << 16);
            } else {
                assertThat((double) actual).as("pattern %04x", bits).isEqualTo(expected);
            }
        }
    }

    @Test
    void everyPatternRoundTrips() {
        int nanPatterns = 0;
        for (int bits = 0; bits <= 0xffff; bits++) {
            short bfloat = (short) bits;
            short back = BFloat16.fromFloat(BFloat16.toFloat(bfloat));
            if (BFloat16.isNaN(bfloat)) {
                nanPatterns++;
                assertThat(BFloat16.isNaN(back)).as("pattern %04x", bits).isTrue();
                assertThat(back & 0x8000).isEqualTo(bits & 0x8000);
            } else {
                assertThat(back).as("pattern %04x", bits).isEqualTo(bfloat);
            }
        }
        assertThat(nanPatterns).isEqualTo(2 * 127);
    }

    @Test
    void halfwayPointsRoundToEvenAndNeighboursRoundToNearest() {
        // Up to and including the largest finite value (0x7f7f), whose upper neighbour is the
        // overflow point: halfway there ties to the even pattern, infinity.
        for (int low = 0; low <= 0x7f7f; low++) {
            float a = BFloat16.toFloat((short) low);
            double b = low == 0x7f7f ? 0x1p128 : BFloat16.toFloat((short) (low + 1));
            float mid = (float) ((a + b) / 2);
            int even = (low & 1) == 0 ? low : low + 1;
            assertThat((double) mid).isEqualTo((a + b) / 2);
            assertRoundsTo(mid, even);
            assertRoundsTo(-mid, even | 0x8000);
            assertRoundsTo(Math.nextDown(mid), low);
            assertRoundsTo(Math.nextUp(mid), low + 1);
        }
    }

    @Test
    void specialValues() {
        assertRoundsTo(1.0f, 0x3f80);
        assertRoundsTo(Float.MAX_VALUE, 0x7f80);
        assertRoundsTo(Float.POSITIVE_INFINITY, 0x7f80);
        assertRoundsTo(Float.NEGATIVE_INFINITY, 0xff80);
        assertRoundsTo(-0.0f, 0x8000);
        assertRoundsTo(Float.MIN_VALUE, 0x0000);
        assertRoundsTo(0x1p-133f, 0x0001);
        assertThat(BFloat16.fromFloat(Float.intBitsToFloat(0x7fff_ffff))).isEqualTo((short) 0x7fff);
        assertThat(BFloat16.fromFloat(Float.intBitsToFloat(0x7f80_0001))).isEqualTo((short) 0x7fc0);
        assertThat(BFloat16.fromFloat(Float.intBitsToFloat(0xffbf_8000))).isEqualTo((short) 0xffff);
    }

    @Test
    void noFloatNaNBecomesInfinityOrLosesItsSign() {
        int firstBroken = -1;
        for (int mantissa = 1; mantissa <= 0x7f_ffff && firstBroken < 0; mantissa++) {
            short positive = BFloat16.fromFloat(Float.intBitsToFloat(0x7f80_0000 | mantissa));
            short negative = BFloat16.fromFloat(Float.intBitsToFloat(0xff80_0000 | mantissa));
            boolean ok = BFloat16.isNaN(positive) && BFloat16.isNaN(negative) && positive > 0
                    && negative < 0;
            firstBroken = ok ? -1 : mantissa;
        }
        assertThat(firstBroken).as("first float NaN mantissa not kept as a signed NaN")
                .isEqualTo(-1);
    }

    @Test
    void randomFloatsMatchTheReference() {
        SplittableRandom random = new SplittableRandom(99L);
        for (int i = 0; i < 2_000_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value)) {
                continue;
            }
            int expected = REFERENCE.round(value);
            if ((BFloat16.fromFloat(value) & 0xffff) != expected) {
                assertRoundsTo(value, expected);
            }
        }
    }

    @Test
    void fromDoubleRoundsOnce() {
        double justAboveHalfway = 1 + 0x1p-8 + 0x1p-40;
        assertThat(BFloat16.fromFloat((float) justAboveHalfway)).isEqualTo((short) 0x3f80);
        assertThat(BFloat16.fromDouble(justAboveHalfway)).isEqualTo((short) 0x3f81);
        assertThat(BFloat16.fromDouble(1 + 0x1p-8)).isEqualTo((short) 0x3f80);
        assertThat(BFloat16.fromDouble(1e300)).isEqualTo(BFloat16.POSITIVE_INFINITY);
        assertThat(BFloat16.fromDouble(-Double.NaN)).matches(BFloat16::isNaN);
        SplittableRandom random = new SplittableRandom(3L);
        for (int i = 0; i < 500_000; i++) {
            double value = Math.scalb(random.nextDouble(1, 2), random.nextInt(-140, 129));
            if ((BFloat16.fromDouble(value) & 0xffff) != REFERENCE.round(value)) {
                assertThat(BFloat16.fromDouble(value) & 0xffff)
                        .as("fromDouble(%s)", Double.toHexString(value))
                        .isEqualTo(REFERENCE.round(value));
            }
        }
    }

    private static void assertRoundsTo(float value, int expectedBits) {
        assertThat(Integer.toHexString(BFloat16.fromFloat(value) & 0xffff))
                .as("fromFloat(%s)", Float.toHexString(value))
                .isEqualTo(Integer.toHexString(expectedBits));
        assertThat(REFERENCE.round(value)).as("reference for %s", Float.toHexString(value))
                .isEqualTo(expectedBits);
    }
}
