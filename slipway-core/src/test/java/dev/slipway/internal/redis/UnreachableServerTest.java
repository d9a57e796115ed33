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
        assertThat(e.getMessage()).contains("'redis://127.0.0.1:notaport': its port is not a whole number from 1")
                .doesNotContain("no host");
        assertThat(catchThrowableOfType(() -> RedisEndpoint.parse("redis://u:p@localhost:x1"), SlipwayException.class)
                .getMessage()).contains("'redis://u:***@localhost:x1': its port is not a whole number from 1");
    }

    /** R39 F9c-e: a negative port, a second colon and an empty port were misnamed or silently read as 6379. */
    @Test
    void oddPortsAreNamed() {
        assertThat(refusal("redis://127.0.0.1:-1")).contains(": its port is not a whole number from 1 to 65535");
        assertThat(refusal("redis://127.0.0.1:8908:1")).contains(": it has more than one ':' after the host")
                .doesNotContain("no host");
        assertThat(refusal("redis://u:p@127.0.0.1:")).contains(": its port is empty").doesNotContain(":p@");
        assertThat(refusal("redis://[::1]:")).contains(": its port is empty");
        assertThat(RedisEndpoint.parse("redis://[::1]:7000").port()).isEqualTo(7000);
        assertThat(RedisEndpoint.parse("redis://127.0.0.1").port()).isEqualTo(6379);
    }

    private static String refusal(String url) {
        SlipwayException e = catchThrowableOfType(() -> RedisEndpoint.parse(url), SlipwayException.class);
        assertThat(e).as(url).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
        return e.getMessage();
    }
}
