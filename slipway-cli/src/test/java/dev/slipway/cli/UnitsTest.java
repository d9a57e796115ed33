package dev.slipway.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UnitsTest {
    @Test
    void bytes() {
        assertThat(Units.bytes(0)).isEqualTo("0 B");
        assertThat(Units.bytes(1023)).isEqualTo("1023 B");
        assertThat(Units.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Units.bytes(5L * 1024 * 1024 * 1024)).isEqualTo("5.0 GiB");
    }

    @Test
    void durations() {
        assertThat(Units.millis(850)).isEqualTo("850 ms");
        assertThat(Units.millis(12_340)).isEqualTo("12.3 s");
        assertThat(Units.seconds(245)).isEqualTo("4 min 5 s");
        assertThat(Units.seconds(7380)).isEqualTo("2 h 3 min");
    }

    @Test
    void timeLeftIsInWholeSeconds() {
        assertThat(Units.eta(0)).isEqualTo("0 s");
        assertThat(Units.eta(15.8)).isEqualTo("16 s");
        assertThat(Units.eta(59.4)).isEqualTo("59 s");
        assertThat(Units.eta(59.6)).isEqualTo("1 min 0 s");
        assertThat(Units.eta(9990)).isEqualTo("2 h 46 min");
    }

    @Test
    void rates() {
        assertThat(Units.rate(2400.4, "docs")).isEqualTo("2400 docs/s");
        assertThat(Units.rate(0.5, "docs")).isEqualTo("0.5 docs/s");
        assertThat(Units.rate(12, "")).isEqualTo("12/s");
    }

    @Test
    void percent() {
        assertThat(Units.percent(0.42)).isEqualTo("42.0%");
        assertThat(Units.percent(1)).isEqualTo("100.0%");
    }
}
