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

class FtCreateArgumentsTest {

    @Test
    void minimalHashIndex() {
        IndexSchema schema = IndexSchema.builder("idx", StorageType.HASH)
                .field(FieldSchema.of("title", FieldType.TEXT)).build();

        assertThat(FtCreateArguments.command(schema)).containsExactly("FT.CREATE", "idx", "ON", "HASH", "SCHEMA",
                "title", "TEXT");
    }

    @Test
    void indexSettingsComeInTheServersOrderBeforeSchema() {
        IndexSchema schema = IndexSchema.builder("idx", StorageType.HASH)
                .prefixes(List.of("a:", "b:")).filter("@n > 1").language("French").languageField("lang")
                .score(0.25).scoreField("sc").payloadField("pl").stopwords(List.of("le", "la"))
                .option(IndexOption.SKIPINITIALSCAN).option(IndexOption.NOFREQS).option(IndexOption.NOOFFSETS)
                .option(IndexOption.MAXTEXTFIELDS).option(IndexOption.NOFIELDS)
                .field(FieldSchema.of("t", FieldType.TEXT)).build();

        assertThat(FtCreateArguments.arguments(schema)).containsExactly("idx", "ON", "HASH", "PREFIX", "2", "a:",
                "b:", "FILTER", "@n > 1", "LANGUAGE", "french", "LANGUAGE_FIELD", "lang", "SCORE", "0.25",
                "SCORE_FIELD", "sc", "PAYLOAD_FIELD", "pl", "MAXTEXTFIELDS", "NOOFFSETS", "NOHL", "NOFIELDS",
                "NOFREQS", "STOPWORDS", "2", "la", "le", "SKIPINITIALSCAN", "SCHEMA", "t", "TEXT");
    }

    @Test
    void noStopwordsIsRenderedAsZero() {
        IndexSchema schema = IndexSchema.builder("idx", StorageType.HASH).stopwords(List.of())
                .field(FieldSchema.of("t", FieldType.TEXT)).build();

        assertThat(FtCreateArguments.arguments(schema)).containsExactly("idx", "ON", "HASH", "STOPWORDS", "0",
                "SCHEMA", "t", "TEXT");
    }

    @Test
    void fieldOptionsFollowTypeOptionsThenIndexMissingThenSortableThenNoIndex() {
        // FT.CREATE rejects "SORTABLE INDEXMISSING" and "SORTABLE NOINDEX CASESENSITIVE"
        assertThat(FtCreateArguments.field(new FieldSchema("t", "t", FieldType.TEXT, Map.of("no_index", true,
                "sortable", true, "unf", true, "index_missing", false, "index_empty", true, "withsuffixtrie", true,
                "phonetic_matcher", "dm:fr", "no_stem", true, "weight", 0.5))))
                .containsExactly("t", "TEXT", "WEIGHT", "0.5", "NOSTEM", "PHONETIC", "dm:fr", "WITHSUFFIXTRIE",
                        "INDEXEMPTY", "SORTABLE", "UNF", "NOINDEX");
        assertThat(FtCreateArguments.field(new FieldSchema("g", "g", FieldType.TAG, Map.of("sortable", true,
                "index_missing", true, "index_empty", true, "withsuffixtrie", true, "case_sensitive", true,
                "separator", ";"))))
                .containsExactly("g", "TAG", "SEPARATOR", ";", "CASESENSITIVE", "WITHSUFFIXTRIE", "INDEXEMPTY",
                        "INDEXMISSING", "SORTABLE");
        assertThat(FtCreateArguments.field(new FieldSchema("n", "n", FieldType.NUMERIC, Map.of("sortable", true,
                "unf", true, "no_index", true))))
                .as("UNF only on TEXT").containsExactly("n", "NUMERIC", "SORTABLE", "NOINDEX");
        assertThat(FtCreateArguments.field(new FieldSchema("s", "s", FieldType.GEOSHAPE, Map.of("sortable", true,
                "coord_system", "flat", "index_missing", true))))
                .containsExactly("s", "GEOSHAPE", "FLAT", "INDEXMISSING", "SORTABLE");
    }

    @Test
    void jsonFieldsUseAsOnlyWhenTheNameDiffersFromThePath() {
        IndexSchema schema = IndexSchema.builder("docs", StorageType.JSON).prefixes(List.of("doc:"))
                .field(FieldSchema.of("title", FieldType.TEXT))
                .field(new FieldSchema("$.raw", "$.raw", FieldType.TAG, Map.of()))
                .field(new FieldSchema("author", "$.meta.author", FieldType.TAG, Map.of("separator", ",")))
                .field(new FieldSchema("body", null, FieldType.TEXT, Map.of("sortable", true)))
                .build();

        assertThat(FtCreateArguments.arguments(schema)).containsExactly("docs", "ON", "JSON", "PREFIX", "1", "doc:",
                "SCHEMA", "$.title", "AS", "title", "TEXT", "$.raw", "TAG", "$.meta.author", "AS", "author", "TAG",
                "SEPARATOR", ",", "$.body", "AS", "body", "TEXT", "SORTABLE", "UNF");
    }

    @Test
    void vectorParametersAreCountedAndUpperCased() {
        FieldSchema hnsw = new FieldSchema("v", "vec", FieldType.VECTOR, Map.of("algorithm", "hnsw",
                "datatype", "bfloat16", "dims", 384, "distance_metric", "cosine", "m", 32, "ef_construction", 64,
                "ef_runtime", 30, "epsilon", 0.05, "index_missing", true));
        assertThat(FtCreateArguments.field(hnsw)).containsExactly("vec", "AS", "v", "VECTOR", "HNSW", "14",
                "TYPE", "BFLOAT16", "DIM", "384", "DISTANCE_METRIC", "COSINE", "M", "32", "EF_CONSTRUCTION", "64",
                "EF_RUNTIME", "30", "EPSILON", "0.05", "INDEXMISSING");

        FieldSchema noAlgorithm = new FieldSchema("v", "v", FieldType.VECTOR, Map.of("datatype", "float64",
                "dims", 2, "distance_metric", "l2", "initial_cap", 1000, "block_size", 64));
        assertThat(FtCreateArguments.field(noAlgorithm)).containsExactly("v", "VECTOR", "FLAT", "10", "TYPE",
                "FLOAT64", "DIM", "2", "DISTANCE_METRIC", "L2", "INITIAL_CAP", "1000", "BLOCK_SIZE", "64");
    }

    @Test
    void numbersReadAsAPersonWouldTypeThem() {
        assertThat(FtCreateArguments.number(2.0)).isEqualTo("2");
        assertThat(FtCreateArguments.number(0.5)).isEqualTo("0.5");
        assertThat(FtCreateArguments.number(-3.0)).isEqualTo("-3");
        assertThat(FtCreateArguments.number(1e20)).isEqualTo("1.0E20");
    }

    @Test
    void defaultsAreNotRendered() {
        IndexSchema schema = IndexSchema.builder("idx", StorageType.HASH).language("english").score(1.0)
                .field(new FieldSchema("t", null, FieldType.TEXT, Map.of("weight", 1.0, "sortable", false)))
                .field(new FieldSchema("g", null, FieldType.TAG, Map.of("separator", ",")))
                .field(new FieldSchema("s", null, FieldType.GEOSHAPE, Map.of("coord_system", "spherical")))
                .build();

        assertThat(FtCreateArguments.arguments(schema)).containsExactly("idx", "ON", "HASH", "SCHEMA", "t", "TEXT",
                "g", "TAG", "s", "GEOSHAPE");
    }
}
