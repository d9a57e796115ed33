package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What a refused connection says (port 1 on loopback: nothing listens there). */
class UnreachableServerTest {
    @Test
    void aRefusedConnectionSaysSoNotTheClientLibrarysDnsWording() {
        SlipwayException e = catchThrowableOfType(() -> RedisSession.open(RedisEndpoint.parse("redis://127.0.0.1:1"),
                1000), SlipwayException.class);

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.REDIS_UNAVAILABLE);
        assertThat(e.getMessage()).contains("Cannot connect to Redis at redis://127.0.0.1:1: Connection refused.",
                "Check that the server is running").doesNotContain("DNS name");
    }
}
