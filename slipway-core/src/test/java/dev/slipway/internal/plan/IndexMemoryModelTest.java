package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class IndexMemoryModelTest {
    private static final long DOCS = 20_000;
    /** What the live index's other structures take (doc and key tables, the tag). */
    private static final long REST = 2_000_000;

    private static FieldSchema vector(String algorithm, String datatype, int dims, Integer m) {
        Map<String, Object> attrs = new java.util.HashMap<>(Map.of("algorithm", algorithm, "datatype", datatype,
                "dims", dims, "distance_metric", "l2"));
        if (m != null) {
            attrs.put("m", m);
        }
        return new FieldSchema("v", null, FieldType.VECTOR, attrs);
    }

    private static IndexSchema schema(FieldSchema... fields) {
        IndexSchema.Builder builder = IndexSchema.builder("docs", StorageType.HASH).prefixes(List.of("d:"))
                .field(new FieldSchema("t", null, FieldType.TAG, Map.of()));
        for (FieldSchema field : fields) {
            builder.field(field);
        }
        return builder.build();
    }

    private static SourceSnapshot live(IndexSchema schema, long vectorBytes, String physical) {
        return new SourceSnapshot("docs", physical, schema, DOCS, 0, List.of(), new ServerInfo("7.4.1", 21005, 20809),
                REST + vectorBytes, 5, 1, List.of()).withVectorIndexBytes(vectorBytes);
    }

    @Test
    void perVectorFollowsTheFiguresItWasFittedOn() {
        // FT.INFO vector_index_sz_mb per vector, Search 2.10, 20,000 vectors of 128 dims: 573, 898, 1,283 and 636
        assertThat(IndexMemoryModel.perVector(vector("flat", "float32", 128, null))).isEqualTo(576);
        assertThat(IndexMemoryModel.perVector(vector("hnsw", "float32", 128, null))).as("m defaults to 16")
                .isEqualTo(896);
        assertThat(IndexMemoryModel.perVector(vector("hnsw", "float32", 128, 64))).isEqualTo(1280);
        assertThat(IndexMemoryModel.perVector(vector("hnsw", "float16", 128, 16))).isEqualTo(640);
        assertThat(IndexMemoryModel.width("bfloat16")).isEqualTo(2);
        assertThat(IndexMemoryModel.width("UINT8")).isEqualTo(1);
        assertThat(IndexMemoryModel.width("float64")).isEqualTo(8);
    }

    @Test
    void anUnchangedSchemaIsTheLiveFigure() {
        IndexSchema schema = schema(vector("hnsw", "float32", 128, 16));
        SourceSnapshot source = live(schema, 17_956_000, "docs:v1");

        assertThat(IndexMemoryModel.target(source, schema).bytes()).isCloseTo(source.indexMemoryBytes(),
                org.assertj.core.data.Offset.offset(1L));
        assertThat(StrategyChoice.extraMemory(source, schema, MigrationMode.DROP_RECREATE)).isZero();
    }

    @Test
    void aLargerGraphOrANewVectorFieldIsSizedFromTheTarget() {
        SourceSnapshot flat = live(schema(vector("flat", "float32", 128, null)), 576 * DOCS, "docs:v1");

        IndexMemoryModel.Sizing m64 = IndexMemoryModel.target(flat, schema(vector("hnsw", "float32", 128, 64)));
        assertThat(m64.vector()).isEqualTo(1280 * DOCS);
        assertThat(m64.bytes()).isEqualTo(REST + 1280 * DOCS);
        assertThat(StrategyChoice.sizingBasis(m64))
                .isEqualTo(" (vector indexes 24.4 MiB from the target's dims, datatypes and graphs)");
        assertThat(StrategyChoice.sizingBasis(IndexMemoryModel.target(flat, schema(vector("flat", "float32", 128,
                null), new FieldSchema("n", null, FieldType.NUMERIC, Map.of())))))
                .as("unchanged vectors are not named").isEqualTo(" (the rest grown for 1 more field)");

        SourceSnapshot none = live(schema(), 0, "docs:v1");
        assertThat(IndexMemoryModel.target(none, schema(vector("flat", "float16", 768, null))).vector())
                .isEqualTo((768 * 2 + 64) * DOCS);
        assertThat(IndexMemoryModel.target(flat, schema(vector("flat", "float16", 128, null))).vector())
                .as("narrower vectors").isEqualTo((256 + 64) * DOCS);
    }

    @Test
    void theModelIsScaledToHowTheServerKeepsTheLiveVectors() {
        SourceSnapshot twice = live(schema(vector("flat", "float32", 128, null)), 2 * 576 * DOCS, "docs:v1");

        assertThat(IndexMemoryModel.target(twice, schema(vector("hnsw", "float32", 128, 64))).vector())
                .isEqualTo(2 * 1280 * DOCS);
        SourceSnapshot unrecorded = new SourceSnapshot("docs", "docs:v1", schema(vector("flat", "float32", 128,
                null)), DOCS, 0, List.of(), new ServerInfo("7.4.1", 21005, 20809), REST + 576 * DOCS, 5, 1, List.of());
        assertThat(IndexMemoryModel.target(unrecorded, schema(vector("hnsw", "float32", 128, 64))).bytes())
                .as("a plan without the vector share: the live vectors by the model").isEqualTo(REST + 1280 * DOCS);
    }

    @Test
    void moreFieldsGrowTheRestInProportion() {
        SourceSnapshot source = live(schema(), 0, "docs:v1");
        IndexSchema two = schema(new FieldSchema("n", null, FieldType.NUMERIC, Map.of()),
                new FieldSchema("body", null, FieldType.TEXT, Map.of()));

        IndexMemoryModel.Sizing sizing = IndexMemoryModel.target(source, two);
        assertThat(sizing.added()).isEqualTo(2);
        assertThat(sizing.bytes()).isEqualTo(3 * REST);
        assertThat(StrategyChoice.sizingBasis(sizing)).isEqualTo(" (the rest grown for 2 more fields)");
    }

    @Test
    void aNewTextFieldIsSizedFromTheWordsTheSampledDocumentsHold() {
        SourceSnapshot source = live(schema(), 0, "docs:v1").withWordsSampled(Map.of("body", 150.0));
        IndexSchema withBody = schema(new FieldSchema("body", null, FieldType.TEXT, Map.of()),
                new FieldSchema("n", null, FieldType.NUMERIC, Map.of()));

        IndexMemoryModel.Sizing sizing = IndexMemoryModel.target(source, withBody);

        assertThat(sizing.text()).isEqualTo(DOCS * 150 * IndexMemoryModel.TEXT_BYTES_PER_WORD);
        assertThat(sizing.added()).as("the numeric field, grown in proportion").isEqualTo(1);
        assertThat(sizing.bytes()).isEqualTo(2 * REST + sizing.text());
        assertThat(StrategyChoice.sizingBasis(sizing)).isEqualTo(" (new TEXT fields 45.8 MiB from 150 words per "
                + "sampled document, the rest grown for 1 more field)");
    }

    @Test
    void zeroDowntimeNeedsTheNewVersionAndAnAdoptionsCopyDropRecreateOnlyTheGrowth() {
        IndexSchema flat = schema(vector("flat", "float32", 128, null));
        IndexSchema graph = schema(vector("hnsw", "float32", 128, 64));
        SourceSnapshot aliased = live(flat, 576 * DOCS, "docs:v1");
        SourceSnapshot plain = live(flat, 576 * DOCS, "docs");
        long built = REST + 1280 * DOCS;

        assertThat(StrategyChoice.extraMemory(aliased, graph, MigrationMode.ZERO_DOWNTIME))
                .isEqualTo(Math.round(built * StrategyChoice.MEMORY_OVERHEAD));
        assertThat(StrategyChoice.extraMemory(plain, graph, MigrationMode.ZERO_DOWNTIME))
                .isEqualTo(Math.round((built + plain.indexMemoryBytes()) * StrategyChoice.MEMORY_OVERHEAD));
        assertThat(StrategyChoice.extraMemory(plain, graph, MigrationMode.DROP_RECREATE))
                .isEqualTo(Math.round((built - plain.indexMemoryBytes()) * StrategyChoice.MEMORY_OVERHEAD));
        assertThat(StrategyChoice.extraMemory(plain, flat, MigrationMode.DROP_RECREATE)).isZero();
    }

    @Test
    void widenedVectorsGrowTheDocumentsAsTheServerAllocatesThem() {

        // 512 bytes in a 640-byte allocation become 1,024 in a 1,280-byte one
        assertThat(IndexMemoryModel.documentGrowth(java.util.Optional.of(hash("float16", "float32")), 64))
                .isEqualTo(640 * DOCS);
        assertThat(IndexMemoryModel.documentGrowth(java.util.Optional.of(hash("float32", "float16")), 64))
                .as("narrowing frees memory as it goes").isZero();
        assertThat(IndexMemoryModel.documentGrowth(java.util.Optional.empty(), 64)).isZero();
        // with hash-max-listpack-value 1024, the 512 bytes were in the listpack, and 1,024 stay there (the listpack
        // one allocation, up to a size class more)
        assertThat(IndexMemoryModel.documentGrowth(java.util.Optional.of(hash("float16", "float32")), 1024))
                .isEqualTo(666 * DOCS);
        // hashes that are hash tables already keep the vector as a string of its own
        assertThat(IndexMemoryModel.documentGrowth(java.util.Optional.of(hash("float16", "float32")), 1024, 0))
                .isEqualTo(640 * DOCS);
        // 8 dims at hash-max-listpack-value 16: a listpack converts, a hash table grows by 16 bytes
        java.util.function.DoubleFunction<Long> small = share -> IndexMemoryModel.documentGrowth(java.util.Optional.of(
                new dev.slipway.api.plan.RewriteSpec(StorageType.HASH, List.of("d:"), java.util.Optional.empty(),
                        List.of(), List.of(new dev.slipway.api.plan.RewriteSpec.VectorConversion("v", "float16",
                        "float32", 8)), DOCS, false)), 16, share);
        assertThat(small.apply(1)).isEqualTo((40 - 16 + dev.slipway.internal.vector.VectorMemory.HASH_TABLE_CONVERSION)
                * DOCS);
        assertThat(small.apply(0)).isEqualTo(16 * DOCS);
        assertThat(IndexMemoryModel.documentGrowth(java.util.Optional.of(new dev.slipway.api.plan.RewriteSpec(
                StorageType.JSON, List.of("d:"), java.util.Optional.empty(), List.of(java.util.List.of(
                        new dev.slipway.api.plan.RewriteSpec.FieldMove("$.a", "$.b")).get(0)), List.of(), DOCS,
                false)), 64)).as("no conversion").isZero();
    }

    @Test
    void aRollbackGrowsTheDocumentsOfANarrowingRewriteBackAndNotThoseOfAWideningOne() {
        dev.slipway.internal.vector.VectorMemory.HashShape shape = dev.slipway.internal.vector.VectorMemory.HashShape
                .DEFAULT;
        // restoring float32 over float16: 512 bytes in a 640-byte allocation become 1,024 in a 1,280-byte one
        assertThat(IndexMemoryModel.restoreGrowthPerDocument(hash("float32", "float16"), shape)).isEqualTo(640);
        assertThat(IndexMemoryModel.restoreGrowthPerDocument(hash("float16", "float32"), shape))
                .as("the rollback of a widening narrows").isZero();
        assertThat(IndexMemoryModel.growthPerDocument(hash("float16", "float32"), shape)).isEqualTo(640);
    }

    /** A HASH rewrite of {@code DOCS} documents converting a 256-dim vector from one datatype to another. */
    private static dev.slipway.api.plan.RewriteSpec hash(String from, String to) {
        return new dev.slipway.api.plan.RewriteSpec(StorageType.HASH, List.of("d:"), java.util.Optional.empty(),
                List.of(), List.of(new dev.slipway.api.plan.RewriteSpec.VectorConversion("v", from, to, 256)), DOCS,
                false);
    }
}
