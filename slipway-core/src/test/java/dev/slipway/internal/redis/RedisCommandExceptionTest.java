package dev.slipway.internal.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisCommandExceptionTest {

    @Test
    void anOutOfMemoryRefusalSaysWhatToDoAndEndsInOneFullStop() {
        RedisCommandException e = new RedisCommandException("SET",
                "OOM command not allowed when used memory > 'maxmemory'.", null);

        assertThat(e.getMessage()).isEqualTo("Redis rejected SET: OOM command not allowed when used memory > "
                + "'maxmemory'. Redis is at its maxmemory: free memory or raise it (CONFIG SET maxmemory), then re-run "
                + "the same command; what was done is kept and not repeated.");
    }

    @Test
    void otherErrorsAreGivenAsTheServerSentThem() {
        assertThat(RedisCommandException.withAdvice("ERR unknown command 'X'")).isEqualTo("ERR unknown command 'X'.");
        assertThat(RedisCommandException.withAdvice(null)).isEqualTo("(no error text).");
    }
}
