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

    /**
     * A sign after a comparison needs no space ({@code > -1} is {@code >-1}, tester session 45 R39 F7a); spacing around
     * a sign that may make or unmake a number literal is kept, as is any space character the server's lexer does not
     * skip (R39 F7b: {@code 0 -2} and an em space were called the live FILTER although the server refuses them).
     */
    @Test
    void spacingAroundSignsAndUnicodeSpaces() {
        assertThat(FilterExpressions.sameExpression("@price>-1", "@price > -1")).isTrue();
        assertThat(FilterExpressions.sameExpression("@price>=-5", "@price >= -5")).isTrue();
        assertThat(FilterExpressions.sameExpression("@price>=-5", "@price >= - 5")).isFalse();
        assertThat(FilterExpressions.sameExpression("0 - 2", "0 -2")).isFalse();
        assertThat(FilterExpressions.sameExpression("@price - 1 > 5", "@price -1 > 5")).isFalse();
        assertThat(FilterExpressions.sameExpression("@price > 5e-1", "@price > 5e -1")).isFalse();
        assertThat(FilterExpressions.sameExpression("@price > 5e-1", "@price>5e-1")).isTrue();
        assertThat(FilterExpressions.sameExpression("@a==1", "@a\u2003==1")).isFalse();
        assertThat(FilterExpressions.sameExpression("@a==1", "@a\t==\n1")).isTrue();
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
