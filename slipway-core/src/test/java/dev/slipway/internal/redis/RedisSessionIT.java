package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
            assertThat(session.transaction(List.of(List.of("SET", "a", "1"))))
                    .as("a dead connection is found before MULTI").hasSize(1);
            assertThat(admin.get("a")).isEqualTo("1");
        }
    }

    /**
     * A read the server answers with an error that is neither "unknown command" nor an ACL's refusal (here BUSY,
     * another client's script running; a session without reconnects takes it at once) is explained by quoting that
     * error, not as a refusal to the user, which would send a user with every right to ask for one.
     */
    @Test
    void anotherErrorIsQuotedNotBlamedOnTheUsersRights(RedisStackServer redis) throws Exception {
        try (Jedis admin = redis.newJedis();
             RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5000)) {
            String threshold = admin.configGet("busy-reply-threshold").get("busy-reply-threshold");
            admin.configSet("busy-reply-threshold", "20");
            try {
                CompletableFuture<Object> script = redis.keepBusy(2000);
                boolean answered = true;
                for (int i = 0; i < 60 && answered; i++) {
                    Thread.sleep(50);
                    answered = session.info("memory").isPresent();
                }
                script.get(30, TimeUnit.SECONDS);
                assertThat(answered).as("INFO got BUSY while the script ran").isFalse();
            } finally {
                admin.configSet("busy-reply-threshold", threshold);
            }

            assertThat(session.unanswered("INFO memory"))
                    .startsWith("the server answered INFO memory with an error (BUSY");
            assertThat(session.refusedToThisUser("INFO")).isFalse();
            assertThat(session.refusedToThisUser("CONFIG")).isTrue();
            assertThat(session.commandErrors(List.of("INFO", "CONFIG"))).containsOnlyKeys("INFO");
        }
    }
}
