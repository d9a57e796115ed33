package dev.slipway.api;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.vector.Float16;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A server whose configuration renames or disables commands Slipway reads with and can do without ({@code
 * rename-command}, as managed services do with CONFIG): the messages say the server has no such command, where they
 * said it refuses the command "to this user", a user with every right (tester session 48 R43 T3 F7).
 */
class RenamedCommandsIT {
    private static final int DOCS = 300;
    private static final int DIMS = 4;
    private static RedisStackServer redis;

    @BeforeAll
    static void start() {
        redis = new RedisStackServer("--rename-command", "INFO", "INFO_renamed", "--rename-command", "CONFIG", "",
                "--rename-command", "OBJECT", "", "--rename-command", "RENAME", "").start();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void plansAppliesValidatesAndRollsBackSayingWhichCommandsTheServerHasNot(@TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "renamed", "ON", "HASH", "PREFIX", "1", "rn:",
                    "SCHEMA", "title", "TEXT", "emb", "VECTOR", "FLAT", "6", "TYPE", "FLOAT16", "DIM",
                    String.valueOf(DIMS), "DISTANCE_METRIC", "L2");
            for (int i = 0; i < DOCS; i++) {
                ByteBuffer vector = ByteBuffer.allocate(2 * DIMS).order(ByteOrder.LITTLE_ENDIAN);
                for (int d = 0; d < DIMS; d++) {
                    vector.putShort(Float16.fromFloat(i + d / 8f));
                }
                jedis.hset(("rn:" + i).getBytes(StandardCharsets.UTF_8), Map.of(
                        "title".getBytes(StandardCharsets.UTF_8), ("thing " + i).getBytes(StandardCharsets.UTF_8),
                        "emb".getBytes(StandardCharsets.UTF_8), vector.array()));
            }
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        SchemaPatch widen = new SchemaPatch(List.of(), List.of(), List.of(new SchemaPatch.FieldUpdate("emb",
                Optional.empty(), Optional.empty(), Map.of("datatype", "float32"))), List.of(),
                SchemaPatch.IndexChanges.NONE);

        MigrationPlan plan = slipway.plan(PlanRequest.patch("renamed", widen));

        assertThat(plan.supported()).as("%s", plan.blockedReasons()).isTrue();
        // CONFIG GET is asked only with the memory figures, which INFO gives
        assertThat(plan.source().server().unknownCommands()).contains("INFO", "OBJECT").doesNotContain("CONFIG");
        assertThat(plan.source().server().redisVersion()).as("from HELLO").matches("\\d+\\.\\d+\\.\\d+");
        assertThat(plan.warnings()).noneSatisfy(w -> assertThat(w).contains("to this user"))
                .anySatisfy(w -> assertThat(w).startsWith("Memory limit: not checked, since the server has no INFO "
                        + "command (renamed or disabled)"))
                .anySatisfy(w -> assertThat(w).contains("hash-max-listpack-value could not be read (it is read with "
                        + "the memory figures, and the server has no INFO command (renamed or disabled))"))
                .anySatisfy(w -> assertThat(w).contains("encodings could not be read (the server has no OBJECT "
                        + "command (renamed or disabled))"));
        // the plan file carries what the server has not, for the plan's messages when it is read back
        Path planFile = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(plan, planFile);
        assertThat(SlipwayFiles.readPlan(planFile).source().server().unknownCommands())
                .isEqualTo(plan.source().server().unknownCommands());

        Path backup = dir.resolve("backup");
        MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup));

        assertThat(report.result()).as("%s", report.error()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.warnings()).noneSatisfy(w -> assertThat(w).contains("to this user"))
                .anySatisfy(w -> assertThat(w).startsWith("Memory not checked: the server has no INFO command "
                        + "(renamed or disabled), so apply cannot check that it fits"));
        assertThat(evictions(report.validation().orElseThrow().checks()).detail())
                .startsWith("the server's evicted_keys was not recorded when the migration began (the server did "
                        + "not answer INFO stats then)");
        assertThat(evictions(slipway.validate(plan, List.of(), 0).checks()).actual()).isEqualTo("unknown");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.hget("rn:7".getBytes(StandardCharsets.UTF_8), "emb".getBytes(StandardCharsets.UTF_8)))
                    .hasSize(4 * DIMS);
            // the write watch's probe of whether the server reports renames back could not RENAME its key
            assertThat(jedis.keys("slipway:watch-probe:*")).as("the probe's key, not left behind").isEmpty();
        }

        List<String> rollbackMessages = new ArrayList<>();
        Slipway.configure().url(redis.url()).progress(new ProgressListener() {
            @Override
            public void message(String text) {
                rollbackMessages.add(text);
            }
        }).load().rollbackFromBackup(backup, 1);

        assertThat(rollbackMessages).noneSatisfy(w -> assertThat(w).contains("to this user"))
                .anySatisfy(w -> assertThat(w).startsWith("Warning: Memory not checked: the server has no INFO "
                        + "command (renamed or disabled), so the rollback cannot check that it fits"));
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.hget("rn:7".getBytes(StandardCharsets.UTF_8), "emb".getBytes(StandardCharsets.UTF_8)))
                    .hasSize(2 * DIMS);
        }
    }

    /**
     * A server with EVAL disabled (a common hardening): apply took the lock, failed at its first script with a raw
     * "Redis rejected EVAL" and exit 1, and kept the lock for its lease. Now every verb that takes the lock refuses up
     * front, exit 2, with nothing changed, and says what to do.
     */
    @Test
    void withoutEvalEveryVerbThatLocksRefusesBeforeAnyChange() {
        try (RedisStackServer noScripts = new RedisStackServer("--rename-command", "EVAL", "").start();
             Jedis jedis = noScripts.newJedis()) {
            seedTitles(jedis, "noeval", 20);
            Slipway slipway = Slipway.configure().url(noScripts.url()).load();
            MigrationPlan plan = slipway.plan(PlanRequest.patch("noeval", ADD_PRICE));
            List<Runnable> verbs = List.of(() -> slipway.apply(plan, ApplyOptions.DEFAULTS),
                    () -> slipway.rollback("noeval"), () -> slipway.prune("noeval", Optional.empty()));

            for (Runnable verb : verbs) {
                SlipwayException refused = catchThrowableOfType(verb::run, SlipwayException.class);
                assertThat(refused).isNotNull();
                assertThat(refused.exitCode()).as(refused.getMessage()).isEqualTo(2);
                assertThat(refused.code()).isEqualTo(ErrorCode.UNSUPPORTED_BY_SERVER);
                assertThat(refused.getMessage()).contains("The server has no EVAL command (renamed or disabled with "
                        + "rename-command)", "Lua scripts", "nothing was changed", "Give it its name back");
            }
            assertThat(jedis.keys("slipway:*")).as("no lock, checkpoint or history left").isEmpty();
            assertThat(indexes(jedis)).containsExactly("noeval");
        }
    }

    /** Where SCAN is disabled, plan (which reads keys with it) said "Redis rejected SCAN" and exited 1. */
    @Test
    void aReadOnlyVerbNamesTheCommandTheServerHasNot() {
        try (RedisStackServer noScan = new RedisStackServer("--rename-command", "SCAN", "").start();
             Jedis jedis = noScan.newJedis()) {
            seedTitles(jedis, "noscan", 1);
            Slipway slipway = Slipway.configure().url(noScan.url()).load();

            SlipwayException refused = catchThrowableOfType(() -> slipway.plan(PlanRequest.patch("noscan",
                    ADD_PRICE)), SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.code()).isEqualTo(ErrorCode.UNSUPPORTED_BY_SERVER);
            assertThat(refused.getMessage()).contains("has no SCAN command (renamed or disabled with rename-command",
                    "Nothing was changed", "Give the command its name back");
            assertThat(slipway.listIndexes()).as("what needs no SCAN still works").containsExactly("noscan");
        }
    }

    /** Adds the hashes' price field to the index as NUMERIC: an index-only change. */
    private static final SchemaPatch ADD_PRICE = new SchemaPatch(List.of(new FieldSchema("price", null,
            FieldType.NUMERIC, Map.of())), List.of(), List.of(), List.of(), SchemaPatch.IndexChanges.NONE);

    /** An index {@code index} over {@code <index>:} of {@code count} hashes with a title and a price. */
    private static void seedTitles(Jedis jedis, String index, int count) {
        jedis.sendCommand(RedisStackServer.command("FT.CREATE"), index, "ON", "HASH", "PREFIX", "1", index + ":",
                "SCHEMA", "title", "TEXT");
        for (int i = 0; i < count; i++) {
            jedis.hset(index + ":" + i, Map.of("title", "thing " + i, "price", String.valueOf(i)));
        }
    }

    private static List<String> indexes(Jedis jedis) {
        return RedisReplies.list(jedis.sendCommand(RedisStackServer.command("FT._LIST"))).stream()
                .map(RedisReplies::text).toList();
    }

    private static ValidationCheck evictions(List<ValidationCheck> checks) {
        return checks.stream().filter(c -> c.name().equals("evictions")).findFirst().orElseThrow();
    }
}
