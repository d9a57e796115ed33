package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RewriteSpecTest {

    private static RewriteSpec move(String from, String to) {
        return new RewriteSpec(StorageType.HASH, List.of(from), Optional.of(to), List.of(), List.of(), 0, false);
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
            // source, target, key, needs move, new key, original key of the new key
            "doc:, item:, doc:1, true, item:1, doc:1",
            "doc:, item:, doc:, true, item:, doc:",
            "doc:, item:, item:1, false, item:1, doc:1",
            "doc:, item:, other:1, false, other:1, other:1",
            "doc:, doc:v2:, doc:1, true, doc:v2:1, doc:1",
            "doc:, doc:v2:, doc:v2x, true, doc:v2:v2x, doc:v2x",
            "doc:, doc:v2:, doc:v2:1, false, doc:v2:1, doc:1",
            "doc:, d:, doc:1, true, d:1, doc:1",
            "a*, b?, a*1, true, b?1, a*1"})
    void keysMoveOnceAndMapBack(String source, String target, String key, boolean needsMove, String newKey,
                                String original) {
        RewriteSpec spec = move(source, target);

        assertThat(spec.needsMove(key)).isEqualTo(needsMove);
        assertThat(spec.newKey(key)).isEqualTo(newKey);
        // moving is idempotent: a moved key does not move again
        assertThat(spec.needsMove(spec.newKey(key))).isFalse();
        assertThat(spec.newKey(spec.newKey(key))).isEqualTo(newKey);
        assertThat(spec.originalKey(newKey)).isEqualTo(original);
    }

    @Test
    void withoutAPrefixChangeKeysStay() {
        RewriteSpec spec = new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.empty(), List.of(),
                List.of(), 0, false);

        assertThat(spec.needsMove("doc:1")).isFalse();
        assertThat(spec.newKey("doc:1")).isEqualTo("doc:1");
        assertThat(spec.originalKey("doc:1")).isEqualTo("doc:1");
    }

    @Test
    void severalSourcePrefixesNeverMove() {
        RewriteSpec spec = new RewriteSpec(StorageType.HASH, List.of("a:", "b:"), Optional.of("c:"), List.of(),
                List.of(), 0, false);

        assertThat(spec.needsMove("a:1")).isFalse();
        assertThat(spec.newKey("a:1")).isEqualTo("a:1");
    }

    @Test
    void aNullTargetPrefixMeansNone() {
        RewriteSpec spec = new RewriteSpec(StorageType.JSON, List.of("doc:"), null, List.of(), List.of(), 0, false);

        assertThat(spec.targetPrefix()).isEmpty();
        assertThat(spec.newKey("doc:1")).isEqualTo("doc:1");
    }

    /** A new prefix shorter than the old one ("doc:v2:" back to "doc:"): moved keys still map back. */
    @Test
    void aShorterNewPrefixMovesAndMapsBack() {
        RewriteSpec spec = move("doc:v2:", "doc:");

        assertThat(spec.needsMove("doc:v2:1")).isTrue();
        assertThat(spec.newKey("doc:v2:1")).isEqualTo("doc:1");
        assertThat(spec.needsMove("doc:1")).isFalse();
        assertThat(spec.originalKey("doc:1")).isEqualTo("doc:v2:1");
    }
}
