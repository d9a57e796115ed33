package dev.slipway.internal.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.vector.QuantizationScale;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * FLOAT32 to INT8 on real Redis, at the document level (an INT8 index needs Redis 8; the rewrite itself only stores
 * bytes): one mapping for the whole field, derived from a sample before the first batch and kept in the backup
 * header, so that a resumed run quantizes exactly like the documents converted before it stopped.
 */
@ExtendWith(RedisStackExtension.class)
class IntegerQuantizationIT {
    private static final int DOCS = 300;
    private static final int DIMS = 4;

    /** Loads the documents; returns the largest magnitude of any element. */
    private static double load(Jedis jedis) {
        Random random = new Random(7);
        double maxAbs = 0;
        for (int i = 0; i < DOCS; i++) {
            float[] vector = new float[DIMS];
            for (int d = 0; d < DIMS; d++) {
                vector[d] = (float) (random.nextGaussian() * 0.3);
                maxAbs = Math.max(maxAbs, Math.abs(vector[d]));
            }
            jedis.hset(bytes("doc:" + i), Map.of(bytes("title"), bytes("t" + i),
                    bytes("emb"), VectorCodec.encode(vector, VectorDataType.FLOAT32, null)));
        }
        return maxAbs;
    }

    private static Map<Integer, byte[]> originals(Jedis jedis) {
        Map<Integer, byte[]> originals = new java.util.HashMap<>();
        for (int i = 0; i < DOCS; i++) {
            originals.put(i, jedis.hget(bytes("doc:" + i), bytes("emb")));
        }
        return originals;
    }

    private static String rewrite(RedisStackServer redis, MigrationPlan plan, BackupDirectory backup) {
        try (WorkerPool pool = WorkerPool.open(RedisEndpoint.parse(redis.url()), 2, 2)) {
            return new RewriteEngine(plan, backup, pool, ProgressListener.NONE,
                    new RewriteSettings(64, 0)).run();
        }
    }

    /** Every document holds the INT8 codes of its original under the given mapping. */
    private static void assertQuantizedWith(Jedis jedis, Map<Integer, byte[]> originals, double scale) {
        QuantizationScale mapping = QuantizationScale.of(VectorDataType.INT8, scale, 0);
        for (int i = 0; i < DOCS; i++) {
            assertThat(jedis.hget(bytes("doc:" + i), bytes("emb"))).as("doc:%d", i).isEqualTo(
                    VectorCodec.convert(originals.get(i), VectorDataType.FLOAT32, VectorDataType.INT8, DIMS,
                            mapping));
        }
    }

    @Test
    void oneMappingFromASampleIsSavedBeforeTheFirstBatchAndUsedForEveryDocument(RedisStackServer redis,
                                                                                @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            double maxAbs = load(jedis);
            Map<Integer, byte[]> originals = originals(jedis);
            MigrationPlan plan = RewritePlans.quantize("int8");

            String summary;
            BackupHeader.Scale saved;
            try (BackupDirectory backup = BackupDirectory.openForPlan(dir.resolve("backup"), plan)) {
                summary = rewrite(redis, plan, backup);
                saved = backup.header().quantization().get("emb");
            }

            // symmetric max-abs over the sample, which here is every document
            assertThat(saved.datatype()).isEqualTo("INT8");
            assertThat(saved.zeroPoint()).isZero();
            assertThat(saved.sampled()).isEqualTo(DOCS);
            assertThat(saved.scale()).isCloseTo(maxAbs / 127, within(1e-9));
            assertQuantizedWith(jedis, originals, saved.scale());
            assertThat(summary).contains("rewrote " + DOCS + " documents", "INT8 mapping of emb: scale ",
                    "(from " + DOCS + " sampled vectors), 0 elements clamped this run", "recall@10 of emb");
            assertThat(BackupDirectory.readHeader(dir.resolve("backup")).orElseThrow().quantization())
                    .containsEntry("emb", saved);
        }
    }

    /**
     * A resumed run finds the mapping in the header and uses it, even where a new sample would choose another (here
     * one with half the range, so the larger values clamp, and the summary counts them).
     */
    @Test
    void aResumedRunQuantizesWithTheMappingTheHeaderHolds(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            double maxAbs = load(jedis);
            Map<Integer, byte[]> originals = originals(jedis);
            MigrationPlan plan = RewritePlans.quantize("int8");
            BackupHeader.Scale narrow = new BackupHeader.Scale("INT8", maxAbs / 2 / 127, 0, 123);
            long expectedClamps = 0;
            for (byte[] original : originals.values()) {
                for (float value : VectorCodec.decode(original, VectorDataType.FLOAT32)) {
                    expectedClamps += Math.abs(value) / narrow.scale() > 127.5 ? 1 : 0;
                }
            }
            assertThat(expectedClamps).isPositive();

            String summary;
            try (BackupDirectory backup = BackupDirectory.openForPlan(dir.resolve("backup"), plan)) {
                backup.writeHeader(backup.header().withQuantization(Map.of("emb", narrow)));
                summary = rewrite(redis, plan, backup);
                assertThat(backup.header().quantization()).containsExactly(Map.entry("emb", narrow));
            }

            assertQuantizedWith(jedis, originals, narrow.scale());
            assertThat(summary).contains("(from 123 sampled vectors), " + expectedClamps
                    + " elements clamped this run");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
