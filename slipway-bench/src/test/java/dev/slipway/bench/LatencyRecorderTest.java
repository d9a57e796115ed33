package dev.slipway.bench;

import dev.slipway.bench.LatencyRecorder.LatencySummary;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyRecorderTest {

    @Test
    void nearestRankPercentilesAcrossThreadsInMilliseconds() {
        LatencyRecorder a = new LatencyRecorder(100);
        LatencyRecorder b = new LatencyRecorder(100);
        for (int i = 1; i <= 100; i++) {
            (i % 2 == 0 ? a : b).record(i * 1_000_000L);
        }
        LatencySummary summary = LatencyRecorder.summarize(List.of(a, b));
        assertThat(summary).isEqualTo(new LatencySummary(100, 50.0, 99.0, 100.0));
    }

    @Test
    void keepsAtMostItsCapacityAndCountsTheRest() {
        LatencyRecorder r = new LatencyRecorder(2);
        r.record(1_500);
        r.record(2_500);
        r.record(9_000_000);
        assertThat(r.dropped()).isEqualTo(1);
        assertThat(LatencyRecorder.summarize(List.of(r))).isEqualTo(new LatencySummary(2, 0.002, 0.003, 0.003));
    }

    @Test
    void noSamplesGiveZeros() {
        assertThat(LatencyRecorder.summarize(List.of(new LatencyRecorder(4))))
                .isEqualTo(new LatencySummary(0, 0, 0, 0));
    }
}
