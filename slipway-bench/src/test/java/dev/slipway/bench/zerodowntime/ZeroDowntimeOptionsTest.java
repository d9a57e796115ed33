package dev.slipway.bench.zerodowntime;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.bench.BenchUsageException;
import dev.slipway.bench.zerodowntime.ProductCorpus.VectorAlgorithm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZeroDowntimeOptionsTest {

    @Test
    void defaults() {
        ZeroDowntimeOptions options = ZeroDowntimeOptions.parse("zero-downtime", List.of());
        assertThat(options).isEqualTo(new ZeroDowntimeOptions(100_000, 2, 200, 500, 42,
                List.of(MigrationMode.DROP_RECREATE, MigrationMode.ZERO_DOWNTIME), VectorAlgorithm.FLAT, 300));
        assertThat(options.maxWrites()).isEqualTo(150_000);
        assertThat(options.maxQueriesPerThread()).isEqualTo(60_000);
    }

    @Test
    void everyOption() {
        ZeroDowntimeOptions options = ZeroDowntimeOptions.parse("zero-downtime", List.of("--docs", "3000",
                "--query-threads", "4", "--query-rate", "0", "--write-rate", "100", "--seed", "7",
                "--mode-order", "zero-downtime, drop-recreate", "--vector-algorithm", "hnsw", "--max-seconds", "60"));
        assertThat(options).isEqualTo(new ZeroDowntimeOptions(3000, 4, 0, 100, 7,
                List.of(MigrationMode.ZERO_DOWNTIME, MigrationMode.DROP_RECREATE), VectorAlgorithm.HNSW, 60));
        assertThat(options.maxQueriesPerThread()).as("unthrottled clients are bounded by count").isEqualTo(2_000_000);
    }

    @Test
    void oneStrategyAloneIsAllowedButNotTwiceTheSame() {
        assertThat(ZeroDowntimeOptions.parse("zero-downtime", List.of("--mode-order", "zero-downtime")).modeOrder())
                .containsExactly(MigrationMode.ZERO_DOWNTIME);
        assertThatThrownBy(() -> ZeroDowntimeOptions.parse("zero-downtime",
                List.of("--mode-order", "drop-recreate,drop-recreate", "--vector-algorithm", "ivf")))
                .isInstanceOfSatisfying(BenchUsageException.class, e -> assertThat(e.problems()).contains(
                        "--mode-order names drop-recreate twice", "--vector-algorithm 'ivf' is not HNSW or FLAT"));
    }
}
