package dev.slipway.api.schema;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaPatchTest {

    /** A caller's lists changed after planning changed the plan's requested patch (tester session 40 R30 F4). */
    @Test
    void indexChangesKeepCopiesOfTheCallersListsAndSet() {
        List<String> prefixes = new ArrayList<>(List.of("a:"));
        List<String> stopwords = new ArrayList<>(List.of("foo", "bar"));
        Set<IndexOption> options = new LinkedHashSet<>(List.of(IndexOption.NOOFFSETS));
        SchemaPatch.IndexChanges changes = new SchemaPatch.IndexChanges(Optional.empty(), Optional.of(prefixes),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(stopwords),
                Optional.of(options), Optional.empty());
        SchemaPatch.IndexChanges before = new SchemaPatch.IndexChanges(Optional.empty(), Optional.of(List.of("a:")),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(List.of("foo",
                "bar")), Optional.of(Set.of(IndexOption.NOOFFSETS)), Optional.empty());

        prefixes.add("b:");
        stopwords.add("baz");
        options.add(IndexOption.NOHL);

        assertThat(changes).isEqualTo(before).hasSameHashCodeAs(before);
        assertThat(changes.stopwords().orElseThrow()).containsExactly("foo", "bar");
        assertThatThrownBy(() -> changes.prefixes().orElseThrow().add("c:"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> changes.options().orElseThrow().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void absentIndexSettingsAreEmpty() {
        SchemaPatch.IndexChanges changes = new SchemaPatch.IndexChanges(null, null, null, null, null, null, null,
                null, null);

        assertThat(changes).isEqualTo(SchemaPatch.IndexChanges.NONE);
        assertThat(new SchemaPatch(null, null, null, null, null).isEmpty()).isTrue();
    }
}
