package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.CuttingProxy;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.expectedHashes;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One connection cut at one command of a rename, float16 and key move, in apply and then in its rollback: the run
 * rides it out or fails, and after at most one re-run the documents are those of a clean run, then the originals.
 * Session 54 cut every command apply and rollback send this way (before the server got it and after it ran it, the
 * first send or a later one, alone or pipelined): 285 runs on hashes and 160 on JSON documents, a rename and key
 * move there. Each ended right, save the lock's {@code SET} (then fixed, {@code LostConnectionIT}). These are the
 * cuts of the data path, kept as a guard.
 */
@ExtendWith(RedisStackExtension.class)
class CutAnywhereIT {
    private static final int DOCS = 300;
    private static final String PATCH = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + RewriteFixture.EMB_TO_FLOAT16 + "  index:\n    prefix: 'item:'\n";

    @ParameterizedTest(name = "{0} after the server ran it: {1}, pipelined at least {2}, from send {3}")
    @CsvSource({"HSET, true, 5, 2", "HDEL, false, 5, 0", "RENAMENX, true, 1, 3", "EXISTS, true, 5, 2",
            "HMGET, false, 1, 3", "SCAN, true, 1, 1", "PTTL, true, 1, 1", "EVAL, false, 1, 3"})
    void aCutAnywhereEndsInTheStateOfACleanRun(String command, boolean ranIt, int atLeast, int skip,
                                               RedisStackServer redis, @TempDir Path dir) throws Exception {
        Slipway plain = Slipway.configure().url(redis.url()).load();
        TreeMap<String, TreeMap<String, String>> before;
        try (Jedis jedis = redis.newJedis()) {
            before = RewriteFixture.hashDocs(jedis, plain, VectorDataType.FLOAT32, DOCS, 7);
        }
        MigrationPlan plan = plan(plain, "docs", dir, PATCH);
        Path backup = dir.resolve("backup");

        boolean applyCut = cutOnce(redis, command, ranIt, atLeast, skip, url -> Slipway.configure().url(url).load()
                .apply(plan, options(backup)), () -> plain.apply(plan, options(backup)));

        try (Jedis jedis = redis.newJedis()) {
            assertThat(hashes(jedis, "item:*")).isEqualTo(expectedHashes(before, "doc:", "item:",
                    Map.of("title", "name"), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            assertThat(hashes(jedis, "doc:*")).isEmpty();
        }

        boolean rollbackCut = cutOnce(redis, command, ranIt, atLeast, skip, url -> Slipway.configure().url(url)
                .load().rollbackFromBackup(backup, 2), () -> plain.rollbackFromBackup(backup, 2));

        assertThat(applyCut || rollbackCut).as("the cut came").isTrue();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(hashes(jedis, "item:*")).isEmpty();
        }
    }

    /** Runs {@code cut} through a proxy that cuts once, then {@code again} if it failed; whether the cut came. */
    private static boolean cutOnce(RedisStackServer redis, String command, boolean ranIt, int atLeast, int skip,
                                   java.util.function.Consumer<String> cut, Runnable again) throws Exception {
        CuttingProxy proxy = new CuttingProxy(redis, command, 1).pipelinedAtLeast(atLeast).skipping(skip);
        try (CuttingProxy cutting = ranIt ? proxy.afterTheServerRanIt() : proxy) {
            try {
                cut.accept(cutting.url());
            } catch (RuntimeException failed) {
                assertThat(cutting.cutsLeft()).as("failed for the cut: " + failed.getMessage()).isZero();
                again.run();
            }
            return cutting.cutsLeft() == 0;
        }
    }

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(50, 2, 0, 3);
    }
}
