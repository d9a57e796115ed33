package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.LockHeldException;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.slipway.rewrite.RewriteFixture.hashes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A rollback started while the apply that writes the backup is still running, on a real server and a real disk
 * (records are written with direct I/O, padded to the block size while the run appends). The rollback must be
 * refused by the lock before it touches the backup: opening it cuts off a torn tail, which, done to a file another
 * process is appending to, left a hole of zeros in the records, and the originals of a lossy conversion were lost.
 */
@ExtendWith(RedisStackExtension.class)
class ConcurrentRollbackIT {
    private static final int DOCS = 400;
    private static final int BATCH = 20;

    /** Holds the rewrite, after some batches have landed, until released. */
    private static final class Pause extends TaskProgress {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void update(long done) {
            if (rewriting() && done >= 3 * BATCH && paused.getCount() > 0) {
                paused.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void end() {
        }
    }

    @Test
    void aRollbackBesideARunningApplyLeavesItsBackupIntact(RedisStackServer redis) throws Exception {
        // on the build's disk, not a tmpfs, so that records are written with direct I/O as in production
        Path dir = Files.createTempDirectory(Path.of("target"), "concurrent-rollback");
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis,
                    Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32, DOCS, 11);
            MigrationPlan plan = RewriteFixture.plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    RewriteFixture.EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            Pause pause = new Pause();
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                    .withThroughput(BATCH, 1, 0, 3);

            CompletableFuture<MigrationReport> apply = CompletableFuture.supplyAsync(() -> Slipway.configure()
                    .url(redis.url()).progress(pause).load().apply(plan, options));
            assertThat(pause.paused.await(30, TimeUnit.SECONDS)).as("the rewrite got under way").isTrue();
            byte[] records = Files.readAllBytes(backup.resolve("originals.bin"));
            byte[] header = Files.readAllBytes(backup.resolve("header.json"));
            LockHeldException refused = catchThrowableOfType(LockHeldException.class,
                    () -> Slipway.configure().url(redis.url()).load().rollbackFromBackup(backup, 1));
            byte[] recordsAfter = Files.readAllBytes(backup.resolve("originals.bin"));
            byte[] headerAfter = Files.readAllBytes(backup.resolve("header.json"));
            pause.release.countDown();

            assertThat(refused).as("the rollback waits for the running apply").isNotNull();
            // not even the padding of the last direct write may go: the run appends at positions of its own
            assertThat(recordsAfter).as("the refused rollback left the records as they were").isEqualTo(records);
            assertThat(headerAfter).isEqualTo(header);
            assertThat(apply.get(60, TimeUnit.SECONDS).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            Slipway.configure().url(redis.url()).load().rollbackFromBackup(backup, 1);
            assertThat(hashes(jedis, "doc:*")).as("every original restored from the backup").isEqualTo(before);
        }
    }
}
