package dev.slipway.bench.quantize;

import dev.slipway.bench.quantize.QuantizeReport.CeilingFigures;
import dev.slipway.bench.quantize.QuantizeReport.HeapGrowth;
import dev.slipway.bench.quantize.QuantizeReport.RedisVlFigures;
import dev.slipway.bench.quantize.QuantizeReport.RedisVlRun;
import dev.slipway.bench.quantize.QuantizeReport.Round;
import dev.slipway.bench.quantize.QuantizeReport.SizeResult;
import dev.slipway.bench.quantize.QuantizeReport.SlipwayFigures;
import dev.slipway.bench.quantize.VectorAudit.Audit;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class QuantizeTargetsTest {
    private static final Audit PASSED = new Audit(true, 200, 0, 0, 1000, 0, "FLOAT16", List.of());

    /** {@code retainedMb} is the heap after collections, which the target judges; the raw peak is far above it. */
    private static SlipwayFigures slipway(double docsPerSecond, double applySeconds, double retainedMb,
                                          boolean correct) {
        return new SlipwayFigures(correct ? "SUCCEEDED" : "FAILED", null, docsPerSecond, 1, applySeconds, 1, 10,
                retainedMb + 100, retainedMb, 512, 3, 0.01, 40, 3, Map.of(), "", 1.0, CpuMeter.CpuFigures.NONE,
                correct, PASSED);
    }

    private static RedisVlFigures redisVl(double docsPerSecond, double applySeconds) {
        RedisVlRun run = new RedisVlRun(1, "succeeded", null, docsPerSecond, 1, 0.1, 0.4, 0.5, applySeconds, 1, 2, 1,
                Map.of(), 1.0, true, PASSED);
        return RedisVlFigures.of("0.28.0", List.of(run));
    }

    private static CeilingFigures ceiling(int documents, double docsPerSecond) {
        return CeilingFigures.of(List.of(new QuantizeReport.CeilingRun("sequential", docsPerSecond, 1, documents, 0,
                1.0, CpuMeter.CpuFigures.NONE)), 2, 500);
    }

    private static SizeResult size(int documents, SlipwayFigures slipway, double ceiling, RedisVlFigures redisvl) {
        return size(documents, List.of(Round.of(slipway, ceiling(documents, ceiling))), redisvl);
    }

    private static SizeResult size(int documents, List<Round> rounds, RedisVlFigures redisvl) {
        Round median = Round.median(rounds);
        SlipwayFigures slipway = median.slipway();
        return new SizeResult(documents, slipway, median.ceiling(), median.slipwayVsCeiling(),
                Round.medianVsWatchedCeiling(rounds), Round.medianVsEssentialWork(rounds), rounds, redisvl,
                redisvl.docsPerSecond() == null ? null
                        : QuantizeTargets.ratio(slipway.docsPerSecond(), redisvl.docsPerSecond()).orElse(null),
                redisvl.applySeconds() == null ? null
                        : QuantizeTargets.ratio(redisvl.applySeconds(), slipway.applySeconds()).orElse(null));
    }

    @Test
    void allTargetsMet() {
        List<SizeResult> sizes = List.of(size(1000, slipway(9000, 2, 100, true), 10_000, redisVl(3000, 6)),
                size(4000, slipway(9500, 6, 200, true), 10_000, RedisVlFigures.unavailable("not installed")));
        Optional<HeapGrowth> heap = QuantizeTargets.heapGrowth(sizes);
        assertThat(heap).contains(new HeapGrowth(1000, 100, 4000, 200, 214, true));
        assertThat(QuantizeTargets.problems(sizes, heap)).isEmpty();
    }

    @Test
    void everyMissedTargetIsNamed() {
        List<SizeResult> sizes = List.of(size(1000, slipway(7000, 2, 100, false), 10_000, redisVl(8000, 1.5)),
                size(4000, slipway(9000, 6, 215, true), 10_000, redisVl(3000, 7)));
        Optional<HeapGrowth> heap = QuantizeTargets.heapGrowth(sizes);
        assertThat(QuantizeTargets.problems(sizes, heap)).containsExactly(
                "Slipway at 1,000 documents: FAILED; audit: []",
                "Slipway at 1,000 documents rewrote 7,000 docs/s, 70% of the raw ceiling's 10,000 docs/s "
                        + "(target: at least 80%; the median of 1 round: [70%])",
                "Slipway at 1,000 documents rewrote 7,000 docs/s, not faster than RedisVL's 8,000 docs/s "
                        + "(--workers 1)",
                "Slipway at 1,000 documents applied in 2.0 s, not faster than RedisVL's 1.5 s (--workers 1)",
                "Slipway's retained heap grew from 100.0 MB at 1,000 documents to 215.0 MB at 4,000 documents, above "
                        + "the limit of 214.0 MB (1.5 x + 64 MB)");
    }

    @Test
    void oneSizeHasNoHeapTargetAndAnUnmeasuredRatioIsAMiss() {
        List<SizeResult> sizes = List.of(size(1000, slipway(0, 2, 100, true), 10_000,
                RedisVlFigures.unavailable("skipped")));
        assertThat(QuantizeTargets.heapGrowth(sizes)).isEmpty();
        assertThat(QuantizeTargets.problems(sizes, Optional.empty())).containsExactly(
                "Slipway at 1,000 documents rewrote 0 docs/s, an unknown share of the raw ceiling's 10,000 docs/s "
                        + "(target: at least 80%; the median of 1 round: [?])");
    }

    @Test
    void theMedianRoundIsJudgedButEveryRoundMustBeCorrectAndHeapIsTheWorstRound() {
        RedisVlFigures none = RedisVlFigures.unavailable("skipped");
        List<Round> rounds = List.of(Round.of(slipway(7000, 2, 50, true), ceiling(1000, 10_000)),
                Round.of(slipway(9000, 2, 40, true), ceiling(1000, 10_000)),
                Round.of(slipway(8500, 2, 45, true), ceiling(1000, 10_000)));
        SizeResult small = size(1000, rounds, none);
        assertThat(small.slipwayVsCeiling()).isEqualTo(0.85);
        assertThat(small.slipway().docsPerSecond()).isEqualTo(8500);
        assertThat(QuantizeTargets.retainedMb(small)).isEqualTo(50);
        assertThat(QuantizeTargets.problems(List.of(small), Optional.empty())).isEmpty();

        List<Round> oneWrong = List.of(rounds.get(0), rounds.get(1),
                Round.of(slipway(9500, 2, 45, false), ceiling(1000, 10_000)));
        SizeResult large = size(4000, oneWrong, none);
        assertThat(large.slipway().correct()).as("the median round was correct").isTrue();
        assertThat(QuantizeTargets.problems(List.of(large), Optional.empty()))
                .containsExactly("Slipway at 4,000 documents: FAILED; audit: []");

        List<Round> twoRounds = List.of(rounds.get(0), rounds.get(1));
        assertThat(Round.median(twoRounds).slipwayVsCeiling()).as("the lower middle of an even count")
                .isEqualTo(0.7);
    }

    @Test
    void theShareOfTheWatchedMovesIsReportedBesideTheRawTargetWithoutChangingIt() {
        RedisVlFigures none = RedisVlFigures.unavailable("skipped");
        List<Round> rounds = List.of(
                Round.of(slipway(7000, 2, 50, true), watchedCeiling(10_000, 8000)),
                Round.of(slipway(7400, 2, 50, true), watchedCeiling(10_000, 8000)),
                Round.of(slipway(7600, 2, 50, true), watchedCeiling(10_000, 8500)));
        assertThat(rounds.get(0).slipwayVsWatchedCeiling()).isEqualTo(0.875);
        SizeResult size = size(1000, rounds, none);
        assertThat(size.slipwayVsCeiling()).isEqualTo(0.74);
        assertThat(size.slipwayVsWatchedCeiling()).as("the median of 0.875, 0.925, 0.894").isEqualTo(0.894);
        assertThat(QuantizeTargets.problems(List.of(size), Optional.empty())).containsExactly(
                "Slipway at 1,000 documents rewrote 7,400 docs/s, 74% of the raw ceiling's 10,000 docs/s (target: at "
                        + "least 80%; the median of 3 rounds: [70%, 74%, 76%]); 89% of the same moves with the "
                        + "server keeping the write watch's broadcast, as apply has it do");

        SizeResult unwatched = size(1000, slipway(7400, 2, 50, true), 10_000, none);
        assertThat(unwatched.slipwayVsWatchedCeiling()).isNull();
        assertThat(unwatched.rounds().get(0).slipwayVsWatchedCeiling()).isNull();
        assertThat(unwatched.slipwayVsEssentialWork()).isNull();
    }

    @Test
    void theShareOfTheEssentialMovesIsReportedBesideTheOthersWithoutChangingTheTarget() {
        RedisVlFigures none = RedisVlFigures.unavailable("skipped");
        List<Round> rounds = List.of(
                Round.of(slipway(7000, 2, 50, true), essentialCeiling(10_000, 9000, 7000)),
                Round.of(slipway(7400, 2, 50, true), essentialCeiling(10_000, 9000, 8000)),
                Round.of(slipway(7600, 2, 50, true), essentialCeiling(10_000, 9000, 8000)));
        assertThat(rounds.get(0).slipwayVsEssentialWork()).isEqualTo(1.0);
        assertThat(rounds.get(1).slipwayVsEssentialWork()).isEqualTo(0.925);
        SizeResult size = size(1000, rounds, none);
        assertThat(size.slipwayVsCeiling()).as("judged against the raw ceiling as before").isEqualTo(0.74);
        assertThat(size.slipwayVsEssentialWork()).as("the median of 1.0, 0.925, 0.95").isEqualTo(0.95);
        assertThat(QuantizeTargets.problems(List.of(size), Optional.empty())).containsExactly(
                "Slipway at 1,000 documents rewrote 7,400 docs/s, 74% of the raw ceiling's 10,000 docs/s (target: at "
                        + "least 80%; the median of 3 rounds: [70%, 74%, 76%]); 82% of the same moves with the "
                        + "server keeping the write watch's broadcast, as apply has it do; 95% of the essential moves "
                        + "(the same moves plus the backup and the conversion, done plainly on two threads)");
    }

    private static CeilingFigures essentialCeiling(double raw, double watched, double essential) {
        return CeilingFigures.of(List.of(
                new QuantizeReport.CeilingRun("overlapped", raw, 1, 1000, 0, 1.0, CpuMeter.CpuFigures.NONE),
                new QuantizeReport.CeilingRun("watched", watched, 1, 1000, 0, 1.0, CpuMeter.CpuFigures.NONE),
                new QuantizeReport.CeilingRun("essential", essential, 1, 1000, 0, 1.0, CpuMeter.CpuFigures.NONE)),
                2, 500);
    }

    private static CeilingFigures watchedCeiling(double raw, double watched) {
        return CeilingFigures.of(List.of(
                new QuantizeReport.CeilingRun("overlapped", raw, 1, 1000, 0, 1.0, CpuMeter.CpuFigures.NONE),
                new QuantizeReport.CeilingRun("watched", watched, 1, 1000, 0, 1.0, CpuMeter.CpuFigures.NONE)), 2, 500);
    }
}
