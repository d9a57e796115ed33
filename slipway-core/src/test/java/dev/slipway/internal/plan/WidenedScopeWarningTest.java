package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The plan's warning of documents the new index reads that the live one never read (tester session 42 R33 F14). */
class WidenedScopeWarningTest {
    private static IndexSchema schema(List<String> prefixes, String filter) {
        return IndexSchema.builder("items", StorageType.HASH).prefixes(prefixes).filter(filter)
                .field(new FieldSchema("price", "price", FieldType.NUMERIC, Map.of())).build();
    }

    @Test
    void aFilterRemovedSaysTheDocumentsItLeftOutWereNeverChecked() {
        assertThat(PlanWarnings.widenedScopeWarning(schema(List.of("item:"), "@kind=='a'"),
                schema(List.of("item:"), null), MigrationMode.DROP_RECREATE)).hasValue("The new index reads documents "
                + "the live one never read (those today's FILTER leaves out): their values were never checked against "
                + "this schema. If it fails on some of them, the indexing failures grow and validation fails after "
                + "the old index is dropped: the new one then serves the documents it could read, and apply exits 1. "
                + "Check those documents first, or give the new index a FILTER that leaves them out.");
    }

    @Test
    void prefixesAddedAndAFilterChangedAreNamedWithWhatAZeroDowntimeApplyDoes() {
        assertThat(PlanWarnings.widenedScopeWarning(schema(List.of("item:"), "@kind=='a'"),
                schema(List.of("item:", "doc:", "item:old:"), "@kind!='b'"), MigrationMode.ZERO_DOWNTIME))
                .hasValueSatisfying(w -> assertThat(w).contains("(those today's FILTER leaves out that the new one "
                        + "admits, if any, and those under 'doc:')", "apply refuses the switch before anything "
                        + "served changes").doesNotContain("item:old:"));
    }

    @Test
    void aNarrowerScopeAKeyMoveOrAnIndexOfEveryKeyIsNotWarnedOf() {
        assertThat(PlanWarnings.widenedScopeWarning(schema(List.of("item:"), null),
                schema(List.of("item:"), "@kind=='a'"), MigrationMode.ZERO_DOWNTIME)).as("a FILTER added").isEmpty();
        assertThat(PlanWarnings.widenedScopeWarning(schema(List.of("item:", "doc:"), null),
                schema(List.of("item:"), null), MigrationMode.ZERO_DOWNTIME)).as("a prefix removed").isEmpty();
        assertThat(PlanWarnings.widenedScopeWarning(schema(List.of("doc:"), null),
                schema(List.of("item:"), null), MigrationMode.DROP_RECREATE)).as("keys moved").isEmpty();
        assertThat(PlanWarnings.widenedScopeWarning(schema(List.of(), null),
                schema(List.of("item:"), null), MigrationMode.DROP_RECREATE)).as("every key before").isEmpty();
        assertThat(PlanWarnings.widenedScopeWarning(schema(List.of("item:"), "@kind=='a'"),
                schema(List.of("item:"), "@kind=='a'"), MigrationMode.DROP_RECREATE)).as("same").isEmpty();
    }
}
