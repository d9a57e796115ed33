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
        assertThat(MemberPath.parse("$[\"it's\"]").orElseThrow().members()).containsExactly("it's");
        assertThat(MemberPath.parse("$['título']").orElseThrow().members()).containsExactly("título");
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

    /**
     * A renamed field's new path: dot notation for plain ASCII names, brackets otherwise, and no path at all for a
     * name RedisJSON would not read back (tester session 22: '$.café' and '$.a=b' are refused by JSON.SET, and
     * "$['it\\'s']" creates a member named it\\'s).
     */
    @Test
    void rootMemberPathsReadBackAsTheirName() {
        assertThat(MemberPath.ofRootMember("title")).hasValue("$.title");
        assertThat(MemberPath.ofRootMember("a-b_1")).hasValue("$.a-b_1");
        assertThat(MemberPath.ofRootMember("título")).hasValue("$['título']");
        assertThat(MemberPath.ofRootMember("a=b")).hasValue("$['a=b']");
        assertThat(MemberPath.ofRootMember("a b")).hasValue("$['a b']");
        assertThat(MemberPath.ofRootMember("a.b")).hasValue("$['a.b']");
        assertThat(MemberPath.ofRootMember("it's")).hasValue("$[\"it's\"]");
        assertThat(MemberPath.ofRootMember("back\\slash")).isEmpty();
        assertThat(MemberPath.ofRootMember("both'\"")).isEmpty();
        for (String name : List.of("title", "a b", "a.b", "it's", "say \"hi\"", "café", "x[0]", "*", "a=b!", "")) {
            assertThat(MemberPath.parse(MemberPath.ofRootMember(name).orElseThrow())).as(name)
                    .hasValueSatisfying(p -> assertThat(p.members()).containsExactly(name));
        }
    }

    /** Dot notation takes only what RedisJSON takes there; a quoted name with a backslash is not read alike. */
    @Test
    void namesRedisJsonRefusesOrReadsOtherwiseAreNotMemberPaths() {
        for (String path : List.of("$.café", "$.a=b", "$.a!b", "$.a@b", "$.a?b", "$.a{b", "$.a|b", "$.a&b",
                "$.a<b", "$.a;b", "$['it\\'s']", "$['back\\\\slash']")) {
            assertThat(MemberPath.parse(path)).as(path).isEmpty();
        }
    }
}
