package dev.slipway.internal.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class YamlNodeTest {

    private static final String DOC = """
            # comment
            index:
              name: products
              flags: [a, b]
              nothing: ~
            fields:
              - name: t
                weight: 2.5
              - name: n
                count: 1_000
                on: yes
                off: Off
                quoted: "true"
            """;

    @Test
    void everyNodeKnowsItsLine() {
        YamlNode root = YamlNode.parse(DOC, "f.yaml");
        YamlNode index = root.get("index").orElseThrow();

        assertThat(root.line()).isEqualTo(2);
        assertThat(index.get("name").orElseThrow().where()).isEqualTo("f.yaml line 3");
        assertThat(index.get("flags").orElseThrow().items().get(1).line()).isEqualTo(4);
        List<YamlNode> fields = root.get("fields").orElseThrow().items();
        assertThat(fields).hasSize(2);
        assertThat(fields.get(1).line()).isEqualTo(9);
        assertThat(fields.get(1).get("quoted").orElseThrow().line()).isEqualTo(13);
        assertThat(fields.get(1).source()).isEqualTo("f.yaml");
    }

    @Test
    void scalarsResolveToJavaValuesByTheirYamlTag() {
        YamlNode root = YamlNode.parse(DOC, "f.yaml");
        YamlNode second = root.get("fields").orElseThrow().items().get(1);

        assertThat(root.get("fields").orElseThrow().items().get(0).get("weight").orElseThrow().value())
                .isEqualTo(2.5);
        assertThat(second.get("count").orElseThrow().value()).isEqualTo(1000L);
        assertThat(second.get("on").orElseThrow().value()).isEqualTo(true);
        assertThat(second.get("off").orElseThrow().value()).isEqualTo(false);
        assertThat(second.get("quoted").orElseThrow().value()).as("a quoted scalar stays text").isEqualTo("true");
        assertThat(second.get("name").orElseThrow().value()).isEqualTo("n");
        assertThat(second.get("count").orElseThrow().text()).isEqualTo("1_000");
    }

    @Test
    void nullValuesLookAbsent() {
        YamlNode index = YamlNode.parse(DOC, "f.yaml").get("index").orElseThrow();

        assertThat(index.get("nothing")).isEmpty();
        assertThat(index.get("missing")).isEmpty();
        assertThat(index.entries()).containsOnlyKeys("name", "flags", "nothing");
        assertThat(index.entries().get("nothing").isNull()).isTrue();
        assertThat(index.entries().get("nothing").value()).isNull();
    }

    @Test
    void shapesAreTold() {
        YamlNode root = YamlNode.parse(DOC, "f.yaml");
        YamlNode flags = root.get("index").orElseThrow().get("flags").orElseThrow();

        assertThat(root.isMap()).isTrue();
        assertThat(flags.isList()).isTrue();
        assertThat(flags.isMap()).isFalse();
        assertThat(flags.text()).isNull();
        assertThat(flags.value()).isNull();
        assertThat(flags.entries()).isEmpty();
        assertThat(root.items()).isEmpty();
        assertThat(flags.items().get(0).isScalar()).isTrue();
    }

    @Test
    void jsonIsYaml() {
        YamlNode root = YamlNode.parse("{\"a\": [1, 2.0, true, null, \"x\"],\n \"b\": {\"c\": \"d\"}}", "f.json");

        assertThat(root.get("a").orElseThrow().items()).extracting(YamlNode::value)
                .containsExactly(1L, 2.0, true, null, "x");
        assertThat(root.get("b").orElseThrow().get("c").orElseThrow().line()).isEqualTo(2);
    }

    @Test
    void syntaxErrorsNameTheFileAndLine() {
        assertThatThrownBy(() -> YamlNode.parse("a: 1\nb:\n  - x\n  y: z\n", "bad.yaml"))
                .isInstanceOf(YamlSyntaxException.class).hasMessageStartingWith("bad.yaml line 4: ");
        assertThatThrownBy(() -> YamlNode.parse("a: [1, 2\n", "bad.yaml"))
                .isInstanceOf(YamlSyntaxException.class).hasMessageStartingWith("bad.yaml line ");
        assertThatThrownBy(() -> YamlNode.parse("", "empty.yaml"))
                .isInstanceOf(YamlSyntaxException.class).hasMessage("empty.yaml: the file is empty");
        assertThatThrownBy(() -> YamlNode.parse("# only a comment\n", "c.yaml"))
                .isInstanceOf(YamlSyntaxException.class).hasMessage("c.yaml: the file is empty");
    }

    @Test
    void duplicateKeysAreSyntaxErrors() {
        assertThatThrownBy(() -> YamlNode.parse("index:\n  name: a\n  name: b\n", "dup.yaml"))
                .isInstanceOf(YamlSyntaxException.class).hasMessageContaining("dup.yaml line 3");
    }
}
