package dev.slipway.internal.apply;

import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.util.Locale;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The record of the keys a source index fails on, on a real server. */
@ExtendWith(RedisStackExtension.class)
class SourceFailingKeysIT {

    /**
     * More failing keys than the record holds: nothing is recorded (validation compares the counts), and the keys
     * after the page that passed the limit are not read at all (it used to read every key).
     */
    @Test
    void tooManyFailingKeysRecordNothingAndStopTheScan(RedisStackServer redis) throws Exception {
        int keys = 4 * SourceFailingKeys.MAX_KEYS; // every other one fails: the limit is passed half-way
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(() -> "FT.CREATE".getBytes(), "src", "ON", "HASH", "PREFIX", "1", "s:", "SCHEMA",
                    "price", "NUMERIC");
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < keys; i++) {
                pipeline.hset("s:" + i, "price", i % 2 == 0 ? "not a number" : String.valueOf(i));
            }
            pipeline.sync();
            jedis.set("slipway:source-failures:src", "an earlier record");
            awaitIndexed(jedis);
            long scansBefore = calls(jedis, "scan");

            Optional<Integer> recorded;
            try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
                recorded = SourceFailingKeys.record(session, KeyNamespace.DEFAULT, "src", "plan-1", "src",
                        new LiveIndexReader(session).findPhysical("src").orElseThrow().schema());
            }

            assertThat(recorded).isEmpty();
            assertThat(jedis.exists("slipway:source-failures:src")).as("an earlier record removed").isFalse();
            long pagesOfEveryKey = keys / 500;
            assertThat(calls(jedis, "scan") - scansBefore).as("stopped once past the limit")
                    .isLessThan(pagesOfEveryKey * 3 / 4);
        }
    }

    private static void awaitIndexed(Jedis jedis) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Object info = jedis.sendCommand(() -> "FT.INFO".getBytes(), "src");
            if (String.valueOf(new String(flatten(info))).contains("percent_indexed1")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("index 'src' not indexed in 30 s");
    }

    private static byte[] flatten(Object reply) {
        StringBuilder out = new StringBuilder();
        append(out, reply);
        return out.toString().getBytes();
    }

    private static void append(StringBuilder out, Object reply) {
        if (reply instanceof byte[] bytes) {
            out.append(new String(bytes));
        } else if (reply instanceof java.util.List<?> list) {
            list.forEach(item -> append(out, item));
        } else {
            out.append(reply);
        }
    }

    /** How often the server ran a command (INFO commandstats). */
    private static long calls(Jedis jedis, String command) {
        String prefix = "cmdstat_" + command.toLowerCase(Locale.ROOT) + ":calls=";
        return jedis.info("commandstats").lines().filter(line -> line.startsWith(prefix))
                .mapToLong(line -> Long.parseLong(line.substring(prefix.length()).split(",")[0])).sum();
    }
}
