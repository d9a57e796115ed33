package dev.slipway.internal.plan;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A patch's index.options replaces the flags: the ones it leaves out are named (tester session 54 R48 T2 F7). */
class DroppedFlagsWarningTest {
    private static IndexSchema withOptions(IndexOption... options) {
        return IndexSchema.builder("idx", StorageType.HASH).prefixes(List.of("i:"))
                .options(options.length == 0 ? EnumSet.noneOf(IndexOption.class) : EnumSet.of(options[0], options))
                .field(new FieldSchema("t", null, FieldType.TEXT, Map.of())).build();
    }

    @Test
    void flagsTheTargetLeavesOutAreNamed() {
        IndexSchema source = withOptions(IndexOption.MAXTEXTFIELDS, IndexOption.NOFREQS);

        assertThat(PlanWarnings.droppedFlagsWarning(source, withOptions(IndexOption.NOOFFSETS))).hasValue(
                "The new index drops the index flags MAXTEXTFIELDS, NOFREQS that 'idx' has: index.options in a patch "
                        + "lists every flag the new index gets, so name them there too to keep them.");
        assertThat(PlanWarnings.droppedFlagsWarning(source, withOptions(IndexOption.MAXTEXTFIELDS,
                IndexOption.NOFREQS, IndexOption.NOOFFSETS))).isEmpty();
        assertThat(PlanWarnings.droppedFlagsWarning(withOptions(), withOptions(IndexOption.NOFREQS))).isEmpty();
    }
}
