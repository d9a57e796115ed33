package dev.slipway.api;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.RollbackResult;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@ExtendWith(RedisStackExtension.class)
class ZeroDowntimeSmokeIT {
    @Test
    void adoptMigrateRollbackPrune(RedisStackServer redis, @TempDir Path dir) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1",
                    "product:", "SCHEMA", "title", "TEXT", "category", "TAG");
            for (int i = 0; i < 100; i++) {
                jedis.hset("product:" + i, Map.of("title", "thing " + i, "category", "c" + (i % 3), "price", "" + i));
            }
        }
        Path patch = dir.resolve("patch.yaml");
        Files.writeString(patch, "version: 1\nchanges:\n  add_fields:\n    - name: price\n      type: numeric\n");
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch("products", SlipwayFiles.readPatch(patch)));
        assertThat(plan.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);
        SlipwayFiles.writePlan(plan, dir.resolve("plan.yaml"));
        System.out.println(Files.readString(dir.resolve("plan.yaml")));
        MigrationReport report = slipway.apply(SlipwayFiles.readPlan(dir.resolve("plan.yaml")), ApplyOptions.DEFAULTS);
        System.out.println(SlipwayFiles.render(report, SlipwayFiles.Format.YAML));
        assertThat(slipway.describe("products").physicalIndex()).isEqualTo("products:v2");

        Files.writeString(patch, "version: 1\nchanges:\n  update_fields:\n    - name: price\n      attrs: {sortable: true}\n");
        MigrationPlan second = slipway.plan(PlanRequest.patch("products", SlipwayFiles.readPatch(patch)));
        slipway.apply(second, ApplyOptions.DEFAULTS);
        assertThat(slipway.describe("products").physicalIndex()).isEqualTo("products:v3");
        IndexStatus status = slipway.status(Optional.of("products")).get(0);
        System.out.println(SlipwayFiles.render(status, SlipwayFiles.Format.YAML));
        RollbackResult rollback = slipway.rollback("products");
        assertThat(rollback.to()).isEqualTo("products:v2");
        assertThat(slipway.describe("products").physicalIndex()).isEqualTo("products:v2");
        System.out.println(SlipwayFiles.render(slipway.prune("products", Optional.empty()), SlipwayFiles.Format.YAML));
        System.out.println(SlipwayFiles.render(slipway.status(Optional.empty()), SlipwayFiles.Format.YAML));

        // a misspelt name is refused, as the CLI refuses it, not answered with a status of nothing (R40 F9)
        SlipwayException misspelt = catchThrowableOfType(() -> slipway.status(Optional.of("prodcts")),
                SlipwayException.class);
        assertThat(misspelt.code()).isEqualTo(ErrorCode.UNKNOWN_INDEX);
        assertThat(misspelt.getMessage()).contains("'prodcts' does not exist", "Existing indexes: products:v2.",
                "Names Slipway serves through an alias: products.");
        assertThat(slipway.status(Optional.of("products:v2")).get(0).name()).as("a version's own name")
                .isEqualTo("products");
        // prune of a misspelt name with a version: the name is refused, before any lock (R41 F8: BAD_USAGE "has no
        // retained version 2", and a lock key of the misspelt name left behind)
        SlipwayException pruned = catchThrowableOfType(() -> slipway.prune("prodcts", Optional.of(2)),
                SlipwayException.class);
        assertThat(pruned.code()).isEqualTo(ErrorCode.UNKNOWN_INDEX);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.keys("slipway:lock:*")).isEmpty();
        }
    }
}
