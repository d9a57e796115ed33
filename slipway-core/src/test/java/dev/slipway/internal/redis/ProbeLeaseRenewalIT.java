package dev.slipway.internal.redis;

import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A probe's lease is extended by its own thread while it is held, and gone once released; one no longer extended (its
 * process killed) runs out by the key's own expiry.
 */
@ExtendWith(RedisStackExtension.class)
class ProbeLeaseRenewalIT {
    private static final String KEY = "slipway:probe-lease:slipway-probe:docs:x";

    @Test
    void aLeaseOutlivesItsFirstTermWhileHeldAndIsGoneOnceReleased(RedisStackServer redis) throws InterruptedException {
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5_000);
             Jedis jedis = redis.newJedis()) {
            ProbeLease lease = ProbeLease.take(session, KEY, Duration.ofMillis(900));
            assertThat(ProbeLease.held(session, KEY)).isTrue();

            Thread.sleep(2_000); // more than twice the term: held only if extended

            assertThat(ProbeLease.held(session, KEY)).as("extended by its thread").isTrue();
            assertThat(jedis.pttl(KEY)).isPositive().isLessThanOrEqualTo(900);
            lease.close();
            assertThat(ProbeLease.held(session, KEY)).as("released").isFalse();
        }
    }
}
