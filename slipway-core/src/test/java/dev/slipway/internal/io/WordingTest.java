package dev.slipway.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WordingTest {

    @Test
    void onlyOneTakesTheSingular() {
        assertThat(Wording.count(1, "change", "changes")).isEqualTo("1 change");
        assertThat(Wording.count(0, "change", "changes")).isEqualTo("0 changes");
        assertThat(Wording.count(2, "copy", "copies")).isEqualTo("2 copies");
    }
}
