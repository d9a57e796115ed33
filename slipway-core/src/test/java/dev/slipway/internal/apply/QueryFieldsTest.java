package dev.slipway.internal.apply;

import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class QueryFieldsTest {
    @Test
    void fieldReferencesAreReadOutsideQuotesAndEscapes() {
        assertThat(QueryFields.referenced("@title:hello @brand:{acme|b} -@price:[1 2]"))
                .containsExactly("title", "brand", "price");
        assertThat(QueryFields.referenced("(@a : x) | @b_2:{y}")).containsExactly("a", "b_2");
        assertThat(QueryFields.referenced("\"mail@host:8080\" @t:x")).as("inside a quoted phrase").containsExactly("t");
        assertThat(QueryFields.referenced("user\\@mail\\:x @t:x")).as("escaped").containsExactly("t");
        assertThat(QueryFields.referenced("@my\\-field:x")).as("a name with an escaped character: not judged")
                .isEmpty();
        assertThat(QueryFields.referenced("*=>[KNN 10 @emb $vec AS score]")).containsExactly("emb");
        assertThat(QueryFields.referenced("hello world *")).isEmpty();
        assertThat(QueryFields.referenced("@price>5 @rank <= 9 @n==3 @m != 4")).as("comparisons")
                .containsExactly("price", "rank", "n", "m");
        assertThat(QueryFields.referenced("@title:\"knn 3 @body now\"")).as("KNN inside a phrase")
                .containsExactly("title");
        assertThat(QueryFields.referenced("@a|b:x @c")).as("a field list, not a name alone").containsExactly("a", "b");
        assertThat(QueryFields.referenced("@title|body:(x) @a|:y @|b:z")).as("an empty name in a list: not judged")
                .containsExactly("title", "body");
        assertThat(QueryFields.referenced("ismissing(@removed) -ISMISSING ( @gone ) @t:x")).as("ismissing")
                .containsExactly("removed", "gone", "t");
        assertThat(QueryFields.referenced("notismissing(@a) (@b) hello(@c)")).as("not the function").isEmpty();
        assertThat(QueryFields.referenced("ismissing(\n  @m) ismissing(\t@n) @o\t:{b} @p\n>5")).as("any whitespace")
                .containsExactly("m", "n", "o", "p");
    }

    @Test
    void checksOnFieldsTheTargetLacksAreNamed() {
        IndexSchema source = schema("title", "brand", "price");
        IndexSchema target = schema("title", "maker", "price");
        QueryCheck renamed = new QueryCheck("by brand", "@brand:{acme}", 2, Optional.empty(), Optional.empty(),
                List.of());
        QueryCheck fine = new QueryCheck("by maker", "@maker:{acme} @price:[0 10]", 2, Optional.of(1L),
                Optional.empty(), List.of());
        QueryCheck typo = new QueryCheck("typo", "@titel:hello", 2, Optional.empty(), Optional.empty(), List.of());

        assertThat(QueryFields.unknown(List.of(renamed, fine, typo), target, source)).containsExactly(
                "query 'by brand' (@brand:{acme}) reads @brand (the plan removes or renames it), which the target "
                        + "schema does not have: the server would match nothing there",
                "query 'typo' (@titel:hello) reads @titel, which the target schema does not have: the server would "
                        + "match nothing there");
    }

    private static IndexSchema schema(String text, String tag, String numeric) {
        return IndexSchema.builder("idx", StorageType.HASH).prefixes(List.of("p:"))
                .field(new FieldSchema(text, null, FieldType.TEXT, Map.of()))
                .field(new FieldSchema(tag, null, FieldType.TAG, Map.of()))
                .field(new FieldSchema(numeric, null, FieldType.NUMERIC, Map.of())).build();
    }
}
