package dev.slipway.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FT.INFO replies built by hand in the RESP2 shape Jedis hands over (byte arrays, longs, nested lists). */
class FtInfoReaderTest {

    @Test
    void readsTheIndexDefinitionAndEveryFieldKind() {
        Object reply = reply(
                "index_name", "products",
                "index_options", list("NOOFFSETS", "NOHL", "MAXTEXTFIELDS"),
                "index_definition", list("key_type", "HASH", "prefixes", list("product:", "item:"),
                        "filter", "@price>0", "default_language", "german", "language_field", "lang",
                        "default_score", "0.5", "score_field", "sc", "payload_field", "pl"),
                "attributes", list(
                        list("identifier", "title", "attribute", "title", "type", "TEXT", "WEIGHT", "2",
                                "SORTABLE", "UNF", "NOSTEM", "WITHSUFFIXTRIE", "INDEXEMPTY", "INDEXMISSING"),
                        list("identifier", "brand", "attribute", "brand", "type", "TAG", "SEPARATOR", "|",
                                "CASESENSITIVE", "SORTABLE", "UNF", "NOINDEX"),
                        list("identifier", "price", "attribute", "price", "type", "NUMERIC", "SORTABLE", "UNF"),
                        list("identifier", "where", "attribute", "loc", "type", "GEO", "INDEXMISSING"),
                        list("identifier", "shape", "attribute", "shape", "type", "GEOSHAPE", "coord_system",
                                "FLAT"),
                        list("identifier", "emb", "attribute", "emb", "type", "VECTOR", "algorithm", "HNSW",
                                "data_type", "FLOAT16", "dim", 8L, "distance_metric", "IP", "M", "16",
                                "ef_construction", "400", "INDEXMISSING")),
                "stopwords_list", list("a", "the"),
                "num_docs", "3");

        IndexInfo info = FtInfoReader.read("products", reply);

        IndexSchema expected = IndexSchema.builder("products", StorageType.HASH)
                .prefixes(List.of("product:", "item:")).filter("@price>0").language("german")
                .languageField("lang").score(0.5).scoreField("sc").payloadField("pl")
                .options(java.util.EnumSet.of(IndexOption.NOOFFSETS, IndexOption.NOHL, IndexOption.MAXTEXTFIELDS))
                .stopwords(List.of("a", "the"))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of("weight", 2, "sortable", true,
                        "unf", true, "no_stem", true, "withsuffixtrie", true, "index_empty", true,
                        "index_missing", true)))
                .field(new FieldSchema("brand", null, FieldType.TAG, Map.of("separator", "|",
                        "case_sensitive", true, "sortable", true, "no_index", true)))
                .field(new FieldSchema("price", null, FieldType.NUMERIC, Map.of("sortable", true)))
                .field(new FieldSchema("loc", "where", FieldType.GEO, Map.of("index_missing", true)))
                .field(new FieldSchema("shape", null, FieldType.GEOSHAPE, Map.of("coord_system", "flat")))
                .field(new FieldSchema("emb", null, FieldType.VECTOR, Map.of("algorithm", "hnsw",
                        "datatype", "float16", "dims", 8, "distance_metric", "ip", "ef_construction", 400,
                        "index_missing", true)))
                .build();
        assertThat(info.schema()).isEqualTo(expected);
        assertThat(info.schema().field("emb").orElseThrow().attrs()).doesNotContainKey("m")
                .containsEntry("dims", 8L).containsEntry("ef_construction", 400L);
        assertThat(info.unrecognized()).isEmpty();
        assertThat(info.isAlias()).isFalse();
        assertThat(info.stats().numDocs()).isEqualTo(3);
    }

    @Test
    void readsJsonPathsAndDropsTheEmptySeparatorOfJsonTags() {
        Object reply = reply("index_name", "docs",
                "index_definition", list("key_type", "JSON", "prefixes", list(""), "default_score", "1"),
                "attributes", list(
                        list("identifier", "$.tags[*]", "attribute", "tags", "type", "TAG", "SEPARATOR", ""),
                        list("identifier", "$.csv", "attribute", "csv", "type", "TAG", "SEPARATOR", ","),
                        list("identifier", "$.title", "attribute", "$.title", "type", "TEXT", "WEIGHT", "1",
                                "SORTABLE", "UNF")));

        IndexSchema schema = FtInfoReader.read("docs", reply).schema();

        assertThat(schema.storageType()).isEqualTo(StorageType.JSON);
        assertThat(schema.prefixes()).as("the empty prefix means every key").isEmpty();
        assertThat(schema.fields()).containsExactly(
                new FieldSchema("tags", "$.tags[*]", FieldType.TAG, Map.of()),
                new FieldSchema("csv", "$.csv", FieldType.TAG, Map.of("separator", ",")),
                new FieldSchema("$.title", "$.title", FieldType.TEXT, Map.of("sortable", true, "unf", true)));
    }

    @Test
    void unrecognisedTokensAreReportedAndTheRestIsStillRead() {
        Object reply = reply("index_name", "i",
                "index_options", list("NOFREQS", "SHINYNEWOPTION"),
                "index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TEXT", "FUTUREFLAG",
                        "SORTABLE", "NOSTEM")));

        IndexInfo info = FtInfoReader.read("i", reply);

        assertThat(info.unrecognized()).containsExactly("index option SHINYNEWOPTION", "field 't' option FUTUREFLAG");
        assertThat(info.schema().options()).containsExactly(IndexOption.NOFREQS);
        assertThat(info.schema().fields().get(0).attrs()).isEqualTo(Map.of("sortable", true, "no_stem", true));
    }

    @Test
    void nestedAttributeListsAreTolerated() {
        // older servers report vector parameters as a nested key/value list
        Object reply = reply("index_name", "v",
                "index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "emb", "attribute", "emb", "type", "VECTOR",
                        list("algorithm", "FLAT", "data_type", "FLOAT32", "dim", 4L, "distance_metric", "COSINE",
                                "block_size", "1024", "mystery", "7"))));

        IndexInfo info = FtInfoReader.read("v", reply);

        assertThat(info.schema().fields().get(0).attrs()).isEqualTo(Map.of("algorithm", "flat",
                "datatype", "float32", "dims", 4L, "distance_metric", "cosine"));
        assertThat(info.unrecognized()).containsExactly("option mystery");
    }

    @Test
    void stopwordsAreAbsentForTheDefaultListAndEmptyForNone() {
        Object defaults = reply("index_name", "a", "index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TEXT")));
        Object none = reply("index_name", "a", "index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TEXT")),
                "stopwords_list", list());

        assertThat(FtInfoReader.read("a", defaults).schema().stopwords()).isEmpty();
        assertThat(FtInfoReader.read("a", none).schema().stopwords()).contains(List.of());
        assertThat(FtInfoReader.read("a", defaults).schema().score()).isEqualTo(1.0);
        assertThat(FtInfoReader.read("a", defaults).schema().language()).isEqualTo("english");
    }

    @Test
    void anAliasIsNamedAfterItsPhysicalIndex() {
        Object reply = reply("index_name", "products_v3", "index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TAG")));

        IndexInfo info = FtInfoReader.read("products", reply);

        assertThat(info.requestedName()).isEqualTo("products");
        assertThat(info.schema().name()).isEqualTo("products_v3");
        assertThat(info.isAlias()).isTrue();
    }

    @Test
    void withoutAnIndexNameTheRequestedNameIsUsed() {
        Object reply = reply("index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TAG")));

        assertThat(FtInfoReader.read("asked", reply).schema().name()).isEqualTo("asked");
    }

    @Test
    void statsAddUpMemoryAndReadProgress() {
        Object reply = reply("index_name", "s", "index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TAG")),
                "num_docs", 1200L, "hash_indexing_failures", "3", "indexing", "1", "percent_indexed", "0.25",
                "inverted_sz_mb", "1", "vector_index_sz_mb", "0.5", "total_index_memory_sz_mb", "99",
                "key_table_size_mb", "17592186044416", // an underflowed size, as RediSearch 2.10 can report
                "records_per_doc_avg", "nan", "total_indexing_time", "87.9");

        IndexStats stats = FtInfoReader.read("s", reply).stats();

        assertThat(stats).isEqualTo(new IndexStats(1200, 3, true, 0.25, 1_572_864, 87, 524_288));
        assertThat(stats.fullyIndexed()).isFalse();
        IndexStats idle = FtInfoReader.read("s", reply("index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TAG")))).stats();
        assertThat(idle.percentIndexed()).isEqualTo(1.0);
        assertThat(idle.fullyIndexed()).isTrue();
    }

    @Test
    void anUnknownFieldTypeOrStorageIsAnError() {
        Object newType = reply("index_name", "x", "index_definition", list("key_type", "HASH"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "HOLOGRAM")));
        assertThatThrownBy(() -> FtInfoReader.read("x", newType)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'HOLOGRAM'");
        Object newStorage = reply("index_name", "x", "index_definition", list("key_type", "STREAM"),
                "attributes", list(list("identifier", "t", "attribute", "t", "type", "TAG")));
        assertThatThrownBy(() -> FtInfoReader.read("x", newStorage)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'STREAM'");
    }

    /** A flat RESP2 map; strings become byte arrays the way Jedis returns bulk strings. */
    private static List<Object> reply(Object... keysAndValues) {
        return list(keysAndValues);
    }

    private static List<Object> list(Object... items) {
        List<Object> list = new ArrayList<>();
        for (Object item : Arrays.asList(items)) {
            list.add(item instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : item);
        }
        return list;
    }
}
