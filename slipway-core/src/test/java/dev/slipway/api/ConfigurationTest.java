package dev.slipway.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConfigurationTest {

    @Test
    void aLockLeaseOutsideOneSecondToOneHourIsBadUsage() {
        for (Duration lease : new Duration[] {null, Duration.ZERO, Duration.ofMillis(999), Duration.ofMinutes(61)}) {
            SlipwayException e = catchThrowableOfType(() -> Slipway.configure().lockLease(lease),
                    SlipwayException.class);
            assertThat(e).as("lease %s", lease).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.getMessage()).contains("between 1 s and 1 h");
        }
        assertThat(Slipway.configure().lockLease(Duration.ofSeconds(1)).lockLease(Duration.ofHours(1)).load())
                .isNotNull();
    }

    @Test
    void aCommandTimeoutOutsideOneMillisecondToOneDayIsBadUsage() {
        for (Duration timeout : new Duration[] {null, Duration.ZERO, Duration.ofSeconds(-5), Duration.ofDays(30)}) {
            SlipwayException e = catchThrowableOfType(() -> Slipway.configure().commandTimeout(timeout),
                    SlipwayException.class);
            assertThat(e).as("timeout %s", timeout).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.getMessage()).contains("between 1 ms and 1 day");
        }
        assertThat(Slipway.configure().commandTimeout(Duration.ofMillis(1)).commandTimeout(Duration.ofDays(1)).load())
                .isNotNull();
    }

    @Test
    void anIndexingTimeoutThatIsNotPositiveIsBadUsage() {
        for (Duration timeout : new Duration[] {null, Duration.ZERO, Duration.ofSeconds(-1)}) {
            SlipwayException e = catchThrowableOfType(() -> new ApplyOptions(timeout, java.util.List.of()),
                    SlipwayException.class);
            assertThat(e).as("timeout %s", timeout).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.getMessage()).contains("must be a positive duration");
        }
        assertThat(new ApplyOptions(Duration.ofMillis(1), null).queryChecks()).isEmpty();
    }

    /**
     * A rate limit above the bound ({@code Integer.MAX_VALUE} meant as "no limit") is bad usage, before any change
     * (tester session 45 R40 F10: it passed, then the rewrite failed after the index was dropped), and the batch size
     * under the highest rate allowed is the batch size asked for.
     */
    @Test
    void aRateLimitAboveTheBoundIsBadUsage() {
        for (int rate : new int[] {-1, ApplyOptions.MAX_RATE_LIMIT + 1, Integer.MAX_VALUE}) {
            SlipwayException e = catchThrowableOfType(() -> RestoreOptions.DEFAULTS.withThroughput(5, rate),
                    SlipwayException.class);
            assertThat(e).as("rate %d", rate).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.getMessage()).contains("--rate-limit must be between 0 (no limit) and 10000000");
        }
        assertThat(ApplyOptions.batchSizeAt(500, ApplyOptions.MAX_RATE_LIMIT)).isEqualTo(500);
        assertThat(ApplyOptions.batchSizeAt(500, Integer.MAX_VALUE)).isBetween(1, 500);
        assertThat(ApplyOptions.batchSizeAt(300, 500)).isEqualTo(250);
    }

    @Test
    void anEmptyKeyNamespaceIsBadUsage() {
        SlipwayException e = catchThrowableOfType(() -> Slipway.configure().keyNamespace(" "), SlipwayException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
    }
}
