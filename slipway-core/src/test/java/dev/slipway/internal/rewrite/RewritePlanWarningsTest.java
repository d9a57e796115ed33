package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.MigrationPlan;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a plan with a rewrite tells the person who reviews it before apply. */
class RewritePlanWarningsTest {

    @Test
    void aRewritePlanAsksToStopWritesAndSaysWhatAConcurrentWriteLoses() {
        MigrationPlan plan = RewritePlans.quantize("float16");

        assertThat(plan.warnings()).anySatisfy(warning -> assertThat(warning)
                .contains("--backup-dir")
                .contains("Stop writes to the documents of 'docs'")
                .contains("is overwritten")
                .contains("the backup holds the value Slipway read"));
    }

    @Test
    void aLossyConversionNeedsTheExplicitFlag() {
        MigrationPlan plan = RewritePlans.quantize("float16");

        assertThat(plan.warnings()).anySatisfy(warning -> assertThat(warning)
                .startsWith("Lossy: 'emb' float32 -> float16 loses precision")
                .contains("--accept-data-loss"));
    }
}
