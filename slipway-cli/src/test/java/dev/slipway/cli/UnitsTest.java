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
    void percent() {
        assertThat(Units.percent(0.42)).isEqualTo("42.0%");
        assertThat(Units.percent(1)).isEqualTo("100.0%");
    }
}
