package dev.slipway.internal.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisEndpointDecodingTest {
    /** A '+' in the password is itself, as in other Redis clients (tester session 47 R42 T3 F1: read as a space). */
    @Test
    void aPlusInThePasswordStaysAPlus() {
        RedisEndpoint endpoint = RedisEndpoint.parse("redis://plus:pa+ss@127.0.0.1:6379");
        assertThat(endpoint.user()).contains("plus");
        assertThat(endpoint.password()).contains("pa+ss");
        assertThat(RedisEndpoint.parse("redis://u:pa%2Bss%20x@127.0.0.1").password()).contains("pa+ss x");
    }
}
