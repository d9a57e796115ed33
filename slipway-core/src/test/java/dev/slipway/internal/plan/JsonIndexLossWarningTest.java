package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.KeyNamespace;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JSON vector's narrower datatype is stored by the index only, and the plan says what that loses as the hash
 * conversion's does (tester R49 T2 F6: FLOAT16 turned elements over 65504 into infinity, unannounced).
 */
class JsonIndexLossWarningTest {
    private static IndexSchema schema(String datatype) {
        return IndexSchema.builder("docs", StorageType.JSON).prefixes(List.of("j:"))
                .field(new FieldSchema("v", "$.v", FieldType.VECTOR, Map.of("algorithm", "flat", "datatype",
                        datatype, "dims", 2, "distance_metric", "l2")))
                .build();
    }

    private static List<String> warnings(String from, String to) {
        SourceSnapshot source = new SourceSnapshot("docs", "docs", schema(from), 10, 0, List.of("j:1"),
                new ServerInfo("7.4.1", 21005, 20809), 1000, 5, 0, List.of());
        MigrationPlan plan = MigrationPlanner.plan(source, Optional.empty(), schema(to), Map.of(), Optional.empty(),
                KeyNamespace.DEFAULT, false, Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(plan.rewrite()).isEmpty();
        return plan.warnings();
    }

    @Test
    void float16SaysWhatItsRangeTurnsIntoInfinity() {
        assertThat(warnings("float32", "float16")).anySatisfy(warning -> assertThat(warning)
                .startsWith("Lossy in the index: 'v' float32 -> float16 loses precision")
                .contains("the JSON documents keep their numbers")
                .contains("FLOAT16 holds at most ±65504")
                .contains("indexed as infinity"));
    }

    @Test
    void bfloat16LosesPrecisionButKeepsTheRange() {
        assertThat(warnings("float32", "bfloat16")).anySatisfy(warning -> assertThat(warning)
                .startsWith("Lossy in the index: 'v' float32 -> bfloat16 loses precision")
                .doesNotContain("65504"));
    }

    @Test
    void aWideningLosesNothing() {
        assertThat(warnings("float16", "float32")).noneSatisfy(warning -> assertThat(warning)
                .startsWith("Lossy"));
    }
}
