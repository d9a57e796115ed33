package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Prefix moves with the write watch on a server that also runs RedisTimeSeries, as every Redis Stack server does:
 * the module looks at each renamed key from its keyspace callback, which the server reports as a change by another
 * client. The rewrite's and the rollback's own renames must not count as the application's writes, and a real
 * write must still stop the rewrite.
 */
class RenameEchoIT {
    private static final int DOCS = 300;
    private static RedisStackServer redis;

    @BeforeAll
    static void startServerWithTimeSeries() {
        redis = RedisStackServer.asShipped(List.of()).start();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.moduleList()).extracting(m -> m.getName().toLowerCase())
                    .contains("search", "rejson", "timeseries");
        }
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void empty() {
        redis.flushAll();
    }

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withThroughput(50, 2, 0, 3);
    }

    @Test
    void aPrefixMoveAndItsRollbackAreNotTakenForTheApplicationsWrites(@TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 5);
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");
            Path backup = dir.resolve("backup");

            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("no writes by other clients seen");
            assertThat(RewriteFixture.keys(jedis, "item:*")).hasSize(DOCS);

            slipway.rollbackFromBackup(backup, 2);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(RewriteFixture.keys(jedis, "item:*")).isEmpty();
        }
    }

    /**
     * The application writes a document just moved, before the rewrite has seen its rename answered: the module's
     * look at the rename is told apart, the application's write is not, and it stops the rewrite.
     */
    @Test
    void aRealWriteToAMovedDocumentStillStopsTheRewrite(@TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
            RewriteFixture.loadHash(jedis, "doc:", DOCS, VectorDataType.FLOAT32, 5);
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");
            String[] written = new String[1];
            AroundWrites write = new AroundWrites(3, rename -> { }, rename -> {
                written[0] = AroundWrites.text(rename.args().get(1));
                application.hset(written[0], "title", "written by the application");
            });

            RuntimeException failed = RewriteFixture.rewriteWatched(redis.url(), plan, dir.resolve("backup"),
                    new RewriteSettings(50, 0), write::wrap);

            assertThat(failed).isInstanceOf(SlipwayException.class);
            assertThat(failed.getMessage()).contains("Another client changed documents of index 'docs'")
                    .contains("(1 change seen)");
            assertThat(((SlipwayException) failed).problems()).containsExactly(written[0]);
        }
    }
}
