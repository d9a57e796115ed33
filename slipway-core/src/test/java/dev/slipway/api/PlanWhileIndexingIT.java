package dev.slipway.api;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.plan.MigrationPlanner;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A plan made while the source index is still indexing says so, since its counts and estimates are of the documents
 * indexed so far (tester session 35 R19 L6: 4,880 of 20,000 planned, with no word of it); its id covers the warning.
 */
@ExtendWith(RedisStackExtension.class)
class PlanWhileIndexingIT {
    private static final int DOCS = 200_000;

    @Test
    void aPlanOfAnIndexStillIndexingWarnsThatItsCountsArePartial(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            jedis.eval("for i = 1, tonumber(ARGV[1]) do redis.call('HSET', 'w:' .. i, 't', 'some words ' .. i, 'n', "
                    + "i) end return 1", 0, Integer.toString(DOCS));
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "words", "ON", "HASH", "PREFIX", "1", "w:",
                    "SCHEMA", "t", "TEXT", "n", "NUMERIC");
        }
        Path patch = Files.writeString(dir.resolve("patch.yaml"), "changes:\n  add_fields:\n    - {name: x, type: tag}\n");
        Slipway slipway = Slipway.configure().url(redis.url()).load();

        MigrationPlan plan = slipway.plan(PlanRequest.patch("words", SlipwayFiles.readPatch(patch)));

        boolean partial = plan.source().numDocs() < DOCS;
        assertThat(plan.warnings().stream().anyMatch(w -> w.startsWith("Index 'words' was still indexing when this "
                + "plan was made"))).as("warned, when the snapshot counted %d of %d", plan.source().numDocs(), DOCS)
                .isEqualTo(partial);
        assertThat(MigrationPlanner.planId(plan)).as("the id covers the warning").isEqualTo(plan.planId());
        System.out.println("PlanWhileIndexingIT: the snapshot counted " + plan.source().numDocs() + " of " + DOCS);
    }
}
