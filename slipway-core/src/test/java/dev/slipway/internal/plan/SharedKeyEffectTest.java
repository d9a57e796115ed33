package dev.slipway.internal.plan;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.RewriteSpec.FieldMove;
import dev.slipway.api.plan.RewriteSpec.VectorConversion;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

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
}
