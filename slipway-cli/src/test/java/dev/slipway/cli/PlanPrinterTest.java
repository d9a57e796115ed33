package dev.slipway.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands the plan output suggests can be pasted into a shell as they are. */
class PlanPrinterTest {
    @Test
    void aWordTheShellWouldReadIsQuoted() {
        assertThat(PlanPrinter.shellWord("/tmp/plans/p-1.yaml")).isEqualTo("/tmp/plans/p-1.yaml");
        assertThat(PlanPrinter.shellWord("team1:")).isEqualTo("team1:");
        assertThat(PlanPrinter.shellWord("my plan.yaml")).isEqualTo("'my plan.yaml'");
        assertThat(PlanPrinter.shellWord("x;rm")).isEqualTo("'x;rm'");
        assertThat(PlanPrinter.shellWord("it's")).isEqualTo("'it'\\''s'");
        assertThat(PlanPrinter.shellWord("$HOME")).isEqualTo("'$HOME'");
    }
}
