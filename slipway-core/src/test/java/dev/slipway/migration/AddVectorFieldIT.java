package dev.slipway.migration;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Adding a vector field over documents that already hold the vectors is an index-only change. It was refused with
 * advice to write the vectors first, which did not unblock it (tester session 31 R10 M5).
 */
@ExtendWith(RedisStackExtension.class)
class AddVectorFieldIT {
    private static final int DOCS = 200;
    private static final int DIMS = 8;

    @Test
    void aVectorFieldOverVectorsTheDocumentsHoldIsAddedAndAnswersKnn(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        byte[] first;
        try (Jedis jedis = redis.newJedis()) {
            Random random = new Random(11);
            Pipeline pipeline = jedis.pipelined();
            first = vector(random);
            for (int i = 0; i < DOCS; i++) {
                pipeline.hset(bytes("w:" + i), Map.of(bytes("t"), bytes("t" + i % 4), bytes("w"),
                        i == 0 ? first : vector(random)));
            }
            pipeline.hset("w:novector", "t", "t0"); // stays in the index, out of the vector index
            pipeline.sync();
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "wi", "ON", "HASH", "PREFIX", "1", "w:",
                    "SCHEMA", "t", "TAG");
        }
        awaitIndexed(slipway, "wi", DOCS + 1);
        MigrationPlan plan = slipway.plan(PlanRequest.patch("wi", new SchemaPatch(List.of(new FieldSchema("w", null,
                FieldType.VECTOR, Map.of("algorithm", "flat", "datatype", "float32", "dims", DIMS,
                "distance_metric", "l2"))), List.of(), List.of(), List.of(), null)));

        assertThat(plan.supported()).as(plan.blockedReasons().toString()).isTrue();
        assertThat(plan.changes()).extracting(SchemaChange::kind).containsExactly(ChangeKind.ADD_VECTOR_FIELD);
        assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("vector indexes"))
                .noneMatch(w -> w.contains("hold a value of another size"));
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);

        try (Jedis jedis = redis.newJedis()) {
            List<Object> reply = (List<Object>) jedis.sendCommand(RedisStackServer.command("FT.SEARCH"),
                    bytes("wi"), bytes("*=>[KNN 3 @w $v]"), bytes("PARAMS"), bytes("2"), bytes("v"), first,
                    bytes("SORTBY"), bytes("__w_score"), bytes("NOCONTENT"), bytes("DIALECT"), bytes("2"));
            assertThat((Long) reply.get(0)).isEqualTo(3L);
            assertThat(new String((byte[]) reply.get(1), StandardCharsets.UTF_8)).isEqualTo("w:0");
        }
        assertThat(slipway.describe("wi").numDocs()).isEqualTo(DOCS + 1);
    }

    /** Vectors of another size than the new field's are warned of at plan time (tester session 31 R11 M3). */
    @Test
    void vectorsOfAnotherSizeAreWarnedOf(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            Random random = new Random(12);
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < DOCS; i++) {
                pipeline.hset(bytes("h:" + i), Map.of(bytes("t"), bytes("x"), bytes("w"), vector(random)));
                pipeline.sendCommand(RedisStackServer.command("JSON.SET"), "j:" + i, "$",
                        "{\"t\":\"x\",\"w\":[1,2,3,4,5,6,7,8]}");
            }
            pipeline.sync();
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "hi", "ON", "HASH", "PREFIX", "1", "h:",
                    "SCHEMA", "t", "TAG");
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "ji", "ON", "JSON", "PREFIX", "1", "j:",
                    "SCHEMA", "$.t", "AS", "t", "TAG");
        }
        for (String index : List.of("hi", "ji")) {
            awaitIndexed(slipway, index, DOCS);
            MigrationPlan plan = slipway.plan(PlanRequest.patch(index, new SchemaPatch(List.of(new FieldSchema("w",
                    null, FieldType.VECTOR, Map.of("algorithm", "flat", "datatype", "float32", "dims", 4,
                    "distance_metric", "l2"))), List.of(), List.of(), List.of(), null)));

            assertThat(plan.warnings()).as(index).anySatisfy(w -> assertThat(w).startsWith("Field 'w' reads vectors "
                    + "of 4 float32 elements at '").contains("', but 20 of the 20 sampled documents hold a value of "
                    + "another size there"));
        }
        // one without dims is blocked as the plan is made (tester session 45 R40 F8: apply found it)
        MigrationPlan undimensioned = slipway.plan(PlanRequest.patch("hi", new SchemaPatch(List.of(new FieldSchema(
                "w", null, FieldType.VECTOR, Map.of("algorithm", "flat", "datatype", "float32", "distance_metric",
                "l2"))), List.of(), List.of(), List.of(), null)));
        assertThat(undimensioned.supported()).isFalse();
        assertThat(undimensioned.blockedReasons()).singleElement().satisfies(r -> assertThat(r)
                .startsWith("vector field 'w' has no dims"));
    }

    private static void awaitIndexed(Slipway slipway, String index, long documents) {
        for (int i = 0; i < 200 && slipway.describe(index).numDocs() < documents; i++) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }

    private static byte[] vector(Random random) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * DIMS).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < DIMS; d++) {
            buffer.putFloat(random.nextFloat());
        }
        return buffer.array();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
