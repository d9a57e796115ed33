package dev.slipway.internal.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which index names are Slipway versions of a served name ({@code name:vN}). */
class VersionNameTest {
    @Test
    void onlyTheNameColonVAndDigits() {
        assertThat(LiveIndexReader.isVersionName("products", "products:v1")).isTrue();
        assertThat(LiveIndexReader.isVersionName("products", "products:v12")).isTrue();
        assertThat(LiveIndexReader.isVersionName("a.b", "a.b:v3")).as("no pattern characters").isTrue();
        assertThat(LiveIndexReader.isVersionName("a.b", "axb:v3")).isFalse();
        assertThat(LiveIndexReader.isVersionName("products", "products:v")).isFalse();
        assertThat(LiveIndexReader.isVersionName("products", "products:v2x")).isFalse();
        assertThat(LiveIndexReader.isVersionName("products", "products")).isFalse();
        assertThat(LiveIndexReader.isVersionName("products", "products:v1:v2")).isFalse();
        assertThat(LiveIndexReader.isVersionName("products", "other:v1")).isFalse();
    }
}
