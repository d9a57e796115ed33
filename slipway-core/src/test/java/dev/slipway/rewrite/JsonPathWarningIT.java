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
                    + "holds: it will match nothing in them."));
            assertThat(held.source().pathsHeld()).containsEntry("$.extra.s",
                    (long) held.source().keySample().size());
            assertThat(held.warnings()).noneMatch(w -> w.contains("sampled documents holds"));
            assertThat(moved.source().pathsHeld()).containsEntry("$.label", 0L);
            assertThat(moved.warnings()).as("the rename moves the values there")
                    .noneMatch(w -> w.contains("sampled documents holds"));
        }
    }
}
