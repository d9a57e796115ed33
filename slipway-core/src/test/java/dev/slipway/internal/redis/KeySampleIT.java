package dev.slipway.internal.redis;

import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The snapshot's key sample, on a real server: spread over the index, not its oldest documents. */
@ExtendWith(RedisStackExtension.class)
class KeySampleIT {
    private static final int SIZE = LiveIndexReader.KEY_SAMPLE_SIZE;

    @Test
    void aLargeIndexIsSampledAcrossItsDocumentsAndPrefixes(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            create(jedis, "two", "PREFIX", "2", "a:", "b:");
            write(jedis, "a:", 0, 300);
            write(jedis, "b:", 0, 300);
            write(jedis, "other:", 0, 300); // not the index's
            jedis.expire("a:1", 3600);
            jedis.hset("a:\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8), "n".getBytes(), "1".getBytes());
            jedis.hset(new byte[]{'a', ':', (byte) 0xff}, "n".getBytes(), "1".getBytes()); // not UTF-8

            List<String> sample = sample(redis, "two");

            assertThat(sample).hasSize(SIZE).doesNotHaveDuplicates().doesNotContain("a:1")
                    .allMatch(k -> k.startsWith("a:") || k.startsWith("b:"));
            // in index order the first 20 are a:0..a:19; hash order draws from all 602 documents
            List<String> oldest = java.util.stream.IntStream.range(0, SIZE).mapToObj(i -> "a:" + i).toList();
            assertThat(sample).as("beyond the oldest documents").anyMatch(k -> !oldest.contains(k));
            assertThat(sample).as("both prefixes").anyMatch(k -> k.startsWith("a:")).anyMatch(k -> k.startsWith("b:"));
        }
    }

    /**
     * Most keys under the prefix are not in the index (its FILTER): what the keyspace gives is filled up from the
     * index's first documents, without repeating any.
     */
    @Test
    void documentsTheKeyspaceDoesNotGiveAreFilledUpFromTheIndex(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            create(jedis, "few", "PREFIX", "1", "f:", "FILTER", "@n < 30");
            write(jedis, "f:", 0, 2000);

            List<String> sample = sample(redis, "few");

            assertThat(sample).hasSize(SIZE).doesNotHaveDuplicates()
                    .allMatch(k -> Integer.parseInt(k.substring(2)) < 30, "held by the index");
        }
    }

    /** Most documents expire (a cache with a few pinned entries): the sample still finds 20 that do not. */
    @Test
    void documentsWithATimeToLiveAreSkippedNotCountedAgainstTheSample(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            create(jedis, "cache", "PREFIX", "1", "c:");
            write(jedis, "c:", 0, 3000);
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < 3000; i++) {
                if (i % 50 != 0) { // 60 pinned
                    pipeline.expire("c:" + i, 3600);
                }
            }
            pipeline.sync();

            List<String> sample = sample(redis, "cache");

            assertThat(sample).hasSize(SIZE).doesNotHaveDuplicates()
                    .allMatch(k -> Integer.parseInt(k.substring(2)) % 50 == 0, "without a time to live");
        }
    }

    @Test
    void anIndexNoLargerThanTheSampleIsTakenWhole(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            create(jedis, "small", "PREFIX", "1", "s:");
            write(jedis, "s:", 0, SIZE);
            jedis.expire("s:3", 3600);

            assertThat(sample(redis, "small")).hasSize(SIZE - 1).doesNotContain("s:3");
        }
    }

    private static List<String> sample(RedisStackServer redis, String index) {
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
            LiveIndexReader reader = new LiveIndexReader(session);
            IndexInfo info = reader.read(index);
            return reader.sampleKeys(index, info.schema(), info.stats().numDocs(), SIZE);
        }
    }

    private static void create(Jedis jedis, String index, String... coverage) {
        List<String> args = new java.util.ArrayList<>(List.of(index, "ON", "HASH"));
        args.addAll(List.of(coverage));
        args.addAll(List.of("SCHEMA", "n", "NUMERIC"));
        jedis.sendCommand(RedisSession.command("FT.CREATE"), args.toArray(String[]::new));
    }

    private static void write(Jedis jedis, String prefix, int from, int to) {
        Pipeline pipeline = jedis.pipelined();
        for (int i = from; i < to; i++) {
            pipeline.hset(prefix + i, "n", String.valueOf(i));
        }
        pipeline.sync();
    }
}
