package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.MigrationFailedException;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

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
        seed(redis);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));

        MigrationReport report = underExpiries(redis, () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

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

    /**
     * Drop-recreate under the same expiries: with no other index to compare with, its document count against the
     * plan's snapshot could not settle either, and validation failed (session 30's open end). Every key under the
     * prefixes is now looked up in the new index instead.
     */
    @Test
    void aDropRecreateMigrationUnderSteadyExpiriesValidates(RedisStackServer redis) throws Exception {
        seed(redis);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        AtomicReference<MigrationPlan> plan = new AtomicReference<>();

        MigrationReport report = underExpiries(redis, () -> {
            plan.set(slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand())
                    .withMode(dev.slipway.api.plan.MigrationMode.DROP_RECREATE)));
            return slipway.apply(plan.get(), ApplyOptions.DEFAULTS);
        });

        assertThat(report.result()).as(report.toString()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.validation().orElseThrow().checks()).filteredOn(c -> c.name().equals("document-count"))
                .singleElement().satisfies(c -> {
                    assertThat(c.passed()).isTrue();
                    assertThat(c.expected()).startsWith("every key under the index's prefixes, looked up")
                            .contains("keys of this database have a time to live").doesNotContain("too fast");
                });
    }

    /** ... and one whose new schema fails on existing documents still fails validation, on its indexing failures. */
    @Test
    void aDropRecreateThatFailsOnDocumentsStillFailsUnderExpiries(RedisStackServer redis) throws Exception {
        seedWithThreeBadPrices(redis);
        Slipway slipway = Slipway.configure().url(redis.url()).load();

        Throwable failed = catchThrowable(() -> underExpiries(redis, () -> slipway.apply(slipway.plan(
                PlanRequest.patch(Catalog.NAME, Catalog.addPrice()).withMode(
                        dev.slipway.api.plan.MigrationMode.DROP_RECREATE)), ApplyOptions.DEFAULTS)));

        assertThat(failed).isInstanceOf(MigrationFailedException.class);
        assertThat(((MigrationFailedException) failed).report().validation().orElseThrow().checks())
                .filteredOn(c -> !c.passed()).extracting(ValidationCheck::name).containsExactly("indexing-failures");
    }

    /**
     * Under the same expiries, a new version that fails on documents the live index serves is still refused, and the
     * refusal names them (tester session 30 R9 L1: it blamed document counts that the expiring keys move).
     */
    @Test
    void aNewVersionThatDropsDocumentsIsRefusedNamingThemUnderExpiries(RedisStackServer redis) throws Exception {
        seedWithThreeBadPrices(redis);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));

        Throwable failed = catchThrowable(() -> underExpiries(redis, () -> slipway.apply(plan,
                ApplyOptions.DEFAULTS)));

        assertThat(failed).isInstanceOf(MigrationFailedException.class)
                .hasMessageContaining("fails to index 3 documents that the live 'products' serves (")
                .hasMessageContaining(Catalog.PREFIX + "7").hasMessageContaining(Catalog.PREFIX + "11")
                .hasMessageContaining(Catalog.PREFIX + "13").hasMessageContaining("NOT switched");
    }

    /** {@link #seed}, then a price on every document, of which three a NUMERIC field cannot index. */
    private static void seedWithThreeBadPrices(RedisStackServer redis) {
        seed(redis);
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < DOCS; i++) {
                jedis.hset(Catalog.PREFIX + i, "price", i == 7 || i == 11 || i == 13 ? "abc" : Integer.toString(i));
            }
        }
    }

    /** The documents and their index, which has a vector field: it makes the scan of a new version slow enough. */
    private static void seed(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < DOCS; i++) {
                pipeline.hset(key(Catalog.PREFIX + i), document("thing " + i, "c" + (i % 7), i));
            }
            pipeline.sync();
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), Catalog.NAME, "ON", "HASH", "PREFIX", "1",
                    Catalog.PREFIX, "SCHEMA", "title", "TEXT", "category", "TAG", "embedding", "VECTOR", "HNSW", "6",
                    "TYPE", "FLOAT32", "DIM", Integer.toString(DIM), "DISTANCE_METRIC", "COSINE");
            Inspect.awaitIndexed(jedis, Catalog.NAME);
        }
    }

    /** Runs the apply while expiring documents are written, once their expiries are under way. */
    private static MigrationReport underExpiries(RedisStackServer redis, Supplier<MigrationReport> apply)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        Thread cache = new Thread(() -> writeExpiringDocuments(redis, stop, written), "ttl-cache");
        cache.start();
        try {
            while (written.get() < 2500) { // expiries under way before the new versions scan
                Thread.sleep(20);
            }
            return apply.get();
        } finally {
            stop.set(true);
            cache.join();
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
