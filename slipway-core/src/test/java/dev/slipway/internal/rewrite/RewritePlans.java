package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.plan.MigrationPlanner;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Plans with a document rewrite, made by the real (pure) planner from a hand-made snapshot. */
final class RewritePlans {
    private RewritePlans() {
    }

    private static IndexSchema schema(String datatype) {
        return IndexSchema.builder("docs", StorageType.HASH).prefixes(List.of("doc:"))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of()))
                .field(new FieldSchema("emb", null, FieldType.VECTOR, Map.of("algorithm", "flat", "datatype",
                        datatype, "dims", 4, "distance_metric", "cosine")))
                .build();
    }

    /** A plan converting {@code emb} from float32 to the given datatype. */
    static MigrationPlan quantize(String datatype) {
        SourceSnapshot source = new SourceSnapshot("docs", "docs", schema("float32"), 10, 0, List.of("doc:1"),
                new ServerInfo("7.4.1", 21005, 20809), 1000, 5, 0, List.of());
        MigrationPlan plan = MigrationPlanner.plan(source, Optional.empty(), schema(datatype), Map.of(),
                Optional.empty(), KeyNamespace.DEFAULT, false, Instant.parse("2026-01-01T00:00:00Z"));
        if (plan.rewrite().isEmpty()) {
            throw new AssertionError("no rewrite in " + plan);
        }
        return plan;
    }
}
