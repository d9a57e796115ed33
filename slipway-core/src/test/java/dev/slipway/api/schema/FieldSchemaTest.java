package dev.slipway.api.schema;

import dev.slipway.api.SlipwayFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Fields built in code mean what the same fields in a schema or patch file mean. */
class FieldSchemaTest {
    /** A vector field built in code had no algorithm, datatype or metric, and the server refused it (R40 F8). */
    @Test
    void aVectorFieldGetsTheFileDefaultsWhereNotGiven() {
        assertThat(FieldSchema.of("v", FieldType.VECTOR).attrs())
                .containsEntry("algorithm", "flat").containsEntry("datatype", "float32")
                .containsEntry("distance_metric", "cosine");
        // given under an alias, in capitals: the given value stays, no default beside it
        FieldSchema given = new FieldSchema("v", null, FieldType.VECTOR, Map.of("data_type", "FLOAT16",
                "DISTANCE_METRIC", "L2", "algorithm", "HNSW", "m", 8, "dims", 4));
        assertThat(given.attrs()).isEqualTo(Map.of("algorithm", "hnsw", "datatype", "float16", "distance_metric",
                "l2", "m", 8L, "dims", 4L));
    }

    @Test
    void theSameVectorFieldFromAPatchFileEqualsItBuiltInCode(@TempDir Path dir) throws Exception {
        FieldSchema inCode = new FieldSchema("v", null, FieldType.VECTOR, Map.of("dims", 4));
        Path file = Files.writeString(dir.resolve("patch.yaml"), "version: 1\nchanges:\n  add_fields:\n"
                + "    - name: v\n      type: vector\n      attrs: {dims: 4}\n");
        assertThat(SlipwayFiles.readPatch(file).addFields()).containsExactly(inCode);
    }

    @Test
    void otherTypesGetNoDefaults() {
        assertThat(FieldSchema.of("t", FieldType.TEXT).attrs()).isEmpty();
        assertThat(FieldSchema.of("n", FieldType.NUMERIC).attrs()).isEmpty();
    }
}
