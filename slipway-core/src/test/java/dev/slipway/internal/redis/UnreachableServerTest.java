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

    /** A port that is not a number is named (tester session 44 R38 F8: "it names no host"). */
    @Test
    void aPortThatIsNotANumberIsNamed() {
        SlipwayException e = catchThrowableOfType(() -> RedisEndpoint.parse("redis://127.0.0.1:notaport"),
                SlipwayException.class);

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(e.getMessage()).contains("'redis://127.0.0.1:notaport': its port is not a number")
                .doesNotContain("no host");
        assertThat(catchThrowableOfType(() -> RedisEndpoint.parse("redis://u:p@localhost:x1"), SlipwayException.class)
                .getMessage()).contains("'redis://u:***@localhost:x1': its port is not a number");
    }
}
