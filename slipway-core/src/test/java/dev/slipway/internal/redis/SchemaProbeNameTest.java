package dev.slipway.internal.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaProbeNameTest {
    @Test
    void aFreshNameIsAProbeOfItsIndexAndOfNoOther() {
        String name = SchemaProbeName.fresh("docs");

        assertThat(name).startsWith("slipway-probe:docs:");
        assertThat(SchemaProbeName.isProbeOf(name, "docs")).isTrue();
        assertThat(SchemaProbeName.isAnyProbe(name)).isTrue();
        assertThat(SchemaProbeName.isProbeOf(name, "doc")).isFalse();
        assertThat(SchemaProbeName.isAnyProbe(SchemaProbeName.fresh("a:b"))).as("an index name with a colon").isTrue();
    }

    /** A user's own index named like a probe but without the UUID is counted as the user's (tester R21 L5). */
    @Test
    void aUsersIndexThatOnlyBeginsLikeAProbeIsNotOne() {
        assertThat(SchemaProbeName.isAnyProbe("slipway-probe:mine")).isFalse();
        assertThat(SchemaProbeName.isAnyProbe("slipway-probe:docs:v1")).isFalse();
        assertThat(SchemaProbeName.isAnyProbe("slipway-probe:123e4567-e89b-12d3-a456-426614174000")).isFalse();
        assertThat(SchemaProbeName.isAnyProbe("slipway-probe:docs:123e4567-e89b-12d3-a456-426614174000"))
                .isTrue();
    }
}
