package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An index over documents that expire steadily (a TTL cache): a key that expires while a new version scans it stays
 * counted as that version's failure ("does not exist"), and no count of the keys settles between two reads of the
 * indexes. Zero-downtime verification and validation failed on it though no document differed (tester session 29
 * R7 M1); they now look every key up in both indexes instead.
 */
@ExtendWith(RedisStackExtension.class)
class ExpiringDocumentsIT {
    private static final int DOCS = 5000;
    private static final int DIM = 16;

    @Test
    void aZeroDowntimeMigrationUnderSteadyExpiriesSwitches(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < DOCS; i++) {
                pipeline.hset(key(Catalog.PREFIX + i), document("thing " + i, "c" + (i % 7), i));
            }
            pipeline.sync();
            // a vector field makes the scan of a new version slow enough for keys to expire under it
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), Catalog.NAME, "ON", "HASH", "PREFIX", "1",
                    Catalog.PREFIX, "SCHEMA", "title", "TEXT", "category", "TAG", "embedding", "VECTOR", "HNSW", "6",
                    "TYPE", "FLOAT32", "DIM", Integer.toString(DIM), "DISTANCE_METRIC", "COSINE");
            Inspect.awaitIndexed(jedis, Catalog.NAME);
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        Thread cache = new Thread(() -> writeExpiringDocuments(redis, stop, written), "ttl-cache");
        cache.start();
        MigrationReport report;
        try {
            while (written.get() < 2500) { // expiries under way before the new versions scan
                Thread.sleep(20);
            }
            report = slipway.apply(plan, ApplyOptions.DEFAULTS);
        } finally {
            stop.set(true);
            cache.join();
        }

        assertThat(report.result()).as(report.toString()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.steps()).extracting(StepReport::status).doesNotContain(StepReport.Status.FAILED);
        assertThat(report.validation().orElseThrow().checks()).filteredOn(c -> c.name().equals("document-count"))
                .singleElement().extracting(ValidationCheck::passed).isEqualTo(true);
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < DOCS; i += 97) {
                assertThat(jedis.exists(Catalog.PREFIX + i)).isTrue();
            }
        }
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<byte[], byte[]> document(String title, String category, int seed) {
        ByteBuffer vector = ByteBuffer.allocate(4 * DIM).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < DIM; d++) {
            vector.putFloat((float) Math.sin(seed * 31.0 + d));
        }
        return Map.of(key("title"), key(title), key("category"), key(category), key("embedding"), vector.array());
    }

    /**
     * Documents under the index's prefix that live for 2 s, written one at a time about 1,000 a second, until told to
     * stop: evenly spaced, so that no pause lets a count of the keys settle.
     */
    private static void writeExpiringDocuments(RedisStackServer redis, AtomicBoolean stop, AtomicLong written) {
        try (Jedis jedis = redis.newJedis()) {
            long start = System.nanoTime();
            for (long n = 0; !stop.get(); n++) {
                Pipeline pipeline = jedis.pipelined();
                byte[] key = key(Catalog.PREFIX + "ttl" + n);
                pipeline.hset(key, document("cached " + n, "cache", (int) n));
                pipeline.pexpire(key, 2000);
                pipeline.sync();
                written.set(n + 1);
                LockSupport.parkNanos(start + (n + 1) * 1_000_000L - System.nanoTime());
            }
        }
    }
}
