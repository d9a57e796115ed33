package dev.slipway.internal.schema;

import static dev.slipway.internal.schema.SchemaDocumentTest.messages;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.SchemaPatch.FieldRename;
import dev.slipway.api.schema.SchemaPatch.FieldUpdate;
import dev.slipway.api.schema.SchemaPatch.IndexChanges;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.yaml.YamlNode;
import dev.slipway.internal.yaml.YamlProblems;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PatchDocumentTest {

    private static final String EVERY_SECTION = """
            version: 1
            changes:
              add_fields:
                - name: price
                  type: numeric
                  attrs:
                    sortable: true
                - name: shape
                  type: geoshape
                  path: area
                  attrs: {coord_system: FLAT}
              remove_fields:
                - legacy_code
                - old_notes
              update_fields:
                - name: category
                  attrs:
                    separator: '|'
                    sortable: false
                - name: title
                  type: tag
                  path: headline
                  options:
                    nostem: true
                  attrs:
                    weight: 3
              rename_fields:
                - old_name: desc
                  new_name: description
              index:
                name: products_v2
                prefix: ["product:", "sku:"]
                filter: ""
                language: spanish
                language_field: lang
                score: 0.5
                stopwords: [el, la]
                options: [nooffsets, NOFREQS]
                key_separator: ':'
            """;

    @Test
    void everySectionIsRead() {
        SchemaPatch patch = read(EVERY_SECTION);

        assertThat(patch.addFields()).containsExactly(
                new FieldSchema("price", null, FieldType.NUMERIC, Map.of("sortable", true)),
                new FieldSchema("shape", "area", FieldType.GEOSHAPE, Map.of("coord_system", "flat")));
        assertThat(patch.removeFields()).containsExactly("legacy_code", "old_notes");
        assertThat(patch.updateFields()).containsExactly(
                new FieldUpdate("category", Optional.empty(), Optional.empty(),
                        Map.of("separator", "|", "sortable", false)),
                new FieldUpdate("title", Optional.of(FieldType.TAG), Optional.of("headline"),
                        Map.of("no_stem", true, "weight", 3.0)));
        assertThat(patch.renameFields()).containsExactly(new FieldRename("desc", "description"));
        assertThat(patch.index()).isEqualTo(new IndexChanges(Optional.of("products_v2"),
                Optional.of(List.of("product:", "sku:")), Optional.of(""), Optional.of("spanish"),
                Optional.of("lang"), Optional.of(0.5), Optional.of(List.of("el", "la")),
                Optional.of(EnumSet.of(IndexOption.NOOFFSETS, IndexOption.NOFREQS)), Optional.empty()));
        assertThat(patch.isEmpty()).isFalse();
    }

    @Test
    void explicitFalseIsKeptSoThatItCanClearAFlag() {
        SchemaPatch patch = read("""
                version: 1
                changes:
                  update_fields:
                    - name: t
                      attrs: {sortable: false, no_stem: no, index_missing: true}
                """);

        assertThat(patch.updateFields().get(0).attrs()).isEqualTo(Map.of("sortable", false, "no_stem", false,
                "index_missing", true));
    }

    @Test
    void redisVlPatchExamples() {
        // the shapes RedisVL's migration docs use: add a tag, drop a field, make a field sortable
        SchemaPatch first = read("""
                version: 1
                changes:
                  add_fields:
                    - name: genre
                      type: tag
                      attrs:
                        separator: ","
                  remove_fields:
                    - rating
                  update_fields:
                    - name: title
                      attrs:
                        sortable: true
                """);
        assertThat(first).isEqualTo(new SchemaPatch(
                List.of(new FieldSchema("genre", null, FieldType.TAG, Map.of("separator", ","))),
                List.of("rating"),
                List.of(new FieldUpdate("title", Optional.empty(), Optional.empty(), Map.of("sortable", true))),
                List.of(), IndexChanges.NONE));

        // re-quantise a vector and switch it to HNSW, under a versioned index name
        SchemaPatch second = read("""
                version: 1
                changes:
                  update_fields:
                    - name: embedding
                      attrs:
                        datatype: float16
                        algorithm: hnsw
                        m: 32
                        ef_construction: 256
                  index:
                    name: docs_v2
                """);
        assertThat(second.updateFields()).containsExactly(new FieldUpdate("embedding", Optional.empty(),
                Optional.empty(), Map.of("datatype", "float16", "algorithm", "hnsw", "m", 32L,
                        "ef_construction", 256L)));
        assertThat(second.index().name()).contains("docs_v2");
        assertThat(second.index().prefixes()).isEmpty();
    }

    @Test
    void singlePrefixAndSingleRemovalMayBeScalars() {
        SchemaPatch patch = read("""
                version: 1
                changes:
                  remove_fields: legacy
                  index: {prefix: "p:", storage_type: json}
                """);

        assertThat(patch.removeFields()).containsExactly("legacy");
        assertThat(patch.index().prefixes()).contains(List.of("p:"));
        assertThat(patch.index().storageType()).contains(StorageType.JSON);
    }

    @Test
    void emptyChangesMakeAnEmptyPatch() {
        assertThat(read("version: 1\nchanges: {}\n").isEmpty()).isTrue();
    }

    @Test
    void treeReadsBackAsTheSamePatch() throws JsonProcessingException {
        SchemaPatch patch = read(EVERY_SECTION);
        String yaml = PlanCodec.yaml().writeValueAsString(PatchDocument.toTree(patch, StorageType.HASH));

        assertThat(read(yaml)).as(yaml).isEqualTo(patch);
    }

    @Test
    void treeDoesNotDependOnTheDefaultLocale() throws JsonProcessingException {
        Locale saved = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));
        try {
            SchemaPatch patch = read("version: 1\nchanges:\n  index: {options: [NOFIELDS, maxtextfields]}\n");
            String yaml = PlanCodec.yaml().writeValueAsString(PatchDocument.toTree(patch, StorageType.HASH));

            assertThat(yaml).contains("nofields", "maxtextfields");
            assertThat(read(yaml)).isEqualTo(patch);
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void typosAndBadValuesAreAllReportedWithLines() {
        YamlProblems problems = new YamlProblems();
        String yaml = """
                version: 2
                changes:
                  add_fields: [{name: x, type: text}]
                  remove_field: [a]
                  update_fields:
                    - name: t
                      attrs: {sortabel: true}
                    - attrs: {sortable: true}
                  rename_fields:
                    - old_name: a
                      new: b
                  index: {prefix: ["p:"], colour: red, score: lots, options: [fast]}
                """;

        PatchDocument.read(YamlNode.parse(yaml, "patch.yaml"), problems);

        List<String> messages = messages(problems);
        assertThat(messages).containsExactlyInAnyOrder(
                "patch.yaml line 1: unsupported patch version '2'; this Slipway reads version 1",
                "patch.yaml line 4: unknown key 'remove_field' in 'changes'; expected one of add_fields, index, "
                        + "remove_fields, rename_fields, update_fields",
                "patch.yaml line 7: unknown attribute 'sortabel' of field 't'",
                "patch.yaml line 8: an update_fields entry needs 'name'",
                "patch.yaml line 11: unknown key 'new' in a rename_fields entry; expected one of new_name, old_name",
                "patch.yaml line 10: a rename_fields entry needs 'new_name'",
                "patch.yaml line 12: unknown key 'colour' in 'index' changes; expected one of filter, "
                        + "key_separator, language, language_field, name, options, prefix, prefixes, score, "
                        + "stopwords, storage_type",
                "patch.yaml line 12: 'score' must be a number between 0 and 1",
                "patch.yaml line 12: unknown index option 'fast'; expected maxtextfields, nooffsets, nohl, nofields, "
                        + "nofreqs or skipinitialscan");
    }

    @Test
    void anUnknownVectorDatatypeAndAnEmptyNewNameAreProblemsWithLines() {
        YamlProblems problems = new YamlProblems();
        String yaml = """
                version: 1
                changes:
                  update_fields:
                    - name: emb
                      attrs: {datatype: float17}
                  rename_fields:
                    - {old_name: title, new_name: ""}
                """;

        PatchDocument.read(YamlNode.parse(yaml, "patch.yaml"), problems);

        assertThat(messages(problems)).containsExactlyInAnyOrder(
                "patch.yaml line 5: Unknown vector data type 'float17'; expected one of FLOAT64, FLOAT32, FLOAT16, "
                        + "BFLOAT16, INT8, UINT8 (case does not matter) (field 'emb')",
                "patch.yaml line 7: 'new_name' of a rename_fields entry must not be empty");
    }

    /** Planned as supported, refused only by apply's server check (tester session 54 R48 T2 F3). */
    @Test
    void valuesTheServerRefusesAreProblemsWithLines() {
        YamlProblems problems = new YamlProblems();
        String yaml = """
                version: 1
                changes:
                  update_fields:
                    - name: emb
                      attrs: {distance_metric: manhattan, algorithm: annoy}
                    - name: title
                      attrs: {phonetic_matcher: 'dm:xx'}
                    - name: shape
                      attrs: {coord_system: polar}
                    - name: ok
                      attrs: {distance_metric: cosine, algorithm: svs-vamana, phonetic_matcher: 'dm:pt'}
                """;

        PatchDocument.read(YamlNode.parse(yaml, "patch.yaml"), problems);

        assertThat(messages(problems)).containsExactlyInAnyOrder(
                "patch.yaml line 5: Unknown distance metric 'manhattan'; expected one of L2, IP, COSINE (case does "
                        + "not matter) (field 'emb')",
                "patch.yaml line 5: unknown vector algorithm 'annoy'; expected one of FLAT, HNSW, SVS-VAMANA (case "
                        + "does not matter) (field 'emb')",
                "patch.yaml line 7: unknown phonetic matcher 'dm:xx'; expected one of dm:en, dm:fr, dm:pt, dm:es "
                        + "(Double Metaphone for English, French, Portuguese or Spanish) (field 'title')",
                "patch.yaml line 9: unknown coordinate system 'polar'; expected one of spherical, flat (case does "
                        + "not matter) (field 'shape')");
    }

    /** A null was read as no change, "Changes: none" (tester session 40 R29 L3). */
    @Test
    void aNullIndexSettingIsAProblemNotSilence() {
        YamlProblems problems = new YamlProblems();
        PatchDocument.read(YamlNode.parse("version: 1\nchanges:\n  index:\n    stopwords: null\n    filter: ~\n",
                "p.yaml"), problems);

        assertThat(messages(problems)).containsExactly(
                "p.yaml line 4: 'stopwords' is null, which a patch does not read as a change: leave it out to keep "
                        + "the index's value, give a list ([] for none), or 'default' for the server's default stop "
                        + "words",
                "p.yaml line 5: 'filter' is null, which a patch does not read as a change: leave it out to keep the "
                        + "index's value, or give '' to remove it");
    }

    /** 'default' returns to the server's stop words (a patch could not, before); a list holding it is one word. */
    @Test
    void stopwordsDefaultReturnsToTheServersListAndSurvivesThePlanFile() {
        SchemaPatch back = read("version: 1\nchanges:\n  index:\n    stopwords: default\n");
        SchemaPatch word = read("version: 1\nchanges:\n  index:\n    stopwords: [default]\n");

        assertThat(back.index().defaultStopwords()).isTrue();
        assertThat(back.index().stopwords()).isEmpty();
        assertThat(word.index().defaultStopwords()).isFalse();
        assertThat(word.index().stopwords()).contains(List.of("default"));
        Map<?, ?> changes = (Map<?, ?>) PatchDocument.toTree(back, StorageType.HASH).get("changes");
        assertThat(((Map<?, ?>) changes.get("index")).get("stopwords")).isEqualTo("default");
    }

    @Test
    void anEmptyOrRepeatedPrefixInAListIsAProblem() {
        YamlProblems problems = new YamlProblems();
        PatchDocument.read(YamlNode.parse("version: 1\nchanges:\n  index:\n    prefix: [\"item:\", \"\", "
                + "\"item:\"]\n", "p.yaml"), problems);

        assertThat(messages(problems)).containsExactly(
                "p.yaml line 4: an empty prefix in a list of several means nothing (an index without a prefix covers "
                        + "every key); remove it",
                "p.yaml line 4: a prefix is named twice in 'prefix'; name each once");
    }

    @Test
    void changesGivenAsAListArePointedAt() {
        YamlProblems problems = new YamlProblems();
        PatchDocument.read(YamlNode.parse("version: 1\nchanges:\n  - add_fields: []\n", "p.yaml"), problems);

        assertThat(messages(problems)).containsExactly("p.yaml line 3: the patch needs a 'changes' mapping "
                + "(add_fields, remove_fields, update_fields, rename_fields, index), not a list: write its keys "
                + "without '- '");
    }

    @Test
    void aPatchWithoutChangesIsAProblem() {
        YamlProblems problems = new YamlProblems();
        assertThat(PatchDocument.read(YamlNode.parse("version: 1\nchange: {}\n", "p.yaml"), problems)).isNull();
        assertThat(messages(problems)).anySatisfy(m -> assertThat(m).contains("unknown key 'change'"))
                .anySatisfy(m -> assertThat(m).contains("needs a 'changes' mapping"));
    }

    private static SchemaPatch read(String text) {
        YamlProblems problems = new YamlProblems();
        SchemaPatch patch = PatchDocument.read(YamlNode.parse(text, "patch.yaml"), problems);
        assertThat(messages(problems)).isEmpty();
        return patch;
    }
}
