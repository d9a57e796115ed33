package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.IndexDescription;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.List;
import java.util.Map;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Options FT.INFO does not report (tester session 28). PHONETIC on an index Slipway did not create is found by a
 * probe query and carried over, so phonetic queries keep working on the new version; on an index Slipway created,
 * its record supplies every hidden option, and the plan does not warn that they cannot be known.
 */
@ExtendWith(RedisStackExtension.class)
class HiddenOptionsIT {
    private static final SchemaPatch ADD_TAG = new SchemaPatch(List.of(FieldSchema.of("kind", FieldType.TAG)),
            List.of(), List.of(), List.of(), SchemaPatch.IndexChanges.NONE);
    private static final String PHONETIC_QUERY = "@%s:(jon) => {$phonetic: true}";

    private static long phoneticMatches(Jedis jedis, String index, String attribute) {
        List<?> reply = (List<?>) jedis.sendCommand(command("FT.SEARCH"), index,
                String.format(PHONETIC_QUERY, attribute), "NOCONTENT");
        return (Long) reply.get(0);
    }

    /**
     * A 33rd TEXT field makes the server turn MAXTEXTFIELDS on by itself; the plan's target says so, and the
     * migration validates (tester session 40 R29 F6: validation called it a change by someone else, apply exited 1
     * after the switch, and every re-run failed the same way).
     */
    @Test
    void aThirtyThirdTextFieldMigratesWithTheMaxTextFieldsTheServerAdds(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            List<String> create = new java.util.ArrayList<>(List.of("wide", "ON", "HASH", "PREFIX", "1", "w:",
                    "SCHEMA"));
            for (int i = 1; i <= 32; i++) {
                create.addAll(List.of("f" + i, "TEXT"));
                jedis.hset("w:" + i, "f" + i, "word" + i);
            }
            jedis.sendCommand(command("FT.CREATE"), create.toArray(String[]::new));
            Inspect.awaitIndexed(jedis, "wide");
            SchemaPatch add33rd = new SchemaPatch(List.of(FieldSchema.of("f33", FieldType.TEXT)), List.of(),
                    List.of(), List.of(), SchemaPatch.IndexChanges.NONE);

            MigrationPlan plan = slipway.plan(PlanRequest.patch("wide", add33rd));
            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(plan.targetSchema().options()).containsExactly(IndexOption.MAXTEXTFIELDS);
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(slipway.validate(plan, List.of()).passed()).isTrue();
        }
    }

    @Test
    void phoneticFoundByAProbeIsCarriedOverAndPhoneticQueriesKeepWorking(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < 20; i++) {
                jedis.hset("ph:" + i, Map.of("name", i % 2 == 0 ? "John" : "Mary", "a-b", "John", "plain", "John"));
            }
            jedis.sendCommand(command("FT.CREATE"), "people", "ON", "HASH", "PREFIX", "1", "ph:", "SCHEMA", "name",
                    "TEXT", "PHONETIC", "dm:fr", "a-b", "TEXT", "PHONETIC", "dm:en", "plain", "TEXT");
            Inspect.awaitIndexed(jedis, "people");
            assertThat(phoneticMatches(jedis, "people", "name")).as("Jon sounds like John").isEqualTo(10);

            IndexDescription described = slipway.describe("people");
            MigrationPlan plan = slipway.plan(PlanRequest.patch("people", ADD_TAG));

            assertThat(described.schema().field("name").orElseThrow().attrs()).containsEntry("phonetic_matcher",
                    "dm:en");
            assertThat(described.schema().field("plain").orElseThrow().attrs()).doesNotContainKey(
                    "phonetic_matcher");
            assertThat(described.warnings()).anySatisfy(w -> assertThat(w).startsWith(
                    "PHONETIC found by a probe query on 'name', 'a-b' of 'people'"));
            assertThat(plan.source().phoneticProbed()).containsExactly("name", "a-b");
            assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("PHONETIC found by a probe query",
                    "uses PHONETIC dm:en"));
            assertThat(plan.steps().stream().flatMap(s -> s.commandLines().stream())
                    .filter(line -> line.startsWith("FT.CREATE people:v2"))).singleElement().satisfies(line ->
                    assertThat(line).contains("name TEXT PHONETIC dm:en", "a-b TEXT PHONETIC dm:en")
                            .doesNotContain("plain TEXT PHONETIC"));

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(phoneticMatches(jedis, "people", "name")).as("served by people:v2").isEqualTo(10);
            assertThat(phoneticMatches(jedis, "people:v1", "name")).as("the retained copy").isEqualTo(10);
            assertThat(phoneticMatches(jedis, "people", "a\\-b")).isEqualTo(20);
            assertThatThrownBy(() -> phoneticMatches(jedis, "people", "plain"))
                    .isInstanceOf(JedisDataException.class).hasMessageContaining("does not support phonetics");
        }
    }

    /**
     * The vector tuning FT.INFO does not report is read from FT.DEBUG VECSIM_INFO and carried over, to the new
     * version and to the copy kept for rollback (tester session 40 R29 F5: both got the server defaults).
     */
    @Test
    void vectorTuningOfAUserCreatedIndexIsReadAndCarriedOver(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), "tuned", "ON", "HASH", "PREFIX", "1", "tv:", "SCHEMA",
                    "e", "VECTOR", "HNSW", "10", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "L2",
                    "EF_RUNTIME", "50", "EPSILON", "0.2",
                    "f", "VECTOR", "FLAT", "8", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "COSINE",
                    "BLOCK_SIZE", "64");

            IndexDescription described = slipway.describe("tuned");
            MigrationPlan plan = slipway.plan(PlanRequest.patch("tuned", ADD_TAG));
            slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(described.schema().field("e").orElseThrow().attrs()).containsEntry("ef_runtime", 50L)
                    .containsEntry("epsilon", 0.2);
            assertThat(described.schema().field("f").orElseThrow().attrs()).containsEntry("block_size", 64L);
            assertThat(plan.source().vectorTuningRead()).isTrue();
            for (String version : List.of("tuned:v1", "tuned:v2")) {
                assertThat(vecsim(jedis, version, "e")).as(version).containsEntry("EF_RUNTIME", "50")
                        .containsEntry("EPSILON", "0.2");
                assertThat(vecsim(jedis, version, "f")).as(version).containsEntry("BLOCK_SIZE", "64");
            }
        }
    }

    /** FT.DEBUG VECSIM_INFO of a vector attribute, flattened: a tiered HNSW index's graph under its own names. */
    private static Map<String, String> vecsim(Jedis jedis, String index, String attribute) {
        Map<String, String> out = new java.util.HashMap<>();
        flatten((List<?>) jedis.sendCommand(command("FT.DEBUG"), "VECSIM_INFO", index, attribute), out);
        return out;
    }

    private static void flatten(List<?> pairs, Map<String, String> out) {
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            String key = redis.clients.jedis.util.SafeEncoder.encode((byte[]) pairs.get(i));
            Object value = pairs.get(i + 1);
            if (value instanceof List<?> nested) {
                if (key.equals("BACKEND_INDEX")) {
                    flatten(nested, out);
                }
            } else {
                out.putIfAbsent(key, value instanceof byte[] b ? redis.clients.jedis.util.SafeEncoder.encode(b)
                        : String.valueOf(value));
            }
        }
    }

    /**
     * An index created SKIPINITIALSCAN holds none of the keys that existed then, and FT.INFO does not say so: the
     * plan warns that the new index will serve them (tester session 40 R29 F2: 1 document before, 501 after, no
     * word). Keys an index failed on are counted as failures, and do not set the warning off.
     */
    @Test
    void keysAnIndexNeverReadAreWarnedOfAndFailuresAreNot(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < 50; i++) {
                jedis.hset("old:" + i, Map.of("title", "old " + i, "n", i % 10 == 0 ? "not a number" : "1"));
            }
            jedis.sendCommand(command("FT.CREATE"), "skipped", "ON", "HASH", "PREFIX", "1", "old:", "SKIPINITIALSCAN",
                    "SCHEMA", "title", "TEXT");
            jedis.sendCommand(command("FT.CREATE"), "failing", "ON", "HASH", "PREFIX", "1", "old:", "SCHEMA",
                    "title", "TEXT", "n", "NUMERIC");
            jedis.hset("old:new", Map.of("title", "written after", "n", "2"));
            Inspect.awaitIndexed(jedis, "failing");

            MigrationPlan skipped = slipway.plan(PlanRequest.patch("skipped", ADD_TAG));
            MigrationPlan failing = slipway.plan(PlanRequest.patch("failing", ADD_TAG));

            assertThat(skipped.source().numDocs()).isEqualTo(1);
            assertThat(skipped.warnings()).anySatisfy(w -> assertThat(w).startsWith("Index 'skipped' neither holds "
                    + "nor counts as indexing failures at least 50 keys under its prefixes: it never read them, as "
                    + "an index created SKIPINITIALSCAN does"));
            assertThat(failing.source().indexingFailures()).isEqualTo(5);
            assertThat(failing.warnings()).noneSatisfy(w -> assertThat(w).contains("never read"));

            MigrationReport report = slipway.apply(skipped, ApplyOptions.DEFAULTS);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.steps()).as("the verify step says why the new version holds more").anySatisfy(step ->
                    assertThat(step.detail()).contains("the live index never read some keys (created "
                            + "SKIPINITIALSCAN), or keys expired"));
        }
    }

    @Test
    void anIndexSlipwayCreatedHasItsHiddenOptionsFromTheRecordAndNoWarning(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), "vecs", "ON", "HASH", "PREFIX", "1", "v:", "SCHEMA", "t", "TEXT",
                    "emb", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "L2");
            MigrationPlan first = slipway.plan(PlanRequest.patch("vecs", new SchemaPatch(List.of(), List.of(),
                    List.of(new SchemaPatch.FieldUpdate("emb", java.util.Optional.empty(), java.util.Optional.empty(),
                            Map.of("ef_runtime", 20))), List.of(),
                    SchemaPatch.IndexChanges.NONE)));
            assertThat(first.warnings()).as("only INITIAL_CAP is unknown, and it only preallocates: no plan warns of "
                    + "it (tester session 52 R46 T2 F13)").noneSatisfy(w -> assertThat(w).contains("INITIAL_CAP"));
            assertThat(slipway.describe("vecs").warnings()).as("index info, whose schema a target is made from, "
                    + "warns too (tester session 47 R42 T1)").anySatisfy(w -> assertThat(w).startsWith(
                    "FT.INFO does not report INITIAL_CAP"));
            assertThat(slipway.apply(first, ApplyOptions.DEFAULTS).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);

            MigrationPlan second = slipway.plan(PlanRequest.patch("vecs", ADD_TAG));
            IndexDescription described = slipway.describe("vecs");

            assertThat(second.source().optionsRecorded()).isTrue();
            assertThat(second.warnings()).noneSatisfy(w -> assertThat(w).contains("FT.INFO does not report"));
            assertThat(described.warnings()).noneSatisfy(w -> assertThat(w).contains("FT.INFO does not report"));
            assertThat(described.schema().field("emb").orElseThrow().attrs()).as("index info shows what "
                    + "Slipway recorded, so a --target-schema made from it keeps it").containsEntry("ef_runtime", 20L);
        }
    }
}
