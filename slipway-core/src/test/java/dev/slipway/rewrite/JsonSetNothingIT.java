package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A {@code JSON.SET} of a moved field that sets nothing (nil: the parent object is gone), on a real server. A field
 * moves within its parent, so only another client can cause it, by replacing the document between Slipway's read
 * and its write. With the write watch off nothing else would notice: the run must fail, naming the document,
 * instead of finishing as if the document had been rewritten.
 */
@ExtendWith(RedisStackExtension.class)
class JsonSetNothingIT {
    private static final int DOCS = 200;
    private static final int BATCH = 20;

    @TempDir
    Path dir;

    /** Once the first batch has landed, the application replaces every document not yet rewritten by a string. */
    private static final class ReplaceDocuments extends TaskProgress {
        private final Jedis application;
        private boolean replaced;

        ReplaceDocuments(Jedis application) {
            this.application = application;
        }

        @Override
        public void update(long done) {
            if (!rewriting() || done < BATCH || replaced) {
                return;
            }
            for (int i = 0; i < DOCS; i++) {
                String key = "doc:" + i;
                if (!RewriteFixture.text(RewriteFixture.call(application, "JSON.GET", key, "$.name")).equals("[]")) {
                    continue; // rewritten already
                }
                RewriteFixture.call(application, "JSON.SET", key, "$", "\"replaced\"");
            }
            replaced = true;
        }

        @Override
        public void end() {
        }
    }

    @Test
    void aMoveIntoAReplacedDocumentFailsTheRunWithoutDeletingAnything(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            RewriteFixture.createJsonIndex(jedis, "docs", "doc:");
            RewriteFixture.loadJson(jedis, "doc:", DOCS, 8);
            RewriteFixture.waitIndexed(Slipway.configure().url(redis.url()).load(), "docs");
            MigrationPlan plan = RewriteFixture.plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            ReplaceDocuments replace = new ReplaceDocuments(application);
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                    .withThroughput(BATCH, 1, 0, 3).withWriteWatch(false);

            MigrationFailedException failed = catchThrowableOfType(MigrationFailedException.class,
                    () -> Slipway.configure().url(redis.url()).progress(replace).load().apply(plan, options));

            assertThat(replace.replaced).isTrue();
            assertThat(failed).as("a move that set nothing fails the run").isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).contains("set nothing", "Nothing of it was deleted", "doc:");
        }
    }
}
