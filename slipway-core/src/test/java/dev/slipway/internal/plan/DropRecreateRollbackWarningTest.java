package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationMode;
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

/** The undo a drop-recreate plan of an aliased name names, which drops the index the name serves. */
class DropRecreateRollbackWarningTest {
    private static IndexSchema schema(String datatype, boolean withPrice) {
        IndexSchema.Builder builder = IndexSchema.builder("docs:v2", StorageType.HASH).prefixes(List.of("doc:"))
                .field(new FieldSchema("emb", null, FieldType.VECTOR, Map.of("algorithm", "flat", "datatype",
                        datatype, "dims", 4, "distance_metric", "cosine")));
        return (withPrice ? builder.field(new FieldSchema("price", null, FieldType.NUMERIC, Map.of())) : builder)
                .build();
    }

    private static String rollbackWarning(IndexSchema target) {
        SourceSnapshot source = new SourceSnapshot("docs", "docs:v2", schema("float32", false), 10, 0,
                List.of("doc:1"), new ServerInfo("7.4.1", 21005, 20809), 1000, 5, 2, List.of());
        MigrationPlan plan = MigrationPlanner.plan(source, Optional.empty(), target, Map.of(),
                Optional.of(MigrationMode.DROP_RECREATE), KeyNamespace.DEFAULT, false,
                Instant.parse("2026-01-01T00:00:00Z"));
        return plan.warnings().stream().filter(w -> w.startsWith("Rollback: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no Rollback warning in " + plan.warnings()));
    }

    /** Zero-downtime is blocked for a rewrite and a reverse change cannot bring lossy originals back (R49 T1 F5). */
    @Test
    void aRewriteIsUndoneFromItsBackup() {
        assertThat(rollbackWarning(schema("float16", false)))
                .startsWith("Rollback: 'docs:v2', the index 'docs' serves now, is dropped")
                .contains("Undo this migration with 'slipway rollback --backup-dir <dir>'")
                .doesNotContain("zero-downtime", "reverse change");
    }

    @Test
    void anIndexOnlyChangeIsUndoneByTheReverseChange() {
        assertThat(rollbackWarning(schema("float32", true)))
                .contains("planning the reverse change", "--mode zero-downtime")
                .doesNotContain("--backup-dir");
    }
}
