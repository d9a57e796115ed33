package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A reconnecting session on a real server whose connection is killed ({@code CLIENT KILL ID}): what it sends again,
 * and what it never does (a command queued in a MULTI must not run on its own on a new connection).
 */
@ExtendWith(RedisStackExtension.class)
class RedisSessionIT {

    private static void kill(Jedis admin, RedisSession session) {
        kill(admin, (Long) session.call("CLIENT", "ID"));
    }

    private static void kill(Jedis admin, long id) {
        admin.sendCommand(RedisStackServer.command("CLIENT"), "KILL", "ID", Long.toString(id));
    }

    @Test
    void aReadIsSentAgainAndAWriteGoesOutOnceOnANewConnection(RedisStackServer redis) {
        try (Jedis admin = redis.newJedis();
             RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5000).reconnecting(3)) {
            admin.set("k", "v");
            kill(admin, session);
            assertThat(session.callString("GET", "k")).isEqualTo("v");

            kill(admin, session);
            assertThat(session.call("INCR", "counter")).as("found dead by a PING first, sent once").isEqualTo(1L);
            assertThat(admin.get("counter")).isEqualTo("1");
        }
    }

    /**
     * A replacement connection keeps the name the lock fence looks for, and is not used when the guard (the lock's
     * confirmation) refuses: a process whose lock was taken over must not carry on through a new connection.
     */
    @Test
    void aReplacementKeepsTheNameAndIsNotUsedWhenTheGuardRefuses(RedisStackServer redis) {
        try (Jedis admin = redis.newJedis();
             RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5000).reconnecting(3)) {
            session.call("CLIENT", "SETNAME", "slipway-lock-test");
            kill(admin, session);
            assertThat(session.callString("CLIENT", "GETNAME")).isEqualTo("slipway-lock-test");

            session.guardReconnects(() -> {
                throw new SlipwayException(ErrorCode.LOCK_HELD, "lock lost");
            });
            kill(admin, session);
            SlipwayException refused = catchThrowableOfType(() -> session.call("INCR", "counter"),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.LOCK_HELD);
            assertThat(admin.exists("counter")).isFalse();
        }
    }

    @Test
    void nothingQueuedInALostTransactionRunsOnItsOwn(RedisStackServer redis) {
        try (Jedis admin = redis.newJedis();
             RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5000).reconnecting(3)) {
            long id = (Long) session.call("CLIENT", "ID");
            session.call("MULTI");
            session.call("SET", "queued", "1");
            kill(admin, id);

            SlipwayException lost = catchThrowableOfType(() -> session.call("SET", "queued-after", "1"),
                    SlipwayException.class);

            assertThat(lost).isNotNull();
            assertThat(lost.code()).isEqualTo(ErrorCode.REDIS_UNAVAILABLE);
            assertThat(admin.exists("queued", "queued-after")).isZero();
            assertThat(session.callString("GET", "queued")).as("the session works again, outside a MULTI").isNull();
        }
    }

    @Test
    void aTransactionCutByALostConnectionFailsWithoutRunningAnything(RedisStackServer redis) {
        try (Jedis admin = redis.newJedis();
             RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5000).reconnecting(3)) {
            kill(admin, session);
            assertThat(session.transaction(java.util.List.of(java.util.List.of("SET", "a", "1"))))
                    .as("a dead connection is found before MULTI").hasSize(1);
            assertThat(admin.get("a")).isEqualTo("1");
        }
    }
}
