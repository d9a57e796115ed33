package dev.slipway.internal.io;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PlanCodecTest {
    private static final List<String> NUMBER_LIKE = List.of("0x10", "1_000", "+12", "-.5", "6.8523015e+5", ".inf",
            ".NaN", "012", "1e3", "0b101", "190:20:30");

    /** Field names and prefixes YAML 1.1 reads as numbers come back as written (tester session 47 R42 T1 F3). */
    @Test
    void numberLikeStringsRoundTripThroughYaml() throws Exception {
        IndexSchema.Builder builder = IndexSchema.builder("idx", StorageType.HASH).prefixes(List.of("1_000", ".5:"));
        NUMBER_LIKE.forEach(name -> builder.field(FieldSchema.of(name, FieldType.TAG)));
        IndexSchema schema = builder.build();

        String yaml = PlanCodec.yaml().writeValueAsString(Map.of("schema", schema));

        assertThat(yaml).contains("\"0x10\"", "\".inf\"", "\"+12\"");
        IndexSchema read = PlanCodec.yaml().readValue(yaml, Holder.class).schema();
        assertThat(read).isEqualTo(schema);
    }

    @Test
    void plainWordsStayUnquoted() throws Exception {
        assertThat(PlanCodec.yaml().writeValueAsString(Map.of("name", "title"))).isEqualTo("name: title\n");
        assertThat(PlanCodec.NumberLikeQuoted.beginsLikeANumber("x1")).isFalse();
        assertThat(PlanCodec.NumberLikeQuoted.beginsLikeANumber("")).isFalse();
    }

    record Holder(IndexSchema schema) {
    }
}
