package dev.slipway.api;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(RedisStackExtension.class)
class SmokeIT {
    @Test
    void planApply(RedisStackServer redis, @TempDir Path dir) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1", "product:",
                    "SCHEMA", "title", "TEXT", "category", "TAG");
            for (int i = 0; i < 100; i++) {
                jedis.hset("product:" + i, java.util.Map.of("title", "thing " + i, "category", "c" + (i % 3), "price", "" + i));
            }
        }
        Path patch = dir.resolve("patch.yaml");
        Files.writeString(patch, "version: 1\nchanges:\n  add_fields:\n    - name: price\n      type: numeric\n      attrs: {sortable: true}\n  update_fields:\n    - name: category\n      attrs: {separator: '|'}\n");
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patchFile("products", patch));
        SlipwayFiles.writePlan(plan, dir.resolve("plan.yaml"));
        System.out.println(Files.readString(dir.resolve("plan.yaml")));
        MigrationPlan read = SlipwayFiles.readPlan(dir.resolve("plan.yaml"));
        assertThat(read).isEqualTo(plan);
        MigrationReport report = slipway.apply(read, ApplyOptions.DEFAULTS);
        System.out.println(SlipwayFiles.render(report, SlipwayFiles.Format.YAML));
        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
    }
}
