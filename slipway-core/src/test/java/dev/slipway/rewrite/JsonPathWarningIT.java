package dev.slipway.rewrite;

import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JSON field pointed at a path no document holds matches nothing afterwards, and validation cannot tell (an absent
 * value is no indexing failure): the plan warns, from the sampled documents (tester session 30: a misspelt path
 * applied with "Validation PASSED" and the field matched nothing).
 */
@ExtendWith(RedisStackExtension.class)
class JsonPathWarningIT {

    @Test
    void aPathNoSampledDocumentHoldsIsWarnedOf(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createJsonIndex(jedis, "docs", "doc:");
            RewriteFixture.loadJson(jedis, "doc:", 40, 3);
            RewriteFixture.waitIndexed(slipway, "docs");

            MigrationPlan misspelt = RewriteFixture.plan(slipway, "docs", dir,
                    "  update_fields:\n    - {name: tag, path: '$.extra.tagg'}\n");
            MigrationPlan held = RewriteFixture.plan(slipway, "docs", dir,
                    "  update_fields:\n    - {name: tag, path: '$.extra.s'}\n");
            MigrationPlan moved = RewriteFixture.plan(slipway, "docs", dir,
                    "  rename_fields:\n    - {old_name: tag, new_name: label}\n");

            assertThat(misspelt.source().pathsHeld()).containsEntry("$.extra.tagg", 0L);
            assertThat(misspelt.warnings()).anySatisfy(w -> assertThat(w).startsWith("Field 'tag' will read "
                    + "'$.extra.tagg', which none of the " + misspelt.source().keySample().size() + " sampled documents "
                    + "holds: it will match nothing in the others."));
            assertThat(held.source().pathsHeld()).containsEntry("$.extra.s",
                    (long) held.source().keySample().size());
            assertThat(held.warnings()).noneMatch(w -> w.contains("sampled documents hold"));
            // the application lately began to write the path: 360 newer documents hold it, the 40 oldest do not.
            // The index's first documents are the oldest, so a sample of those held none of it and warned
            RewriteFixture.loadJson(jedis, "doc:", 400, 3);
            for (int i = 40; i < 400; i++) {
                jedis.sendCommand(RedisStackServer.command("JSON.SET"), "doc:" + i, "$.extra.tagg", "\"x\"");
            }
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan lately = RewriteFixture.plan(slipway, "docs", dir,
                    "  update_fields:\n    - {name: tag, path: '$.extra.tagg'}\n");
            List<String> sample = lately.source().keySample();
            assertThat(sample).hasSize(20).doesNotHaveDuplicates();
            assertThat(sample).as("spread over the whole index, not its oldest documents")
                    .anyMatch(key -> Integer.parseInt(key.substring("doc:".length())) >= 40);
            // 20 drawn from 400 of which 40 lack the path: 10 or more of them lacking it has a chance below 1e-5
            assertThat(lately.source().pathsHeld().get("$.extra.tagg")).isGreaterThan(10);
            assertThat(lately.warnings()).noneMatch(w -> w.contains("sampled documents hold"));
            assertThat(moved.source().pathsHeld()).containsEntry("$.label", 0L);
            assertThat(moved.warnings()).as("the rename moves the values there")
                    .noneMatch(w -> w.contains("sampled documents hold"));
        }
    }

    /**
     * The same for a hash field (tester session 45 R40 F3: {@code title} pointed at a hash field no document has
     * planned and validated without a word, and its queries then matched nothing).
     */
    @Test
    void aHashFieldNoSampledDocumentHoldsIsWarnedOf(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createHashIndex(jedis, "docs", "doc:", dev.slipway.internal.vector.VectorDataType.FLOAT32);
            RewriteFixture.loadHash(jedis, "doc:", 40, dev.slipway.internal.vector.VectorDataType.FLOAT32, 3);
            RewriteFixture.waitIndexed(slipway, "docs");

            MigrationPlan misspelt = RewriteFixture.plan(slipway, "docs", dir,
                    "  update_fields:\n    - {name: title, path: heading}\n");
            MigrationPlan held = RewriteFixture.plan(slipway, "docs", dir,
                    "  update_fields:\n    - {name: title, path: note}\n");
            MigrationPlan moved = RewriteFixture.plan(slipway, "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: heading}\n");

            assertThat(misspelt.warnings()).anySatisfy(w -> assertThat(w).startsWith("Field 'title' will read "
                    + "'heading', which none of the " + misspelt.source().keySample().size() + " sampled documents "
                    + "holds"));
            assertThat(held.source().pathsHeld()).containsEntry("note", (long) held.source().keySample().size());
            assertThat(held.warnings()).noneMatch(w -> w.contains("sampled documents hold"));
            assertThat(moved.warnings()).as("the rename moves the values there")
                    .noneMatch(w -> w.contains("sampled documents hold"));
        }
    }
}
