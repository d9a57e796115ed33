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
            // five documents gain the path, then every other one is written again: the index then holds the five
            // first, and the sample (its first documents) takes all of them and 15 without
            for (int i = 0; i < 40; i++) {
                jedis.sendCommand(RedisStackServer.command("JSON.SET"), "doc:" + i, i % 8 == 0 ? "$.extra.tagg"
                        : "$.extra.touched", "\"x\"");
            }
            for (int i = 0; i < 40; i++) {
                if (i % 8 != 0) {
                    jedis.sendCommand(RedisStackServer.command("JSON.SET"), "doc:" + i, "$.extra.touched", "1");
                }
            }
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan rare = RewriteFixture.plan(slipway, "docs", dir,
                    "  update_fields:\n    - {name: tag, path: '$.extra.tagg'}\n");
            long holders = rare.source().pathsHeld().get("$.extra.tagg");
            assertThat(holders).isPositive().isLessThan(rare.source().keySample().size() / 2 + 1);
            assertThat(rare.warnings()).as("most sampled documents lack it").anySatisfy(w -> assertThat(w)
                    .contains("which only " + holders + " of the " + rare.source().keySample().size()
                            + " sampled documents hold"));
            assertThat(moved.source().pathsHeld()).containsEntry("$.label", 0L);
            assertThat(moved.warnings()).as("the rename moves the values there")
                    .noneMatch(w -> w.contains("sampled documents hold"));
        }
    }
}
