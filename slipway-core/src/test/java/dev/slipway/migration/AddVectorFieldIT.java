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
        MigrationPlan plan = slipway.plan(PlanRequest.patch("wi", new SchemaPatch(List.of(new FieldSchema("w", null,
                FieldType.VECTOR, Map.of("algorithm", "flat", "datatype", "float32", "dims", DIMS,
                "distance_metric", "l2"))), List.of(), List.of(), List.of(), null)));

        assertThat(plan.supported()).as(plan.blockedReasons().toString()).isTrue();
        assertThat(plan.changes()).extracting(SchemaChange::kind).containsExactly(ChangeKind.ADD_VECTOR_FIELD);
        assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("vector indexes"));
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
