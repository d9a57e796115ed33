package dev.slipway.bench.quantize;

import dev.slipway.bench.quantize.QuantizeReport.CeilingFigures;
import dev.slipway.bench.quantize.QuantizeReport.CeilingRun;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CeilingFiguresTest {

    private static CeilingFigures round(double sequential, double overlapped) {
        return CeilingFigures.of(List.of(run("sequential", sequential), run("overlapped", overlapped)), 2, 500);
    }

    private static CeilingRun run(String mode, double docsPerSecond) {
        return new CeilingRun(mode, docsPerSecond, 1e5 / docsPerSecond, 100_000, 0, 1.0, CpuMeter.CpuFigures.NONE);
    }

    @Test
    void aRoundOnItsOwnTakesItsFasterRun() {
        CeilingFigures figures = round(90_000, 100_000);
        assertThat(figures.mode()).isEqualTo("overlapped");
        assertThat(figures.docsPerSecond()).isEqualTo(100_000);
    }

    @Test
    void theJudgedModeIsTheOneWithTheHigherMedianNotTheLuckierRunOfEachRound() {
        // overlapped is faster in two rounds of three; sequential's one lucky round does not make it the ceiling
        List<CeilingFigures> rounds = List.of(round(90_000, 100_000), round(112_000, 98_000),
                round(91_000, 99_000));
        assertThat(CeilingFigures.fasterModeByMedian(rounds)).isEqualTo("overlapped");
        CeilingFigures second = rounds.get(1).inMode("overlapped");
        assertThat(second.docsPerSecond()).isEqualTo(98_000);
        assertThat(second.mode()).isEqualTo("overlapped");
        assertThat(second.seconds()).isEqualTo(1e5 / 98_000);
        assertThat(second.runs()).isEqualTo(rounds.get(1).runs());
        assertThat(second.docsPerSecondByMode()).containsEntry("sequential", 112_000.0)
                .containsEntry("overlapped", 98_000.0);
    }

    @Test
    void sequentialWinsWhenItsMedianIsHigher() {
        List<CeilingFigures> rounds = List.of(round(100_000, 90_000), round(95_000, 99_000),
                round(101_000, 92_000));
        assertThat(CeilingFigures.fasterModeByMedian(rounds)).isEqualTo("sequential");
    }

    @Test
    void ofAnEvenNumberOfRoundsTheLowerMiddleCounts() {
        // sequential: 80k, 120k -> 80k; overlapped: 95k, 96k -> 95k
        List<CeilingFigures> rounds = List.of(round(80_000, 95_000), round(120_000, 96_000));
        assertThat(CeilingFigures.fasterModeByMedian(rounds)).isEqualTo("overlapped");
    }

    @Test
    void theWatchedAndEssentialMovesAreNeverTheCeiling() {
        // faster than both raw modes in every round (not what happens, but it must not matter if it did)
        List<CeilingFigures> rounds = List.of(
                CeilingFigures.of(List.of(run("sequential", 90_000), run("overlapped", 100_000),
                        run("watched", 130_000), run("essential", 140_000)), 2, 500),
                CeilingFigures.of(List.of(run("sequential", 95_000), run("overlapped", 99_000),
                        run("watched", 120_000), run("essential", 125_000)), 2, 500));
        assertThat(rounds.get(0).mode()).isEqualTo("overlapped");
        assertThat(rounds.get(0).docsPerSecond()).isEqualTo(100_000);
        assertThat(rounds.get(0).docsPerSecondOf(RawCeiling.Mode.WATCHED)).contains(130_000.0);
        assertThat(rounds.get(0).docsPerSecondOf(RawCeiling.Mode.ESSENTIAL)).contains(140_000.0);
        assertThat(CeilingFigures.fasterModeByMedian(rounds)).isEqualTo("overlapped");
        assertThat(round(90_000, 100_000).docsPerSecondOf(RawCeiling.Mode.WATCHED)).isEmpty();
        assertThat(round(90_000, 100_000).docsPerSecondOf(RawCeiling.Mode.ESSENTIAL)).isEmpty();
    }

    @Test
    void warmUpRoundsRunOnlyTheRawModesAndTheWatchFollowsTheMigrator() {
        assertThat(java.util.Arrays.stream(RawCeiling.Mode.values()).filter(m -> m.runs(false, true)))
                .containsExactly(RawCeiling.Mode.SEQUENTIAL, RawCeiling.Mode.OVERLAPPED);
        assertThat(java.util.Arrays.stream(RawCeiling.Mode.values()).filter(m -> m.runs(true, true)))
                .containsExactly(RawCeiling.Mode.values());
        assertThat(java.util.Arrays.stream(RawCeiling.Mode.values()).filter(m -> m.runs(true, false)))
                .containsExactly(RawCeiling.Mode.SEQUENTIAL, RawCeiling.Mode.OVERLAPPED, RawCeiling.Mode.ESSENTIAL);
        assertThat(RawCeiling.Mode.ESSENTIAL.watched(true)).isTrue();
        assertThat(RawCeiling.Mode.ESSENTIAL.watched(false)).isFalse();
        assertThat(RawCeiling.Mode.WATCHED.watched(false)).isTrue();
        assertThat(RawCeiling.Mode.OVERLAPPED.watched(true)).isFalse();
        assertThat(RawCeiling.Mode.of("essential")).isEqualTo(RawCeiling.Mode.ESSENTIAL);
    }

    @Test
    void aModeWithoutARunIsRefused() {
        CeilingFigures only = CeilingFigures.of(List.of(run("sequential", 1)), 2, 500);
        assertThatThrownBy(() -> only.inMode("overlapped")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CeilingFigures.fasterModeByMedian(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
