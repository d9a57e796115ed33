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
        assertThat(FilterExpressions.canonical("@a  ==  1   &&  @b")).isEqualTo("@a==1&&@b");
        assertThat(FilterExpressions.canonical("1 2")).isEqualTo("1 2");
    }

    /** The server reads {@code > =} otherwise than {@code >=} (tester session 44 R38 F2). */
    @Test
    void whitespaceBetweenTwoOperatorCharactersIsAChange() {
        assertThat(FilterExpressions.sameExpression("@price > = 997", "@price >= 997")).isFalse();
        assertThat(FilterExpressions.sameExpression("@price < = 997", "@price<=997")).isFalse();
        assertThat(FilterExpressions.sameExpression("1 - -2", "1--2")).isFalse();
        assertThat(FilterExpressions.sameExpression("@price > = 997", "@price  >  =  997")).isTrue();
        assertThat(FilterExpressions.sameExpression("(@a>1) && exists(@b)", "( @a > 1 ) &&exists( @b )")).isTrue();
    }

    /** {@code "a"} and {@code 'a'} are the same literal (R38 F5); one with a quote or backslash is left as written. */
    @Test
    void theQuotesOfAPlainLiteralChangeNothing() {
        assertThat(FilterExpressions.sameExpression("@kind=='a'", "@kind == \"a\"")).isTrue();
        assertThat(FilterExpressions.sameExpression("@kind=='a b'", "@kind==\"a  b\"")).isFalse();
        assertThat(FilterExpressions.sameExpression("@kind=='it\\'s'", "@kind==\"it's\"")).isFalse();
        assertThat(FilterExpressions.sameExpression("@kind=='a'", "@kind=='a")).isFalse();
        assertThat(FilterExpressions.canonical("startswith(@__key, \"item:1\")")).isEqualTo(
                "startswith(@__key,'item:1')");
    }
}
