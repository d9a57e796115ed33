package dev.slipway.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VisibleSchemaTest {

    private static IndexSchema recorded() {
        return IndexSchema.builder("docs", StorageType.HASH)
                .option(IndexOption.SKIPINITIALSCAN).option(IndexOption.NOFREQS)
                .field(new FieldSchema("t", null, FieldType.TEXT, Map.of("phonetic_matcher", "dm:es", "weight", 2)))
                .field(new FieldSchema("v", null, FieldType.VECTOR, Map.of("algorithm", "hnsw", "datatype",
                        "float32", "dims", 4, "distance_metric", "l2", "ef_runtime", 50, "epsilon", 0.2,
                        "initial_cap", 10, "m", 8)))
                .build();
    }

    private static IndexSchema live() {
        return IndexSchema.builder("docs", StorageType.HASH).option(IndexOption.NOFREQS)
                .field(new FieldSchema("t", null, FieldType.TEXT, Map.of("weight", 2)))
                .field(new FieldSchema("v", null, FieldType.VECTOR, Map.of("algorithm", "hnsw", "datatype",
                        "float32", "dims", 4, "distance_metric", "l2", "m", 8)))
                .build();
    }

    @Test
    void hiddenAttributesAndOptionsAreStripped() {
        assertThat(VisibleSchema.of(recorded())).isEqualTo(live());
        assertThat(VisibleSchema.of(live())).isEqualTo(live());
        assertThat(VisibleSchema.matches(recorded(), live())).isTrue();
        assertThat(VisibleSchema.differences(recorded(), live())).isEmpty();
    }

    @Test
    void enrichRestoresWhatTheServerDoesNotShow() {
        IndexSchema renamedLive = live().withName("docs_v2");

        assertThat(VisibleSchema.enrich(renamedLive, recorded())).contains(recorded().withName("docs_v2"));
        IndexSchema changed = live().toBuilder().option(IndexOption.NOHL).build();
        assertThat(VisibleSchema.enrich(changed, recorded())).isEmpty();
    }

    @Test
    void differencesAreSpelledOut() {
        IndexSchema other = live().toBuilder().name("other").language("french")
                .fields(List.of(new FieldSchema("t", null, FieldType.TEXT, Map.of("weight", 3)),
                        live().fields().get(1)))
                .build();

        assertThat(VisibleSchema.differences(recorded(), other)).containsExactly(
                "index name: expected 'docs', found 'other'",
                "index.language: expected english, found french",
                "t: expected {weight=2.0}, found {weight=3.0}");
    }

    @Test
    void aPrefixDifferenceNamesThePrefixes() {
        IndexSchema moved = live().toBuilder().prefixes(List.of("oth:")).build();
        IndexSchema widened = live().toBuilder().prefixes(List.of("other:", "more:")).build();
        IndexSchema expected = live().toBuilder().prefixes(List.of("other:")).build();

        assertThat(VisibleSchema.differences(expected, moved)).containsExactly(
                "index.prefixes: expected other:, found oth:");
        assertThat(VisibleSchema.differences(expected, widened)).containsExactly(
                "index.prefixes: expected other:, found other:,more:");
    }

    @Test
    void fieldOrderAloneIsADifference() {
        IndexSchema reordered = live().toBuilder().fields(List.of(live().fields().get(1), live().fields().get(0)))
                .build();

        assertThat(VisibleSchema.differences(live(), reordered)).singleElement().asString()
                .startsWith("field order differs: expected [t, v], found [v, t]");
    }
}
