package dev.slipway.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.yaml.YamlNode;
import dev.slipway.internal.yaml.YamlProblems;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaDocumentTest {

    static Stream<IndexSchema> schemas() {
        return Stream.of(
                IndexSchema.builder("minimal", StorageType.HASH).field(FieldSchema.of("t", FieldType.TEXT)).build(),
                everythingHash(),
                everythingJson(),
                IndexSchema.builder("no-prefix-no-stopwords", StorageType.HASH).stopwords(List.of())
                        .field(FieldSchema.of("n", FieldType.NUMERIC)).build(),
                IndexSchema.builder("tricky-values", StorageType.HASH).prefixes(List.of("k: ", "#", "'q'"))
                        .filter("@a == \"x: y\" || @b > -1").stopwords(List.of("yes", "no", "null", "1"))
                        .field(new FieldSchema("tags", "tag field", FieldType.TAG, Map.of("separator", "#")))
                        .field(new FieldSchema("colon", null, FieldType.TAG, Map.of("separator", ":")))
                        .field(new FieldSchema("quote", null, FieldType.TAG, Map.of("separator", "'")))
                        .field(new FieldSchema("true", "1", FieldType.TEXT, Map.of("weight", 0.1)))
                        .build());
    }

    private static IndexSchema everythingHash() {
        return IndexSchema.builder("products", StorageType.HASH)
                .prefixes(List.of("product:", "item:")).filter("@price > 0").language("german")
                .languageField("lang").score(0.5).scoreField("sc").payloadField("pl")
                .stopwords(List.of("der", "die", "das"))
                .options(EnumSet.of(IndexOption.MAXTEXTFIELDS, IndexOption.NOOFFSETS, IndexOption.NOFREQS,
                        IndexOption.SKIPINITIALSCAN))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of("weight", 2.5, "sortable", true,
                        "unf", true, "no_stem", true, "phonetic_matcher", "dm:en", "withsuffixtrie", true)))
                .field(new FieldSchema("brand", "brand_name", FieldType.TAG, Map.of("separator", "|",
                        "case_sensitive", true, "index_empty", true, "index_missing", true)))
                .field(new FieldSchema("price", null, FieldType.NUMERIC, Map.of("sortable", true, "no_index", true)))
                .field(new FieldSchema("loc", null, FieldType.GEO, Map.of("sortable", true)))
                .field(new FieldSchema("area", null, FieldType.GEOSHAPE, Map.of("coord_system", "flat")))
                .field(new FieldSchema("emb", null, FieldType.VECTOR, Map.of("algorithm", "hnsw",
                        "datatype", "float16", "dims", 768, "distance_metric", "ip", "m", 24, "ef_construction", 300,
                        "ef_runtime", 40, "epsilon", 0.05, "initial_cap", 1000)))
                .build();
    }

    private static IndexSchema everythingJson() {
        return IndexSchema.builder("docs", StorageType.JSON).prefixes(List.of("doc:"))
                .field(FieldSchema.of("title", FieldType.TEXT))
                .field(new FieldSchema("$.raw", "$.raw", FieldType.TEXT, Map.of("sortable", true)))
                .field(new FieldSchema("author", "$.meta.author", FieldType.TAG, Map.of("separator", ",")))
                .field(new FieldSchema("tags", "$.tags[*]", FieldType.TAG, Map.of()))
                .field(new FieldSchema("vec", "$.embedding", FieldType.VECTOR, Map.of("algorithm", "flat",
                        "datatype", "bfloat16", "dims", 3, "distance_metric", "l2", "block_size", 64)))
                .build();
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void yamlTextReadsBackAsTheSameSchema(IndexSchema schema) throws JsonProcessingException {
        String yaml = PlanCodec.yaml().writeValueAsString(SchemaDocument.toTree(schema));

        assertThat(read(yaml)).as(yaml).isEqualTo(schema);
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void jsonTextReadsBackAsTheSameSchema(IndexSchema schema) throws JsonProcessingException {
        String json = PlanCodec.json().writeValueAsString(SchemaDocument.toTree(schema));

        assertThat(read(json)).as(json).isEqualTo(schema);
    }

    @Test
    void treeLeavesOutDefaultsAndDefaultPaths() {
        Map<String, Object> tree = SchemaDocument.toTree(everythingJson());

        assertThat(tree).containsOnlyKeys("index", "fields");
        assertThat(tree.get("index")).isEqualTo(Map.of("name", "docs", "prefix", "doc:", "storage_type", "json"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> fields = (List<Map<String, Object>>) tree.get("fields");
        assertThat(fields.get(0)).isEqualTo(Map.of("name", "title", "type", "text"));
        assertThat(fields.get(1)).isEqualTo(Map.of("name", "$.raw", "type", "text", "path", "$.raw",
                "attrs", Map.of("sortable", true, "unf", true)));
        assertThat(fields.get(3)).isEqualTo(Map.of("name", "tags", "type", "tag", "path", "$.tags[*]"));
        assertThat(SchemaDocument.toTree(IndexSchema.builder("x", StorageType.HASH)
                .field(FieldSchema.of("t", FieldType.TEXT)).build()).get("index"))
                .as("no prefix is written as an empty list").isEqualTo(Map.of("name", "x", "prefix", List.of(),
                        "storage_type", "hash"));
    }

    @Test
    void handWrittenJsonIsAccepted() {
        String json = """
                {"index": {"name": "j", "prefix": ["a:", "b:"], "storage_type": "JSON", "score": 0.75,
                           "stopwords": [], "options": ["nohl"]},
                 "fields": [{"name": "t", "type": "TAG", "path": "$.t", "attrs": {"separator": ";", "sortable": true}},
                            {"name": "v", "type": "vector", "attrs": {"dims": 4, "algorithm": "HNSW", "m": 8}}]}
                """;

        assertThat(read(json)).isEqualTo(IndexSchema.builder("j", StorageType.JSON).prefixes(List.of("a:", "b:"))
                .score(0.75).stopwords(List.of()).option(IndexOption.NOHL)
                .field(new FieldSchema("t", "$.t", FieldType.TAG, Map.of("separator", ";", "sortable", true)))
                .field(new FieldSchema("v", "$.v", FieldType.VECTOR, Map.of("dims", 4, "algorithm", "hnsw", "m", 8,
                        "datatype", "float32", "distance_metric", "cosine")))
                .build());
    }

    @Test
    void redisVlHashSchema() throws URISyntaxException {
        IndexSchema schema = SlipwayFiles.readSchema(resource("redisvl/hash-products.yaml"));

        assertThat(schema).isEqualTo(IndexSchema.builder("products", StorageType.HASH)
                .prefixes(List.of("product"))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of("weight", 2.0, "sortable", true)))
                .field(new FieldSchema("description", null, FieldType.TEXT, Map.of("no_stem", true,
                        "phonetic_matcher", "dm:en")))
                .field(new FieldSchema("brand", null, FieldType.TAG, Map.of("separator", "|",
                        "case_sensitive", true)))
                .field(FieldSchema.of("category", FieldType.TAG))
                .field(new FieldSchema("price", null, FieldType.NUMERIC, Map.of("sortable", true)))
                .field(new FieldSchema("embedding", null, FieldType.VECTOR, Map.of("algorithm", "hnsw",
                        "dims", 384, "distance_metric", "cosine", "datatype", "float32", "ef_runtime", 20)))
                .build());
        assertThat(schema.field("embedding").orElseThrow().attrs()).as("m, ef_construction, epsilon at defaults")
                .containsOnlyKeys("algorithm", "datatype", "dims", "distance_metric", "ef_runtime");
        assertThat(schema.field("title").orElseThrow().path()).isEqualTo("title");
    }

    @Test
    void redisVlJsonSchema() throws URISyntaxException {
        IndexSchema schema = SlipwayFiles.readSchema(resource("redisvl/json-articles.yaml"));

        assertThat(schema).isEqualTo(IndexSchema.builder("articles", StorageType.JSON)
                .prefixes(List.of("article"))
                .field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of("sortable", true, "unf", true)))
                .field(new FieldSchema("body", "$.content.body", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("author", "$.metadata.author", FieldType.TAG, Map.of("separator", ",")))
                .field(new FieldSchema("published", "$.metadata.published_ts", FieldType.NUMERIC,
                        Map.of("sortable", true)))
                .field(new FieldSchema("location", "$.location", FieldType.GEO, Map.of()))
                .field(new FieldSchema("content_vector", "$.embedding", FieldType.VECTOR, Map.of("algorithm", "flat",
                        "dims", 768, "datatype", "float32", "distance_metric", "l2", "block_size", 1000)))
                .build());
    }

    @Test
    void redisVlSchemaWithAPrefixList() throws URISyntaxException {
        IndexSchema schema = SlipwayFiles.readSchema(resource("redisvl/multi-prefix.yaml"));

        assertThat(schema.name()).isEqualTo("catalog");
        assertThat(schema.prefixes()).containsExactly("book:", "ebook:", "audiobook:");
        assertThat(schema.fields()).containsExactly(
                new FieldSchema("isbn", "isbn", FieldType.TAG, Map.of()),
                new FieldSchema("year", "year", FieldType.NUMERIC, Map.of()),
                new FieldSchema("summary_vector", "summary_vector", FieldType.VECTOR, Map.of("dims", 64L,
                        "algorithm", "flat", "datatype", "float32", "distance_metric", "cosine")));
    }

    @Test
    void olderRedisVlOptionsAreReadAsAttrs() {
        IndexSchema schema = read("""
                index: {name: i}
                fields:
                  - name: t
                    type: text
                    options: {sortable: true, nostem: true}
                  - name: v
                    type: vector
                    attrs: {dims: 2}
                    options: {distance_metric: IP}
                """);

        assertThat(schema.field("t").orElseThrow().attrs()).isEqualTo(Map.of("sortable", true, "no_stem", true));
        assertThat(schema.field("v").orElseThrow().attrs()).containsEntry("distance_metric", "ip");
    }

    @Test
    void problemsAreCollectedWithLineNumbers() {
        YamlProblems problems = new YamlProblems();
        String yaml = """
                index:
                  name: broken
                  storage_type: csv
                  colour: blue
                fields:
                  - name: a
                    type: text
                    attrs:
                      sortabel: true
                  - name: b
                    type: hologram
                  - type: tag
                  - name: c
                    type: vector
                    attrs: {dims: lots}
                  - name: d
                    type: numeric
                    attrs: {separator: '|'}
                """;

        IndexSchema schema = SchemaDocument.read(YamlNode.parse(yaml, "broken.yaml"), problems);

        assertThat(schema).isNull();
        List<String> messages = messages(problems);
        assertThat(messages).hasSize(7);
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("broken.yaml line 3: ")
                .contains("unknown storage type 'csv'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("broken.yaml line 4: ")
                .contains("unknown key 'colour' in 'index'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("broken.yaml line 9: ")
                .contains("unknown attribute 'sortabel' of field 'a'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("broken.yaml line 11: ")
                .contains("unknown field type 'hologram'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("broken.yaml line 12: ")
                .contains("a field needs 'name'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("broken.yaml line 15: ")
                .contains("'dims' must be a whole number, found 'lots'").contains("field 'c'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("broken.yaml line 16: ")
                .contains("field 'd'").contains("'separator' does not apply to a numeric field"));
    }

    @Test
    void duplicateFieldNamesAndMissingSectionsAreProblems() {
        YamlProblems duplicate = new YamlProblems();
        assertThat(SchemaDocument.read(YamlNode.parse("""
                index: {name: d}
                fields:
                  - {name: a, type: text}
                  - {name: a, type: tag}
                """, "dup.yaml"), duplicate)).isNull();
        assertThat(messages(duplicate)).singleElement().asString().startsWith("dup.yaml line 1: ")
                .contains("declares field 'a' twice");

        YamlProblems empty = new YamlProblems();
        assertThat(SchemaDocument.read(YamlNode.parse("index: {name: e}\nfields: []\n", "e.yaml"), empty)).isNull();
        assertThat(messages(empty)).singleElement().asString().contains("needs a non-empty 'fields' list");

        YamlProblems notAMap = new YamlProblems();
        assertThat(SchemaDocument.read(YamlNode.parse("- a\n- b\n", "l.yaml"), notAMap)).isNull();
        assertThat(messages(notAMap)).singleElement().asString().startsWith("l.yaml line 1: ");
    }

    @Test
    void scoreMustBeANumber() {
        YamlProblems problems = new YamlProblems();
        SchemaDocument.read(YamlNode.parse("index:\n  name: s\n  score: high\nfields: [{name: t, type: text}]\n",
                "s.yaml"), problems);
        assertThat(messages(problems)).singleElement().asString().startsWith("s.yaml line 3: ")
                .contains("'score' must be a number");
    }

    @Test
    void scoreMustBeBetweenZeroAndOne() {
        // FT.CREATE answers "Invalid score" outside [0, 1]
        for (String score : new String[] {"1.5", "-0.1", "2"}) {
            YamlProblems problems = new YamlProblems();
            SchemaDocument.read(YamlNode.parse("index:\n  name: s\n  score: " + score
                    + "\nfields: [{name: t, type: text}]\n", "s.yaml"), problems);
            assertThat(messages(problems)).as(score).containsExactly("s.yaml line 3: 'score' must be a number "
                    + "between 0 and 1");
        }
        assertThat(read("index: {name: s, score: 0}\nfields: [{name: t, type: text}]\n").score()).isZero();
        assertThat(read("index: {name: s, score: 1}\nfields: [{name: t, type: text}]\n").score()).isEqualTo(1.0);
        assertThatThrownBy(() -> IndexSchema.builder("s", StorageType.HASH).score(7)
                .field(FieldSchema.of("t", FieldType.TEXT)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("score 7.0");
    }

    @Test
    void writingAndReadingDoNotDependOnTheDefaultLocale() throws JsonProcessingException {
        Locale saved = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr-TR")); // "I".toLowerCase() is a dotless i here
        try {
            IndexSchema schema = IndexSchema.builder("tr", StorageType.HASH).language("ITALIAN")
                    .options(EnumSet.of(IndexOption.NOFIELDS, IndexOption.SKIPINITIALSCAN, IndexOption.MAXTEXTFIELDS))
                    .field(FieldSchema.of("t", FieldType.TEXT)).build();
            assertThat(schema.language()).isEqualTo("italian");

            String yaml = PlanCodec.yaml().writeValueAsString(SchemaDocument.toTree(schema));

            assertThat(yaml).contains("nofields", "skipinitialscan", "maxtextfields");
            assertThat(read(yaml)).isEqualTo(schema);
        } finally {
            Locale.setDefault(saved);
        }
    }

    static List<String> messages(YamlProblems problems) {
        try {
            problems.throwIfAny("summary", "next");
        } catch (dev.slipway.api.SlipwayException e) {
            return e.problems();
        }
        return new ArrayList<>();
    }

    private static IndexSchema read(String text) {
        YamlProblems problems = new YamlProblems();
        IndexSchema schema = SchemaDocument.read(YamlNode.parse(text, "test.yaml"), problems);
        assertThat(messages(problems)).isEmpty();
        return schema;
    }

    private Path resource(String name) throws URISyntaxException {
        return Path.of(getClass().getClassLoader().getResource(name).toURI());
    }
}
