package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.slipway.rewrite.RewriteFixture.DIMS;
import static dev.slipway.rewrite.RewriteFixture.EMB_TO_FLOAT16;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server restart (a failover, a crash) in the middle of a read-only pass over every document: apply's measuring of
 * the documents and its conflict check, and validation's search for documents in the old form. A SCAN cursor does not carry over a restart
 * (the hash seed changes, so the keys come in another order): resumed, the pass met some documents twice and missed
 * others (tester session 36 R21 L3: the survey counted 50,043 of 50,000). Each pass now starts again from the first
 * page with its figures afresh when the reading connection comes back to another {@code run_id}.
 */
@ExtendWith(RedisStackExtension.class)
class RestartDuringScanIT {
    private static final int DOCS = 3_000;
    private static final int PAGE = 100;
    private static final String RENAME = "  rename_fields:\n    - {old_name: title, new_name: name}\n";

    /** Restarts the server once, keeping its data, when the named task has passed some pages; counts its passes. */
    private static final class RestartOnce extends TaskProgress {
        private final RedisStackServer redis;
        private final String during;
        private final List<Long> passes = new ArrayList<>();
        private boolean restarted;

        RestartOnce(RedisStackServer redis, String during) {
            this.redis = redis;
            this.during = during;
        }

        @Override
        public void begin(String name, long total, String unit) {
            super.begin(name, total, unit);
            if (name.equals(during)) {
                passes.add(0L);
            }
        }

        @Override
        public void update(long done) {
            if (!task().equals(during)) {
                return;
            }
            passes.set(passes.size() - 1, done);
            if (!restarted && done >= 5 * PAGE) {
                restarted = true;
                redis.restartKeepingData();
            }
        }
    }

    @Test
    void applysMeasuringOfTheDocumentsStartsAgainAfterARestart(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, 3);
        }
        MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
        RestartOnce restart = new RestartOnce(redis, "measuring documents");

        MigrationReport report = Slipway.configure().url(redis.url()).progress(restart).load().apply(plan,
                ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                        .withThroughput(PAGE, 1, 0, 5));

        assertThat(restart.restarted).isTrue();
        assertThat(restart.passes).as("the pass cut by the restart, then a whole one").hasSize(2);
        assertThat(restart.passes.get(1)).as("every document once, none twice").isEqualTo(DOCS);
        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        try (Jedis jedis = redis.newJedis()) {
            for (String key : jedis.keys("doc:*")) {
                assertThat(jedis.hstrlen(key, "emb")).as(key).isEqualTo(DIMS * 2L);
            }
        }
    }

    @Test
    void applysConflictCheckStartsAgainAfterARestart(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, 5);
        }
        MigrationPlan plan = plan(slipway, "docs", dir, RENAME);
        RestartOnce restart = new RestartOnce(redis, "checking for conflicts");

        MigrationReport report = Slipway.configure().url(redis.url()).progress(restart).load().apply(plan,
                ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withThroughput(PAGE, 1, 0, 5));

        assertThat(restart.restarted).isTrue();
        assertThat(restart.passes).as("the pass cut by the restart, then a whole one").hasSize(2);
        assertThat(restart.passes.get(1)).as("every document once, none twice").isEqualTo(DOCS);
        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.keys("doc:*").stream().filter(k -> jedis.hexists(k, "title")).count()).isZero();
        }
    }

    @Test
    void validationsSearchForTheOldFormStartsAgainAfterARestart(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, 4);
        }
        MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16 + RENAME);
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                .withAcceptDataLoss(true)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        RestartOnce restart = new RestartOnce(redis, "looking for documents in the old form");

        ValidationResult result = Slipway.configure().url(redis.url()).progress(restart).load().validate(plan,
                List.of());

        assertThat(restart.restarted).isTrue();
        assertThat(restart.passes).hasSize(2);
        assertThat(restart.passes.get(1)).as("every document once, none twice").isEqualTo(DOCS);
        assertThat(result.passed()).as(result.toString()).isTrue();
    }
}
