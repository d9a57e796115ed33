package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** When a rewrite is narrowed to the documents a FILTER admits, and the throwaway index that tells which. */
class FilterScopeTest {
    private static final FieldSchema TITLE = FieldSchema.of("title", FieldType.TEXT);
    private static final FieldSchema STATUS = new FieldSchema("st", "status", FieldType.TAG, null);
    private static final FieldSchema EMB = new FieldSchema("emb", null, FieldType.VECTOR, Map.of("algorithm", "FLAT",
            "type", "FLOAT32", "dim", 4, "distance_metric", "L2"));

    private static IndexSchema hash(String filter, FieldSchema... fields) {
        IndexSchema.Builder builder = IndexSchema.builder("docs", StorageType.HASH).prefixes(List.of("doc:"))
                .fields(List.of(fields));
        return (filter == null ? builder : builder.filter(filter)).build();
    }

    private static RewriteSpec rewrite(Optional<String> targetPrefix) {
        return new RewriteSpec(StorageType.HASH, List.of("doc:"), targetPrefix, List.of(), List.of(), 10, false);
    }

    @Test
    void withoutAFilterEveryDocumentIsRewritten() {
        assertThat(FilterScope.narrows(hash(null, TITLE), hash(null, TITLE))).isFalse();
        assertThat(FilterScope.scopeSchema(hash(null, TITLE), hash(null, TITLE), rewrite(Optional.empty()), "p"))
                .isEmpty();
    }

    @Test
    void aFilterThePatchKeepsNarrowsTheRewrite() {
        IndexSchema source = hash("@st==\"a\"", TITLE, STATUS, EMB);
        assertThat(FilterScope.narrows(source, source)).isTrue();

        IndexSchema scope = FilterScope.scopeSchema(source, source, rewrite(Optional.empty()), "p").orElseThrow();
        assertThat(scope.name()).isEqualTo("p");
        assertThat(scope.filter()).contains("@st==\"a\"");
        assertThat(scope.fields()).as("only the field the FILTER mentions, as the source defines it")
                .containsExactly(STATUS);
        assertThat(scope.prefixes()).containsExactly("doc:");
        assertThat(scope.options()).contains(IndexOption.NOOFFSETS, IndexOption.NOFIELDS, IndexOption.NOFREQS);
    }

    @Test
    void aFilterThatMentionsNoFieldGetsAPlaceholder() {
        IndexSchema source = hash("@kind==\"a\"", TITLE, EMB);
        assertThat(FilterScope.scopeSchema(source, source, rewrite(Optional.empty()), "p").orElseThrow().fields())
                .extracting(FieldSchema::name).containsExactly(FilterScope.PLACEHOLDER);

        IndexSchema json = IndexSchema.builder("docs", StorageType.JSON).prefixes(List.of("doc:"))
                .filter("@kind==\"a\"").fields(List.of(new FieldSchema("title", "$.title", FieldType.TEXT, null)))
                .build();
        assertThat(FilterScope.scopeSchema(json, json, rewrite(Optional.empty()), "p").orElseThrow().fields())
                .extracting(FieldSchema::path).containsExactly("$." + FilterScope.PLACEHOLDER);
    }

    @Test
    void aKeyMoveAddsTheNewPrefix() {
        IndexSchema source = hash("@st==\"a\"", STATUS);
        IndexSchema target = source.toBuilder().prefixes(List.of("item:")).build();
        assertThat(FilterScope.scopeSchema(source, target, rewrite(Optional.of("item:")), "p").orElseThrow()
                .prefixes()).containsExactly("doc:", "item:");
    }

    @Test
    void aChangedFilterOrFieldItMentionsRewritesEveryDocument() {
        IndexSchema source = hash("@st==\"a\"", TITLE, STATUS);
        assertThat(FilterScope.narrows(source, hash("@st==\"b\"", TITLE, STATUS))).as("another FILTER").isFalse();
        assertThat(FilterScope.narrows(source, hash(null, TITLE, STATUS))).as("FILTER removed").isFalse();
        assertThat(FilterScope.narrows(source, hash("@st==\"a\"", TITLE, new FieldSchema("st", "state", FieldType.TAG,
                null)))).as("the field it reads points elsewhere").isFalse();
        assertThat(FilterScope.narrows(source, hash("@st==\"a\"", TITLE.withName("name"), STATUS)))
                .as("a field it does not mention changes").isTrue();
    }

    @Test
    void aFilterThatMentionsAVectorRewritesEveryDocument() {
        IndexSchema source = hash("exists(@emb)", EMB);
        assertThat(FilterScope.narrows(source, source)).isFalse();
    }

    @Test
    void validationsThrowawayIndexAdmitsEveryHashDocumentTheFilterAdmitsWhateverItsValues() {
        FieldSchema price = FieldSchema.of("price", FieldType.NUMERIC);
        IndexSchema live = hash("@st==\"a\" && exists(@emb) && @price>10 && @tag!=\"member\"", TITLE, STATUS, EMB,
                price).toBuilder().prefixes(List.of("doc:", "item:")).build();
        IndexSchema admission = FilterScope.admissionSchema(live, "p");
        assertThat(admission.name()).isEqualTo("p");
        assertThat(admission.prefixes()).containsExactly("doc:", "item:");
        assertThat(admission.filter()).isEqualTo(live.filter());
        assertThat(admission.fields()).as("a hash FILTER reads the fields themselves: only an attribute that reads "
                + "another field is declared, as a TAG no value fails; no vector (R33 F5), no NUMERIC (F1)")
                .containsExactly(new FieldSchema("st", "status", FieldType.TAG, null));
        assertThat(admission.options()).contains(IndexOption.NOOFFSETS, IndexOption.NOFREQS);
        assertThat(FilterScope.admissionSchema(hash("@kind==\"a\"", TITLE), "p").fields())
                .extracting(FieldSchema::name).containsExactly(FilterScope.PLACEHOLDER);
    }

    @Test
    void aJsonFilterKeepsTheAttributesItNamesAVectorAsFlat() {
        FieldSchema cat = new FieldSchema("cat", "$.cat", FieldType.TAG, null);
        FieldSchema vec = new FieldSchema("vec", "$.vec", FieldType.VECTOR, Map.of("algorithm", "FLAT",
                "type", "FLOAT32", "dim", 4, "distance_metric", "L2"));
        IndexSchema json = IndexSchema.builder("j", StorageType.JSON).prefixes(List.of("j:")).filter("@cat==\"a\"")
                .fields(List.of(cat, vec, new FieldSchema("category", "$.category", FieldType.TEXT, null))).build();
        assertThat(FilterScope.admissionSchema(json, "p").fields()).extracting(FieldSchema::name)
                .as("named exactly, not as a part of another name").containsExactly("cat");
        FieldSchema hnsw = new FieldSchema("vec", "$.vec", FieldType.VECTOR, Map.of("algorithm", "HNSW",
                "type", "FLOAT32", "dim", 4, "distance_metric", "L2", "m", 32));
        IndexSchema namingAVector = json.toBuilder().filter("exists(@vec)").fields(List.of(cat, hnsw)).build();
        assertThat(FilterScope.admissionSchema(namingAVector, "p").fields()).as("a JSON FILTER reads typed attributes: "
                + "a vector it names is declared, as FLAT (R34 N1)").singleElement().satisfies(f -> {
                    assertThat(f.name()).isEqualTo("vec");
                    assertThat(f.attrs()).containsEntry("algorithm", "flat").containsEntry("dims", 4L)
                            .doesNotContainKey("m");
                });
    }
}
