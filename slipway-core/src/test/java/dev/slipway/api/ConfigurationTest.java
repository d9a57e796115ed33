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
    void anEmptyKeyNamespaceIsBadUsage() {
        SlipwayException e = catchThrowableOfType(() -> Slipway.configure().keyNamespace(" "), SlipwayException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
    }
}
