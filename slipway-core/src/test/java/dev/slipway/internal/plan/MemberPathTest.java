package dev.slipway.internal.plan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MemberPathTest {

    @Test
    void membersOfDotAndBracketPaths() {
        assertThat(MemberPath.parse("$.a").orElseThrow().members()).containsExactly("a");
        assertThat(MemberPath.parse("$.a.b_c-d").orElseThrow().members()).containsExactly("a", "b_c-d");
        assertThat(MemberPath.parse("$['we ird'].x").orElseThrow().members()).containsExactly("we ird", "x");
        assertThat(MemberPath.parse("$[\"a.b\"]").orElseThrow().members()).containsExactly("a.b");
        assertThat(MemberPath.parse("$['it\\'s']").orElseThrow().members()).containsExactly("it's");
        assertThat(MemberPath.parse("$.título").orElseThrow().members()).containsExactly("título");
        assertThat(MemberPath.parse("$.a.b").orElseThrow().parent()).containsExactly("a");
        assertThat(MemberPath.parse("$['a.b']").orElseThrow().parent()).isEmpty();
    }

    @Test
    void anythingButMemberNamesIsNotAMemberPath() {
        for (String path : List.of("$", "title", "$.", "$..a", "$.*", "$.a.*", "$[0]", "$.a[1]", "$.a[*].b",
                "$[?(@.x>1)]", "$['a','b']", "$[0:2]", "$['unclosed", "$['a'", "$.a b")) {
            assertThat(MemberPath.parse(path)).as(path).isEmpty();
        }
    }

    /** A renamed field's new path: dot notation where it can stand, brackets otherwise, and it parses back. */
    @Test
    void rootMemberPathsReadBackAsTheirName() {
        assertThat(MemberPath.ofRootMember("title")).isEqualTo("$.title");
        assertThat(MemberPath.ofRootMember("título")).isEqualTo("$.título");
        assertThat(MemberPath.ofRootMember("a b")).isEqualTo("$['a b']");
        assertThat(MemberPath.ofRootMember("a.b")).isEqualTo("$['a.b']");
        assertThat(MemberPath.ofRootMember("it's")).isEqualTo("$['it\\'s']");
        for (String name : List.of("title", "a b", "a.b", "it's", "back\\slash", "x[0]", "*", "")) {
            assertThat(MemberPath.parse(MemberPath.ofRootMember(name))).as(name)
                    .hasValueSatisfying(p -> assertThat(p.members()).containsExactly(name));
        }
    }
}
