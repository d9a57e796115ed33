package dev.slipway.internal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.SchemaPatch.FieldRename;
import dev.slipway.api.schema.SchemaPatch.FieldUpdate;
import dev.slipway.api.schema.StorageType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChangeClassifierTest {

    private static final Map<String, Object> VECTOR = Map.of("algorithm", "flat", "datatype", "float32", "dims", 4,
            "distance_metric", "cosine");

    private static IndexSchema source(StorageType storage) {
        return IndexSchema.builder("products", storage).prefixes(List.of("product:"))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of("sortable", true)))
                .field(new FieldSchema("brand", null, FieldType.TAG, Map.of()))
                .field(new FieldSchema("price", null, FieldType.NUMERIC, Map.of()))
                .field(new FieldSchema("embedding", null, FieldType.VECTOR, VECTOR))
                .build();
    }

    private static IndexSchema hash() {
        return source(StorageType.HASH);
    }

    private static IndexSchema json() {
        return source(StorageType.JSON);
    }

    private static FieldSchema field(IndexSchema schema, String name) {
        return schema.field(name).orElseThrow();
    }

    private static IndexSchema replace(IndexSchema schema, String name, UnaryOperator<FieldSchema> change) {
        List<FieldSchema> fields = new ArrayList<>();
        for (FieldSchema f : schema.fields()) {
            fields.add(f.name().equals(name) ? change.apply(f) : f);
        }
        return schema.toBuilder().fields(fields).build();
    }

    private static UnaryOperator<FieldSchema> vectorAttr(String key, Object value) {
        return f -> {
            Map<String, Object> attrs = new HashMap<>(f.attrs());
            attrs.put(key, value);
            return f.withAttrs(attrs);
        };
    }

    /** One difference each: source, target, renames, the kind expected, and whether it is supported. */
    static Stream<Arguments> singleChanges() {
        IndexSchema hash = hash();
        IndexSchema json = json();
        return Stream.of(
                Arguments.of("add a tag field", hash, hash.toBuilder().field(FieldSchema.of("color", FieldType.TAG))
                        .build(), Map.of(), ChangeKind.ADD_FIELD, true),
                // the new index would skip every existing document (tester session 40 R29 F7)
                Arguments.of("add SKIPINITIALSCAN", hash, hash.toBuilder().options(java.util.Set.of(
                        dev.slipway.api.schema.IndexOption.SKIPINITIALSCAN)).build(), Map.of(),
                        ChangeKind.UPDATE_INDEX_OPTION, false),
                Arguments.of("add NOOFFSETS", hash, hash.toBuilder().options(java.util.Set.of(
                        dev.slipway.api.schema.IndexOption.NOOFFSETS)).build(), Map.of(),
                        ChangeKind.UPDATE_INDEX_OPTION, true),
                Arguments.of("add a vector field", hash, hash.toBuilder().field(new FieldSchema("v2", null,
                        FieldType.VECTOR, VECTOR)).build(), Map.of(), ChangeKind.ADD_VECTOR_FIELD, true),
                Arguments.of("remove a field", hash, without(hash, "brand"), Map.of(), ChangeKind.REMOVE_FIELD, true),
                Arguments.of("make a tag case sensitive", hash, replace(hash, "brand",
                        f -> f.withAttrs(Map.of("case_sensitive", true))), Map.of(), ChangeKind.UPDATE_FIELD_OPTION,
                        true),
                Arguments.of("switch the vector to hnsw", hash, replace(hash, "embedding",
                        vectorAttr("algorithm", "hnsw")), Map.of(), ChangeKind.UPDATE_VECTOR_INDEX, true),
                Arguments.of("change the distance metric", hash, replace(hash, "embedding",
                        vectorAttr("distance_metric", "l2")), Map.of(), ChangeKind.UPDATE_VECTOR_INDEX, true),
                Arguments.of("index missing vectors", hash, replace(hash, "embedding",
                        vectorAttr("index_missing", true)), Map.of(), ChangeKind.UPDATE_VECTOR_INDEX, true),
                Arguments.of("change vector dims", hash, replace(hash, "embedding", vectorAttr("dims", 8)), Map.of(),
                        ChangeKind.CHANGE_VECTOR_DIMS, false),
                Arguments.of("hash vector float32 to float16 rewrites the bytes", hash, replace(hash, "embedding",
                        vectorAttr("datatype", "float16")), Map.of(), ChangeKind.CHANGE_VECTOR_DATATYPE, true),
                Arguments.of("hash vector between types of one width", replace(hash, "embedding",
                        vectorAttr("datatype", "float16")), replace(hash, "embedding",
                        vectorAttr("datatype", "bfloat16")), Map.of(), ChangeKind.CHANGE_VECTOR_DATATYPE, false),
                Arguments.of("json vector datatype", json, replace(json, "embedding",
                        vectorAttr("datatype", "float16")), Map.of(), ChangeKind.CHANGE_VECTOR_DATATYPE, true),
                Arguments.of("text becomes tag", hash, replace(hash, "title",
                        f -> new FieldSchema(f.name(), f.path(), FieldType.TAG, Map.of())), Map.of(),
                        ChangeKind.CHANGE_FIELD_TYPE, false),
                Arguments.of("read a field from another path", hash, replace(hash, "brand",
                        f -> f.withPath("maker")), Map.of(), ChangeKind.CHANGE_FIELD_PATH, true),
                Arguments.of("rename keeping the path", hash, replace(hash, "brand",
                        f -> f.withName("maker")), Map.of("brand", "maker"), ChangeKind.RENAME_FIELD, true),
                Arguments.of("rename moving the hash field", hash, replace(hash, "brand",
                        f -> f.withName("maker").withPath("maker")), Map.of("brand", "maker"),
                        ChangeKind.MOVE_FIELD, true),
                Arguments.of("rename moving a json value within its object", json, replace(json, "brand",
                        f -> f.withName("maker").withPath("$.maker")), Map.of("brand", "maker"),
                        ChangeKind.MOVE_FIELD, true),
                Arguments.of("rename moving a json value to another object", json, replace(json, "brand",
                        f -> f.withName("maker").withPath("$.meta.maker")), Map.of("brand", "maker"),
                        ChangeKind.MOVE_FIELD, false),
                Arguments.of("rename the index", hash, hash.withName("products_v2"), Map.of(),
                        ChangeKind.RENAME_INDEX, true),
                Arguments.of("move keys to one new prefix", hash, hash.toBuilder().prefixes(List.of("item:")).build(),
                        Map.of(), ChangeKind.CHANGE_PREFIX, true),
                Arguments.of("move keys to a prefix that contains the old one", hash, hash.toBuilder()
                        .prefixes(List.of("prod")).build(), Map.of(), ChangeKind.CHANGE_PREFIX, false),
                Arguments.of("move keys to a prefix that extends the old one", hash, hash.toBuilder()
                        .prefixes(List.of("product:v2:")).build(), Map.of(), ChangeKind.CHANGE_PREFIX, true),
                Arguments.of("add a second prefix", hash, hash.toBuilder().prefixes(List.of("product:", "item:"))
                        .build(), Map.of(), ChangeKind.UPDATE_INDEX_OPTION, true),
                Arguments.of("remove one of two prefixes", hash.toBuilder().prefixes(List.of("product:", "item:"))
                        .build(), hash, Map.of(), ChangeKind.UPDATE_INDEX_OPTION, true),
                Arguments.of("move keys from two prefixes to another", hash.toBuilder().prefixes(List.of("product:",
                        "item:")).build(), hash.toBuilder().prefixes(List.of("thing:")).build(), Map.of(),
                        ChangeKind.CHANGE_PREFIX, false),
                Arguments.of("drop the prefix", hash, hash.toBuilder().prefixes(List.of()).build(), Map.of(),
                        ChangeKind.CHANGE_PREFIX, false),
                // (without the sortable text field, which is always UNF on JSON and so would change too)
                Arguments.of("hash to json", without(hash, "title"), without(hash, "title").toBuilder()
                        .storageType(StorageType.JSON).build(), Map.of(), ChangeKind.CHANGE_STORAGE_TYPE, false),
                Arguments.of("set a filter", hash, hash.toBuilder().filter("@price > 0").build(), Map.of(),
                        ChangeKind.UPDATE_INDEX_OPTION, true),
                Arguments.of("change the language", hash, hash.toBuilder().language("french").build(), Map.of(),
                        ChangeKind.UPDATE_INDEX_OPTION, true),
                Arguments.of("change the score", hash, hash.toBuilder().score(0.5).build(), Map.of(),
                        ChangeKind.UPDATE_INDEX_OPTION, true),
                Arguments.of("no stopwords", hash, hash.toBuilder().stopwords(List.of()).build(), Map.of(),
                        ChangeKind.UPDATE_INDEX_OPTION, true),
                Arguments.of("add an index option", hash, hash.toBuilder().option(IndexOption.NOFREQS).build(),
                        Map.of(), ChangeKind.UPDATE_INDEX_OPTION, true));
    }

    private static IndexSchema without(IndexSchema schema, String name) {
        return schema.toBuilder().fields(schema.fields().stream().filter(f -> !f.name().equals(name)).toList())
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleChanges")
    void eachDifferenceIsOneClassifiedChange(String label, IndexSchema source, IndexSchema target,
                                             Map<String, String> renames, ChangeKind kind, boolean supported) {
        List<SchemaChange> changes = ChangeClassifier.classify(source, target, renames);

        assertThat(changes).singleElement().satisfies(change -> {
            assertThat(change.kind()).isEqualTo(kind);
            assertThat(change.supported()).isEqualTo(supported);
            assertThat(change.reason()).isNotBlank();
        });
    }

    /** A move to a longer prefix leaves the keys already under it where they are, and the reason says so. */
    @Test
    void aMoveToALongerPrefixSaysWhichKeysItRenames() {
        IndexSchema hash = hash();

        List<SchemaChange> longer = ChangeClassifier.classify(hash, hash.toBuilder()
                .prefixes(List.of("product:v2:")).build(), Map.of());
        List<SchemaChange> other = ChangeClassifier.classify(hash, hash.toBuilder()
                .prefixes(List.of("item:")).build(), Map.of());

        assertThat(longer).singleElement().extracting(SchemaChange::reason).asString().startsWith(
                "every key under 'product:' that is not already under 'product:v2:' is renamed to 'product:v2:'");
        assertThat(other).singleElement().extracting(SchemaChange::reason).asString().startsWith(
                "every key under 'product:' is renamed to 'item:'");
    }

    @Test
    void everyChangeKindIsCovered() {
        Set<ChangeKind> covered = EnumSet.noneOf(ChangeKind.class);
        singleChanges().forEach(args -> covered.add((ChangeKind) args.get()[4]));
        assertThat(covered).containsExactlyInAnyOrder(ChangeKind.values());
    }

    /** A JSON FILTER reads attributes only: one naming something else would admit nothing (tester R33 F6). */
    @Test
    void aJsonFilterNamingAnUnknownAttributeIsBlocked() {
        SchemaChange blocked = ChangeClassifier.classify(json(), json().toBuilder().filter("@kind==\"keep\" && "
                + "@price>1").build(), Map.of()).get(0);
        assertThat(blocked.supported()).isFalse();
        assertThat(blocked.subject()).isEqualTo("index.filter");
        assertThat(blocked.reason()).startsWith("the FILTER names '@kind', which is not an attribute of the index")
                .contains("add_fields: [{name: kind, path: '$.kind', type: tag}]");
        assertThat(ChangeClassifier.classify(json(), json().toBuilder().filter("@price>1 && startswith(@__key, "
                + "\"p\")").build(), Map.of())).singleElement().satisfies(c -> assertThat(c.supported()).isTrue());
        assertThat(ChangeClassifier.classify(hash(), hash().toBuilder().filter("@kind==\"keep\"").build(),
                Map.of())).as("a hash FILTER reads the fields themselves").singleElement()
                .satisfies(c -> assertThat(c.supported()).isTrue());
    }

    @Test
    void identicalSchemasHaveNoChanges() {
        assertThat(ChangeClassifier.classify(hash(), hash(), Map.of())).isEmpty();
        assertThat(ChangeClassifier.classify(json(), json(), Map.of())).isEmpty();
    }

    @Test
    void changesSayWhyAndWhatToDoInstead() {
        SchemaChange prefix = only(hash(), hash().toBuilder().prefixes(List.of("item:")).build(), Map.of());
        assertThat(prefix.from()).isEqualTo("product:");
        assertThat(prefix.to()).isEqualTo("item:");
        assertThat(prefix.reason()).contains("RENAMENX").contains("--backup-dir");
        SchemaChange shorter = only(hash(), hash().toBuilder().prefixes(List.of("prod")).build(), Map.of());
        assertThat(shorter.reason()).contains("contains the old one", "'product:uct:1' would become 'product:1'",
                "'migrating:'");
        SchemaChange prefixes = only(hash(), hash().toBuilder().prefixes(List.of("a:", "b:")).build(), Map.of());
        assertThat(prefixes.reason()).contains("exactly one prefix", "one that adds the new prefixes, then one that "
                + "removes the old ones");
        SchemaChange widened = only(hash(), hash().toBuilder().prefixes(List.of("product:", "b:")).build(),
                Map.of());
        assertThat(widened.subject()).isEqualTo("index.prefixes");
        assertThat(widened.reason()).isEqualTo("index-only change; no key moves: the index also covers the keys under "
                + "'b:', whose documents stay as they are, so validation does not compare the document count with "
                + "the source's");
        SchemaChange narrowed = only(hash().toBuilder().prefixes(List.of("product:", "b:")).build(), hash(),
                Map.of());
        assertThat(narrowed.reason()).contains("no longer covers the keys under 'b:'");
        SchemaChange nested = only(hash(), hash().toBuilder().prefixes(List.of("product:", "product:x:")).build(),
                Map.of());
        assertThat(nested.reason()).as("a prefix under a kept one adds no key").contains("covers the same keys");
        SchemaChange typeChange = only(hash().toBuilder().field(FieldSchema.of("price_tag", FieldType.TEXT))
                .build(), replace(hash().toBuilder().field(FieldSchema.of("price_tag", FieldType.TEXT)).build(),
                "price", f -> new FieldSchema(f.name(), f.path(), FieldType.TAG, Map.of())), Map.of());
        assertThat(typeChange.reason()).as("the advice names a free field").contains("{name: price_tag_2, type: "
                + "tag");
        SchemaChange none = only(hash(), hash().toBuilder().prefixes(List.of()).build(), Map.of());
        assertThat(none.reason()).contains("every key of its storage type", "create a separate index")
                .doesNotContain("your own script");

        SchemaChange lossy = only(hash(), replace(hash(), "embedding", vectorAttr("datatype", "float16")), Map.of());
        assertThat(lossy.from()).isEqualTo("float32");
        assertThat(lossy.to()).isEqualTo("float16");
        assertThat(lossy.reason()).contains("--accept-data-loss").contains("--backup-dir");
        SchemaChange widening = only(hash(), replace(hash(), "embedding", vectorAttr("datatype", "float64")),
                Map.of());
        assertThat(widening.supported()).isTrue();
        assertThat(widening.reason()).doesNotContain("--accept-data-loss");
        SchemaChange sameWidth = only(replace(hash(), "embedding", vectorAttr("datatype", "bfloat16")),
                replace(hash(), "embedding", vectorAttr("datatype", "float16")), Map.of());
        assertThat(sameWidth.reason()).contains("through float32");

        SchemaChange dims = only(hash(), replace(hash(), "embedding", vectorAttr("dims", 768)), Map.of());
        assertThat(dims.subject()).isEqualTo("embedding");
        assertThat(dims.from()).isEqualTo("4");
        assertThat(dims.to()).isEqualTo("768");
        assertThat(dims.reason()).contains("re-embed");

        SchemaChange added = only(hash(), hash().toBuilder().field(new FieldSchema("v2", null, FieldType.VECTOR,
                VECTOR)).build(), Map.of());
        assertThat(added.reason()).startsWith("index-only change; documents that hold a vector");

        SchemaChange storage = ChangeClassifier.classify(hash(), hash().toBuilder().storageType(StorageType.JSON)
                .build(), Map.of()).get(0);
        assertThat(storage.reason()).contains("new index");

        SchemaChange across = only(json(), replace(json(), "brand", f -> f.withName("maker")
                .withPath("$.meta.maker")), Map.of("brand", "maker"));
        assertThat(across.from()).isEqualTo("$.brand");
        assertThat(across.to()).isEqualTo("$.meta.maker");
        assertThat(across.reason()).contains("same parent object");

        for (String target : List.of("$.items[*].name", "$.arr[1]", "$.brand[0]", "$..maker", "$.*",
                "$[?(@.a)]")) {
            SchemaChange wild = only(json(), replace(json(), "brand", f -> f.withName("maker").withPath(target)),
                    Map.of("brand", "maker"));
            assertThat(wild.supported()).as(target).isFalse();
            assertThat(wild.reason()).as(target).contains("'" + target + "' is not a plain member path");
        }
        SchemaChange quoted = only(json(), replace(json(), "brand", f -> f.withName("maker")
                .withPath("$['the maker']")), Map.of("brand", "maker"));
        assertThat(quoted.supported()).isTrue();
    }

    @Test
    void jsonStorageChangeAlsoMovesDefaultPaths() {
        // hash -> json changes every default path too; the storage change is still what blocks it
        List<SchemaChange> changes = ChangeClassifier.classify(hash(), IndexSchema.builder("products",
                StorageType.JSON).prefixes(List.of("product:")).fields(hash().fields().stream()
                .map(f -> f.withPath(null)).toList()).build(), Map.of());

        assertThat(changes).extracting(SchemaChange::kind).contains(ChangeKind.CHANGE_STORAGE_TYPE);
        assertThat(changes).filteredOn(c -> !c.supported()).extracting(SchemaChange::kind)
                .containsExactly(ChangeKind.CHANGE_STORAGE_TYPE);
    }

    @Test
    void aVectorChangeCanBeSeveralChangesAtOnce() {
        IndexSchema target = replace(hash(), "embedding", f -> f.withAttrs(Map.of("algorithm", "hnsw",
                "datatype", "float16", "dims", 8, "distance_metric", "cosine", "m", 32)));

        List<SchemaChange> changes = ChangeClassifier.classify(hash(), target, Map.of());

        assertThat(changes).extracting(SchemaChange::kind).containsExactly(ChangeKind.CHANGE_VECTOR_DIMS,
                ChangeKind.CHANGE_VECTOR_DATATYPE, ChangeKind.UPDATE_VECTOR_INDEX);
        assertThat(changes.get(2).from()).isEqualTo("{algorithm=flat, distance_metric=cosine}");
        assertThat(changes.get(2).to()).isEqualTo("{algorithm=hnsw, distance_metric=cosine, m=32}");
    }

    /**
     * An attribute set back to the server's default, which a schema leaves out, is shown with that default: it read
     * as removed (tester session 52 R46 T2 F4, {@code m: 16} over {@code m: 8}).
     */
    @Test
    void anAttributeSetBackToTheDefaultShowsTheDefault() {
        IndexSchema hnsw8 = replace(hash(), "embedding", f -> f.withAttrs(Map.of("algorithm", "hnsw", "m", 8,
                "ef_construction", 50)));
        IndexSchema hnsw16 = replace(hash(), "embedding", f -> f.withAttrs(Map.of("algorithm", "hnsw", "m", 16,
                "ef_construction", 50)));

        List<SchemaChange> changes = ChangeClassifier.classify(hnsw8, hnsw16, Map.of());

        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.from()).isEqualTo("{algorithm=hnsw, distance_metric=cosine, ef_construction=50, m=8}");
            assertThat(c.to()).isEqualTo("{algorithm=hnsw, distance_metric=cosine, ef_construction=50, m=16 (the "
                    + "server's default)}");
        });
    }

    /** HNSW's tuning is not shown as set back for a FLAT target, nor FLAT's for HNSW (tester session 54 R48 T2 F8). */
    @Test
    void anAlgorithmChangeShowsNoDefaultsOfTheAlgorithmLeft() {
        IndexSchema hnsw = replace(hash(), "embedding", f -> f.withAttrs(Map.of("algorithm", "hnsw", "m", 8,
                "ef_runtime", 20)));
        IndexSchema flat = replace(hash(), "embedding", f -> f.withAttrs(Map.of("algorithm", "flat",
                "block_size", 512)));

        assertThat(ChangeClassifier.classify(hnsw, flat, Map.of())).singleElement().satisfies(c -> assertThat(c.to())
                .isEqualTo("{algorithm=flat, block_size=512, distance_metric=cosine}"));
        assertThat(ChangeClassifier.classify(flat, hnsw, Map.of())).singleElement().satisfies(c -> assertThat(c.to())
                .isEqualTo("{algorithm=hnsw, distance_metric=cosine, ef_runtime=20, m=8}"));
    }

    @Test
    void mergedPatchClassifiesRenamesByTheirPaths() {
        // title is indexed from hash field 't' (only the attribute name changes); brand's field moves
        IndexSchema source = IndexSchema.builder("docs", StorageType.HASH)
                .field(new FieldSchema("title", "t", FieldType.TEXT, Map.of()))
                .field(FieldSchema.of("brand", FieldType.TAG))
                .field(FieldSchema.of("price", FieldType.NUMERIC))
                .build();
        SchemaPatch patch = new SchemaPatch(List.of(FieldSchema.of("color", FieldType.TAG)), List.of("price"),
                List.of(new FieldUpdate("brand", Optional.empty(), Optional.empty(), Map.of("sortable", true))),
                List.of(new FieldRename("title", "headline"), new FieldRename("brand", "maker")), null);
        IndexSchema target = SchemaMerger.merge(source, patch).target().orElseThrow();
        Map<String, String> renames = new LinkedHashMap<>();
        patch.renameFields().forEach(r -> renames.put(r.oldName(), r.newName()));

        List<SchemaChange> changes = ChangeClassifier.classify(source, target, renames);

        assertThat(changes).extracting(SchemaChange::kind, SchemaChange::subject, SchemaChange::supported)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ChangeKind.RENAME_FIELD, "title", true),
                        org.assertj.core.groups.Tuple.tuple(ChangeKind.MOVE_FIELD, "brand", true),
                        org.assertj.core.groups.Tuple.tuple(ChangeKind.UPDATE_FIELD_OPTION, "maker", true),
                        org.assertj.core.groups.Tuple.tuple(ChangeKind.ADD_FIELD, "color", true),
                        org.assertj.core.groups.Tuple.tuple(ChangeKind.REMOVE_FIELD, "price", true));
    }

    /**
     * Two vector attributes over one hash field: converting one, or both to different types, would make the other
     * read the converted bytes as its own type; both to the same type is one conversion of the field.
     */
    @Test
    void aConversionOfAHashFieldAnotherAttributeReadsIsBlockedUnlessBothChangeAlike() {
        IndexSchema source = hash().toBuilder().field(new FieldSchema("v2", "embedding", FieldType.VECTOR,
                VECTOR)).build();
        IndexSchema one = replace(source, "embedding", vectorAttr("datatype", "float16"));
        IndexSchema apart = replace(one, "v2", vectorAttr("datatype", "bfloat16"));
        IndexSchema alike = replace(one, "v2", vectorAttr("datatype", "float16"));

        List<SchemaChange> changes = ChangeClassifier.classify(source, one, Map.of());
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.supported()).isFalse();
            assertThat(c.reason()).isEqualTo("the conversion rewrites document field 'embedding', which 'v2' (a "
                    + "FLOAT32 vector of 4 dims) also reads and would index wrongly or not at all; change it to "
                    + "float16 in the same patch (a vector of 4 dims only: a DIM cannot change), or remove it");
        });
        // the same new datatype over another DIM reads another length (tester session 55 R50 N4)
        IndexSchema wider = replace(source, "v2", vectorAttr("datatype", "float16").andThen(vectorAttr("dims", 8))
                ::apply);
        assertThat(ChangeClassifier.classify(wider, replace(wider, "embedding", vectorAttr("datatype", "float16")),
                Map.of())).singleElement().satisfies(c -> assertThat(c.reason()).contains("'v2' (a FLOAT16 vector "
                + "of 8 dims)"));
        assertThat(ChangeClassifier.classify(source, apart, Map.of())).hasSize(2)
                .noneMatch(SchemaChange::supported);
        assertThat(ChangeClassifier.classify(source, alike, Map.of())).hasSize(2).allMatch(SchemaChange::supported);
        assertThat(ChangeClassifier.classify(json().toBuilder().field(new FieldSchema("v2", "$.embedding",
                FieldType.VECTOR, VECTOR)).build(), replace(json().toBuilder().field(new FieldSchema("v2",
                "$.embedding", FieldType.VECTOR, VECTOR)).build(), "embedding", vectorAttr("datatype", "float16")),
                Map.of())).as("JSON documents keep their numbers").allMatch(SchemaChange::supported);
    }

    private static SchemaChange only(IndexSchema source, IndexSchema target, Map<String, String> renames) {
        List<SchemaChange> changes = ChangeClassifier.classify(source, target, renames);
        assertThat(changes).hasSize(1);
        return changes.get(0);
    }
}
