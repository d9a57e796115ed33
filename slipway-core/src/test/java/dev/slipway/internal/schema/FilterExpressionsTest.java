package dev.slipway.internal.schema;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The attributes a FILTER expression names, which the plan's count loads and a JSON index must declare. */
class FilterExpressionsTest {
    @Test
    void everyAttributeTheExpressionNamesIsLoadedOnce() {
        assertThat(FilterExpressions.attributes("@kind=='a' && (@price > 10 || exists(@extra)) && @kind!='b'"))
                .containsExactly("kind", "price", "extra");
        assertThat(FilterExpressions.attributes("startswith(@__key, \"item:1\")")).containsExactly("__key");
        assertThat(FilterExpressions.attributes("1 == 1")).isEmpty();
    }

    @Test
    void aNameInsideAStringIsNotAnAttribute() {
        assertThat(FilterExpressions.attributes("@tag!=\"@emb\" && @kind=='@x' || @n>1")).containsExactly("tag",
                "kind", "n");
        assertThat(FilterExpressions.attributes("@tag=='it\\'s @emb' && @emb2 == \"a\\\"@b\"")).containsExactly(
                "tag", "emb2");
    }
}
