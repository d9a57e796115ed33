package dev.slipway.internal.schema;

import static dev.slipway.api.schema.FieldType.GEO;
import static dev.slipway.api.schema.FieldType.GEOSHAPE;
import static dev.slipway.api.schema.FieldType.NUMERIC;
import static dev.slipway.api.schema.FieldType.TAG;
import static dev.slipway.api.schema.FieldType.TEXT;
import static dev.slipway.api.schema.FieldType.VECTOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.StorageType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FieldAttributeTest {

    @ParameterizedTest
    @CsvSource({
        "nostem, no_stem", "NOSTEM, no_stem", "no_stem, no_stem", "' No_Stem ', no_stem",
        "dim, dims", "DIMS, dims",
        "data_type, datatype", "type, datatype", "datatype, datatype",
        "casesensitive, case_sensitive", "indexmissing, index_missing", "indexempty, index_empty",
        "noindex, no_index", "with_suffix_trie, withsuffixtrie", "phonetic, phonetic_matcher",
        "M, m", "EF_CONSTRUCTION, ef_construction", "coord_system, coord_system"})
    void aliasesAndCaseResolveToTheCanonicalName(String given, String canonical) {
        assertThat(FieldAttribute.byName(given)).map(FieldAttribute::yamlName).contains(canonical);
    }

    @Test
    void unknownNamesResolveToNothing() {
        assertThat(FieldAttribute.byName("sortabel")).isEmpty();
        assertThat(FieldAttribute.byName("")).isEmpty();
    }

    @Test
    void valuesAreCoercedToTheirKind() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("weight", "2.5");
        raw.put("NOSTEM", "yes");
        raw.put("sortable", "TRUE");
        raw.put("unf", 1);
        raw.put("withsuffixtrie", "1");
        Map<String, Object> text = FieldAttribute.normalize(TEXT, StorageType.HASH, raw);
        assertThat(text).containsExactly(Map.entry("no_stem", true), Map.entry("sortable", true),
                Map.entry("unf", true), Map.entry("weight", 2.5), Map.entry("withsuffixtrie", true));

        Map<String, Object> vector = FieldAttribute.normalize(VECTOR, StorageType.HASH, Map.of("dim", "768",
                "data_type", "FLOAT32", "distance_metric", " Cosine ", "algorithm", "HNSW", "m", 32.0,
                "epsilon", "0.5", "ef_runtime", 15));
        assertThat(vector).containsExactly(Map.entry("algorithm", "hnsw"), Map.entry("datatype", "float32"),
                Map.entry("dims", 768L), Map.entry("distance_metric", "cosine"), Map.entry("ef_runtime", 15L),
                Map.entry("epsilon", 0.5), Map.entry("m", 32L));

        assertThat(FieldAttribute.normalize(TAG, StorageType.HASH, Map.of("separator", " ")))
                .as("separators are kept verbatim, not trimmed").containsExactly(Map.entry("separator", " "));
        assertThat(FieldAttribute.normalize(TEXT, StorageType.HASH, Map.of("phonetic", "dm:en")))
                .containsExactly(Map.entry("phonetic_matcher", "dm:en"));
    }

    @Test
    void serverDefaultsAreDroppedOnceTheStorageIsKnown() {
        Map<String, Object> vector = Map.of("algorithm", "hnsw", "datatype", "float32", "dims", 4,
                "distance_metric", "l2", "m", 16, "ef_construction", "200", "ef_runtime", 10, "epsilon", 0.01,
                "index_missing", false);
        assertThat(FieldAttribute.normalize(VECTOR, StorageType.HASH, vector)).containsOnlyKeys("algorithm",
                "datatype", "dims", "distance_metric");
        assertThat(FieldAttribute.normalize(VECTOR, StorageType.HASH, Map.of("algorithm", "flat",
                "block_size", 1024, "dims", 4))).containsOnlyKeys("algorithm", "dims");
        assertThat(FieldAttribute.normalize(TEXT, StorageType.HASH, Map.of("weight", 1, "no_stem", false,
                "sortable", "no"))).isEmpty();
        assertThat(FieldAttribute.normalize(GEOSHAPE, StorageType.JSON, Map.of("coord_system", "SPHERICAL")))
                .isEmpty();
        assertThat(FieldAttribute.normalize(GEOSHAPE, StorageType.JSON, Map.of("coord_system", "FLAT")))
                .containsExactly(Map.entry("coord_system", "flat"));
    }

    @Test
    void commaIsTheDefaultSeparatorOfHashTagsOnly() {
        assertThat(FieldAttribute.normalize(TAG, StorageType.HASH, Map.of("separator", ","))).isEmpty();
        assertThat(FieldAttribute.normalize(TAG, StorageType.JSON, Map.of("separator", ",")))
                .containsExactly(Map.entry("separator", ","));
    }

    @Test
    void withoutAStorageDefaultsAndExplicitFalseAreKept() {
        // a patch needs "sortable: false" to clear a flag, so the storage-less form keeps it
        assertThat(FieldAttribute.normalize(TEXT, null, Map.of("weight", 1, "sortable", false)))
                .containsExactly(Map.entry("sortable", false), Map.entry("weight", 1.0));
        assertThat(new FieldSchema("t", null, TEXT, Map.of("no_stem", false)).attrs())
                .containsExactly(Map.entry("no_stem", false));
    }

    /**
     * As FT.INFO reports it on Search 2.10.5: on a hash, UNF is kept where it was asked for (TEXT, TAG, GEO,
     * GEOSHAPE; a TAG sortable without it sorts and groups lower-cased, tester session 28) and dropped where the
     * server implies it (every NUMERIC sortable, a CASESENSITIVE TAG); on JSON every sortable is unnormalised.
     */
    @Test
    void unfIsKeptOnSortablesWhereItIsAChoice() {
        Map<String, Object> sortableUnf = Map.of("sortable", true, "unf", true);
        for (FieldType type : new FieldType[] {TEXT, TAG, GEO, GEOSHAPE}) {
            assertThat(FieldAttribute.normalize(type, StorageType.HASH, sortableUnf)).as(type.name())
                    .containsExactly(Map.entry("sortable", true), Map.entry("unf", true));
            assertThat(FieldAttribute.normalize(type, StorageType.HASH, Map.of("sortable", true))).as(type.name())
                    .containsExactly(Map.entry("sortable", true));
        }
        assertThat(FieldAttribute.normalize(NUMERIC, StorageType.HASH, sortableUnf))
                .containsExactly(Map.entry("sortable", true));
        assertThat(FieldAttribute.normalize(TAG, StorageType.HASH, Map.of("sortable", true, "unf", true,
                "case_sensitive", true))).doesNotContainKey("unf");
        for (FieldType type : new FieldType[] {TAG, NUMERIC, GEO}) {
            assertThat(FieldAttribute.normalize(type, StorageType.JSON, sortableUnf)).as(type.name())
                    .containsExactly(Map.entry("sortable", true));
        }
        assertThatThrownBy(() -> FieldAttribute.normalize(TEXT, StorageType.HASH, Map.of("unf", true)))
                .as("the server refuses UNF without SORTABLE").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("set 'sortable: true' with it");
        assertThat(FieldAttribute.normalize(TEXT, StorageType.HASH, Map.of("unf", false))).isEmpty();
        assertThat(FieldAttribute.normalize(TEXT, StorageType.HASH, Map.of("sortable", true)))
                .containsExactly(Map.entry("sortable", true));
    }

    @Test
    void sortableJsonTextIsAlwaysUnnormalised() {
        // FT.INFO reports UNF on every sortable JSON TEXT field, asked for or not
        assertThat(FieldAttribute.normalize(TEXT, StorageType.JSON, Map.of("sortable", true)))
                .containsExactly(Map.entry("sortable", true), Map.entry("unf", true));
        assertThatThrownBy(() -> FieldAttribute.normalize(TEXT, StorageType.JSON, Map.of("unf", true)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void geoshapeTakesSortableAndNoIndexLikeTheServer() {
        assertThat(FieldAttribute.normalize(GEOSHAPE, StorageType.HASH, Map.of("sortable", true,
                "no_index", true, "unf", true))).containsExactly(Map.entry("no_index", true),
                Map.entry("sortable", true), Map.entry("unf", true));
    }

    @Test
    void unknownAttributeIsRejectedNamingItAndTheFieldType() {
        assertThatThrownBy(() -> FieldAttribute.normalize(TEXT, null, Map.of("sortabel", true)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown attribute 'sortabel' for a text field");
    }

    @Test
    void attributeOfAnotherFieldTypeIsRejected() {
        assertThatThrownBy(() -> FieldAttribute.normalize(NUMERIC, StorageType.HASH, Map.of("separator", "|")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attribute 'separator' does not apply to a numeric field");
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, StorageType.HASH, Map.of("sortable", true)))
                .hasMessage("attribute 'sortable' does not apply to a vector field");
        assertThatThrownBy(() -> FieldAttribute.normalize(TAG, StorageType.HASH, Map.of("nostem", true)))
                .as("aliases are reported under the canonical name")
                .hasMessage("attribute 'no_stem' does not apply to a tag field");
        assertThatThrownBy(() -> new FieldSchema("v", null, VECTOR, Map.of("weight", 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'weight'");
    }

    /** Tester session 34 R18 F3: plan wrote {@code M -3} as supported; only apply's server refused it. */
    @Test
    void sizesTheServerRequiresPositiveAreRejectedBelowOne() {
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, null, Map.of("m", -3)))
                .hasMessage("attribute 'm' must be 1 or more, found -3");
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, null, Map.of("dims", 0)))
                .hasMessage("attribute 'dims' must be 1 or more, found 0");
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, null, Map.of("ef_construction", "0")))
                .hasMessage("attribute 'ef_construction' must be 1 or more, found 0");
        assertThat(FieldAttribute.normalize(VECTOR, null, Map.of("algorithm", "hnsw", "m", 1, "initial_cap", 0)))
                .containsEntry("m", 1L);
    }

    @Test
    void valuesOfTheWrongKindAreRejectedQuotingTheValue() {
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, null, Map.of("dims", "many")))
                .hasMessage("attribute 'dims' must be a whole number, found 'many'");
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, null, Map.of("dims", 1.5)))
                .hasMessage("attribute 'dims' must be a whole number, found '1.5'");
        assertThatThrownBy(() -> FieldAttribute.normalize(TEXT, null, Map.of("sortable", "maybe")))
                .hasMessage("attribute 'sortable' must be true or false, found 'maybe'");
        assertThatThrownBy(() -> FieldAttribute.normalize(TEXT, null, Map.of("weight", "heavy")))
                .hasMessage("attribute 'weight' must be a number, found 'heavy'");
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("weight", null);
        assertThatThrownBy(() -> FieldAttribute.normalize(TEXT, null, nullValue))
                .hasMessage("attribute 'weight' has no value");
    }

    @Test
    void indexMissingOnAFieldThatIsNotIndexedIsRejected() {
        // FT.CREATE answers "cannot be defined with both NOINDEX and INDEXMISSING"
        assertThatThrownBy(() -> FieldAttribute.normalize(TAG, null, Map.of("index_missing", true,
                "no_index", true))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'index_missing' and 'no_index'").hasMessageContaining("tag field");
        assertThat(FieldAttribute.normalize(TAG, null, Map.of("index_missing", true, "no_index", false)))
                .containsEntry("index_missing", true);
    }

    @Test
    void vectorParametersOfAnotherAlgorithmAreRejected() {
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, StorageType.HASH, Map.of("algorithm", "flat",
                "ef_runtime", 20))).hasMessage("attribute 'ef_runtime' applies only to hnsw vectors, not to flat");
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, StorageType.HASH, Map.of("m", 8)))
                .as("no algorithm means FLAT, as FT.CREATE is rendered").hasMessageContaining("'m'");
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, null, Map.of("algorithm", "hnsw",
                "block_size", 512))).hasMessage("attribute 'block_size' applies only to flat vectors, not to hnsw");
        assertThatThrownBy(() -> FieldAttribute.normalize(VECTOR, null, Map.of("algorithm", "flat",
                "epsilon", 0.5))).hasMessage("attribute 'epsilon' applies only to hnsw or svs-vamana vectors, "
                + "not to flat");
        // a default value is harmless: it is dropped before rendering
        assertThat(FieldAttribute.normalize(VECTOR, StorageType.HASH, Map.of("algorithm", "flat", "m", 16)))
                .containsOnlyKeys("algorithm");
        assertThat(FieldAttribute.normalize(VECTOR, null, Map.of("algorithm", "hnsw", "initial_cap", 10,
                "ef_runtime", 5))).containsEntry("initial_cap", 10L);
        assertThat(FieldAttribute.normalize(VECTOR, null, Map.of("algorithm", "flat", "initial_cap", 10,
                "block_size", 5))).containsEntry("block_size", 5L);
    }

    @Test
    void separatorIsOneAsciiCharacterAsFtCreateRequires() {
        // "Tag separator must be a single character. Got `ab`" (also for "" and the two UTF-8 bytes of "é")
        for (String bad : new String[] {"ab", "", "é", ",,"}) {
            assertThatThrownBy(() -> FieldAttribute.normalize(TAG, StorageType.HASH, Map.of("separator", bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("attribute 'separator' must be a single ASCII character, found '" + bad + "'");
        }
        assertThat(FieldAttribute.normalize(TAG, StorageType.HASH, Map.of("separator", " ")))
                .containsExactly(Map.entry("separator", " "));
        assertThat(FieldAttribute.normalize(TEXT, StorageType.HASH, Map.of("phonetic_matcher", "dm:pt")))
                .as("other verbatim values are free text").containsEntry("phonetic_matcher", "dm:pt");
    }

    @Test
    void exactlyTheAttributesFtInfoOmitsAreHidden() {
        assertThat(Arrays.stream(FieldAttribute.values()).filter(a -> !a.reportedByServer())
                .map(FieldAttribute::yamlName))
                .contains("phonetic_matcher", "ef_runtime", "epsilon", "initial_cap", "block_size")
                .doesNotContain("weight", "separator", "sortable", "unf", "m", "ef_construction", "dims",
                        "datatype", "distance_metric", "algorithm", "index_missing", "index_empty", "coord_system");
    }

    @Test
    void everyAttributeAppliesToSomeTypeAndResolvesByItsOwnName() {
        for (FieldAttribute attribute : FieldAttribute.values()) {
            assertThat(FieldAttribute.byName(attribute.yamlName())).contains(attribute);
            assertThat(Arrays.stream(FieldType.values()).anyMatch(attribute::appliesTo)).as(attribute.name())
                    .isTrue();
        }
    }
}
