package dev.slipway.internal.rewrite;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A datatype change's warning speaks of lost precision only when the vectors narrow (tester session 33 R15 L3). */
class DatatypeWarningTest {
    @Test
    void aNarrowingChangeWarnsOfLowerPrecision() {
        assertThat(RewritePlans.quantize("float16").warnings()).anySatisfy(w -> assertThat(w)
                .startsWith("The vector index will store lower-precision values").contains("KNN queries must pass"));
    }

    @Test
    void aWideningChangeDoesNotButStillNamesTheQueryVector() {
        assertThat(RewritePlans.quantize("float64").warnings()).noneMatch(w -> w.contains("lower-precision"))
                .anySatisfy(w -> assertThat(w).startsWith("KNN queries must pass their query vector"));
    }
}
