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

    @Test
    void anEmptyKeyNamespaceIsBadUsage() {
        SlipwayException e = catchThrowableOfType(() -> Slipway.configure().keyNamespace(" "), SlipwayException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
    }
}
