package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.RewriteSpec.FieldMove;
import dev.slipway.api.plan.RewriteSpec.VectorConversion;
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

class SharedKeyEffectTest {
    private static IndexSchema json(String name, String path) {
        return IndexSchema.builder(name, StorageType.JSON).prefixes(List.of("doc:"))
                .field(new FieldSchema("f", path, FieldType.TAG, Map.of())).build();
    }

    private static IndexSchema hash(String name, String attribute, String field, String filter) {
        return IndexSchema.builder(name, StorageType.HASH).prefixes(List.of("doc:")).filter(filter)
                .field(new FieldSchema(attribute, field, FieldType.TAG, Map.of())).build();
    }

    private static RewriteSpec jsonMove(String from, String to) {
        return new RewriteSpec(StorageType.JSON, List.of("doc:"), Optional.empty(), List.of(new FieldMove(from, to)),
                List.of(), 10, false);
    }

    @Test
    void aJsonIndexIsAffectedByAMoveOfAMemberItReadsOrHoldsAndByPathsItCannotTell() {
        RewriteSpec move = jsonMove("$.meta.brand", "$.meta.maker");
        Map<String, IndexSchema> others = Map.of(
                "price", json("price", "$.price"),
                "brand", json("brand", "$.meta.brand"),
                "meta", json("meta", "$.meta"),
                "maker", json("maker", "$['meta']['maker']"),
                "tags", json("tags", "$.tags[*]"),
                "deep", json("deep", "$..brand"));

        assertThat(SharedKeyEffect.affected(move, others)).containsExactly("brand", "deep", "maker", "meta", "tags");
    }

    @Test
    void aHashIndexIsAffectedByAFieldItReadsByAnyNameOrByAFilterAndEveryIndexByAKeyMove() {
        RewriteSpec conversion = new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.empty(), List.of(),
                List.of(new VectorConversion("emb", "float32", "float16", 8)), 10, true);
        IndexSchema titles = hash("titles", "title", "title", null);
        IndexSchema aliased = hash("v", "v", "emb", null);

        assertThat(SharedKeyEffect.affected(conversion, Map.of("titles", titles, "v", aliased))).containsExactly("v");
        assertThat(SharedKeyEffect.affects(conversion, hash("f", "title", "title", "@price > 0"))).isTrue();
        RewriteSpec moveKeys = new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.of("item:"), List.of(),
                List.of(), 10, false);
        assertThat(SharedKeyEffect.affects(moveKeys, titles)).isTrue();
    }

    private static IndexSchema hashDocs(String prefix, String titleField, String vectorType) {
        return IndexSchema.builder("docs", StorageType.HASH).prefixes(List.of(prefix))
                .field(new FieldSchema(titleField, null, FieldType.TEXT, Map.of()))
                .field(new FieldSchema("emb", null, FieldType.VECTOR, Map.of("algorithm", "flat", "datatype",
                        vectorType, "dims", 4, "distance_metric", "cosine")))
                .build();
    }

    /** The refusal a plan with other indexes over its keys gets, made by the real planner. */
    private static String sharedKeysRefusal(IndexSchema target, Map<String, String> renames) {
        SourceSnapshot source = new SourceSnapshot("docs", "docs", hashDocs("doc:", "title", "float32"), 10, 0,
                List.of("doc:1"), new ServerInfo("7.4.1", 21005, 20809), 1000, 5, 0, List.of("other"));
        MigrationPlan plan = MigrationPlanner.plan(source, Optional.empty(), target, renames, Optional.empty(),
                KeyNamespace.DEFAULT, false, Instant.parse("2026-01-01T00:00:00Z"));
        return plan.blockedReasons().stream().filter(r -> r.startsWith("indexes [other]")).findFirst()
                .orElseThrow(() -> new AssertionError("no shared-keys refusal in " + plan.blockedReasons()));
    }

    /** The refusal named old vector bytes for every rewrite, also a field rename (tester R49 T2 F8). */
    @Test
    void theSharedKeysRefusalNamesWhatTheRewriteChanges() {
        assertThat(sharedKeysRefusal(hashDocs("doc:", "name", "float32"), Map.of("title", "name")))
                .contains("it moves 'title' to 'name' in every document").doesNotContain("vector");
        assertThat(sharedKeysRefusal(hashDocs("item:", "title", "float32"), Map.of()))
                .contains("it moves the keys from 'doc:' to 'item:'").doesNotContain("vector");
        assertThat(sharedKeysRefusal(hashDocs("doc:", "title", "float16"), Map.of()))
                .contains("it converts the vectors of 'emb' float32 -> float16 (an index expecting the old vector "
                        + "bytes fails those documents)");
    }
}
