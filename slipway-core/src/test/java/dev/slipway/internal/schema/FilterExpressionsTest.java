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

    @Test
    void whitespaceOutsideStringsChangesNothing() {
        assertThat(FilterExpressions.sameExpression("@kind=='a' && @n > 1", "  @kind == 'a'&&@n>1\n")).isTrue();
        assertThat(FilterExpressions.sameExpression("exists(@a)", "exists( @a )")).isTrue();
        assertThat(FilterExpressions.sameExpression("@t=='it\\'s  x' && @n>1", "@t == 'it\\'s  x'&&@n > 1"))
                .isTrue();
    }

    @Test
    void whitespaceInsideAStringOrBetweenWordsIsAChange() {
        assertThat(FilterExpressions.sameExpression("@kind=='a b'", "@kind=='a  b'")).isFalse();
        assertThat(FilterExpressions.sameExpression("@kind==\"a b\"", "@kind==\"ab\"")).isFalse();
        assertThat(FilterExpressions.sameExpression("@kind=='a' && @n>1", "@kind=='a' && @n>12")).isFalse();
        assertThat(FilterExpressions.withoutSpacing("@a  ==  1   &&  @b")).isEqualTo("@a==1&&@b");
        assertThat(FilterExpressions.withoutSpacing("1 2")).isEqualTo("1 2");
    }
}
