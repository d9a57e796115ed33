package dev.slipway.api;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(RedisStackExtension.class)
class RewriteSmokeIT {
    /** Every field and its exact bytes, in a stable order (hash field order is not part of the data). */
    private static String fields(Jedis jedis, String key) {
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        jedis.hgetAll(key.getBytes()).forEach((k, v) -> sorted.put(new String(k), java.util.HexFormat.of().formatHex(v)));
        return sorted.toString();
    }

    @Test
    void quantizeRenameMoveAndRestore(RedisStackServer redis, @TempDir Path dir) throws Exception {
        Map<String, String> before = new HashMap<>();
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "docs", "ON", "HASH", "PREFIX", "1", "doc:",
                    "SCHEMA", "title", "TEXT", "emb", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "8",
                    "DISTANCE_METRIC", "COSINE");
            Random random = new Random(1);
            for (int i = 0; i < 1200; i++) {
                ByteBuffer v = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
                for (int d = 0; d < 8; d++) {
                    v.putFloat(random.nextFloat());
                }
                jedis.hset(("doc:" + i).getBytes(), Map.of("title".getBytes(), ("t " + i).getBytes(), "emb".getBytes(), v.array()));
            }
            for (int i = 0; i < 1200; i++) {
                before.put("doc:" + i, fields(jedis, "doc:" + i));
            }
        }
        Path patch = dir.resolve("patch.yaml");
        Files.writeString(patch, "version: 1\nchanges:\n  rename_fields:\n    - {old_name: title, new_name: name}\n"
                + "  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n  index:\n    prefix: 'item:'\n");
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch("docs", SlipwayFiles.readPatch(patch)));
        System.out.println(SlipwayFiles.render(plan.changes(), SlipwayFiles.Format.YAML));
        System.out.println(plan.blockedReasons());
        assertThat(plan.supported()).isTrue();
        Path backup = dir.resolve("backup");
        MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                .withThroughput(100, 2, 0, 3));
        System.out.println(SlipwayFiles.render(report, SlipwayFiles.Format.YAML));
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.exists("doc:5")).isFalse();
            assertThat(jedis.hget("item:5".getBytes(), "emb".getBytes())).hasSize(16);
            assertThat(jedis.hget("item:5", "name")).isEqualTo("t 5");
        }
        System.out.println(SlipwayFiles.render(slipway.rollbackFromBackup(backup, 2), SlipwayFiles.Format.YAML));
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < 1200; i++) {
                assertThat(fields(jedis, "doc:" + i)).as("doc:" + i).isEqualTo(before.get("doc:" + i));
            }
            assertThat(jedis.keys("item:*")).isEmpty();
        }
        assertThat(slipway.describe("docs").numDocs()).isEqualTo(1200);
    }
}
