package dev.slipway.internal.rewrite;

import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the script a resumed apply or rollback sends for a record a killed run may have written deletes ({@link
 * VanishedDocuments#TAKE_BACK_PARTIAL}): only a hash holding exactly the written fields with exactly the written
 * values, fewer fields than the read counted, and no time to live, which is what a write that brought a vanished
 * document back leaves; anything else is a document someone keeps.
 */
@ExtendWith(RedisStackExtension.class)
class TakeBackPartialIT {
    /** Runs the script on {@code key} for a read that counted 3 fields and writes that set emb=v and title=t. */
    private static Object takeBack(Jedis jedis, String key) {
        return jedis.eval(VanishedDocuments.TAKE_BACK_PARTIAL, 1, key, "3", "emb", "v", "title", "t");
    }

    @Test
    void onlyAPartialWithoutATimeToLiveIsDeleted(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            jedis.hset("partial", Map.of("emb", "v", "title", "t"));
            jedis.hset("expiring", Map.of("emb", "v", "title", "t"));
            jedis.expire("expiring", 600);
            jedis.hset("whole", Map.of("emb", "v", "title", "t", "tag", "x"));
            jedis.hset("other", Map.of("emb", "w", "title", "t"));
            jedis.hset("fewer", Map.of("emb", "v"));

            assertThat(takeBack(jedis, "partial")).isEqualTo(1L);
            assertThat(jedis.exists("partial")).isFalse();
            assertThat(takeBack(jedis, "expiring")).as("a key with a TTL was not made by the write").isEqualTo(0L);
            assertThat(takeBack(jedis, "whole")).as("as many fields as the read counted").isEqualTo(0L);
            assertThat(takeBack(jedis, "other")).as("a value the writes did not set").isEqualTo(0L);
            assertThat(takeBack(jedis, "fewer")).as("not every written field").isEqualTo(0L);
            assertThat(takeBack(jedis, "missing")).isEqualTo(0L);
            assertThat(jedis.exists("expiring", "whole", "other", "fewer")).isEqualTo(4L);
            assertThat(jedis.hgetAll("expiring")).hasSize(2);
        }
    }
}
