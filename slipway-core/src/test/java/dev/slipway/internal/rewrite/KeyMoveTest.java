package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class KeyMoveTest {

    private static RewriteSpec move(String from, String to) {
        return new RewriteSpec(StorageType.HASH, List.of(from), Optional.of(to), List.of(), List.of(), 0, false);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** On text keys the byte rules are the spec's text rules. */
    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({"doc:, item:, doc:1", "doc:, item:, item:1", "doc:, item:, other:1", "doc:, doc:v2:, doc:1",
            "doc:, doc:v2:, doc:v2x", "doc:, doc:v2:, doc:v2:1", "doc:, d:, doc:1", "dóc:, ítem:, dóc:ü",
            "a*, b?, a*1"})
    void agreesWithTheSpecOnTextKeys(String source, String target, String key) {
        RewriteSpec spec = move(source, target);
        KeyMove move = KeyMove.of(spec);

        assertThat(move.needsMove(utf8(key))).isEqualTo(spec.needsMove(key));
        assertThat(move.newKey(utf8(key))).isEqualTo(utf8(spec.newKey(key)));
        assertThat(move.originalKey(utf8(key))).isEqualTo(utf8(spec.originalKey(key)));
    }

    @Test
    void keepsEveryByteOfAKeyThatIsNotUtf8() {
        KeyMove move = KeyMove.of(move("doc:", "item:"));
        byte[] key = {'d', 'o', 'c', ':', (byte) 0xff, (byte) 0xfe, 0, 'b'};
        byte[] other = {'d', 'o', 'c', ':', (byte) 0xfe, (byte) 0xff, 0, 'b'};

        byte[] moved = move.newKey(key);

        assertThat(moved).isEqualTo(new byte[]{'i', 't', 'e', 'm', ':', (byte) 0xff, (byte) 0xfe, 0, 'b'});
        assertThat(move.newKey(other)).isNotEqualTo(moved); // decoded as text, both would become item:\uFFFD\uFFFD
        assertThat(move.needsMove(moved)).isFalse();
        assertThat(move.originalKey(moved)).isEqualTo(key);
    }

    @Test
    void movesNothingWithoutAPrefixChangeOrWithSeveralPrefixes() {
        KeyMove none = KeyMove.of(new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.empty(), List.of(),
                List.of(), 0, false));
        KeyMove several = KeyMove.of(new RewriteSpec(StorageType.HASH, List.of("a:", "b:"), Optional.of("c:"),
                List.of(), List.of(), 0, false));
        byte[] key = utf8("a:1");

        assertThat(none.needsMove(key)).isFalse();
        assertThat(none.newKey(key)).isSameAs(key);
        assertThat(none.originalKey(key)).isSameAs(key);
        assertThat(several.needsMove(key)).isFalse();
        assertThat(several.newKey(key)).isSameAs(key);
    }
}
