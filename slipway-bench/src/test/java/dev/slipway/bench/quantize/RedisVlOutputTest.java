package dev.slipway.bench.quantize;

import dev.slipway.bench.quantize.RedisVlOutput.Phases;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisVlOutputTest {
    // As rvl 0.28.0 prints it, carriage returns already turned into newlines.
    private static final String SINGLE_WORKER = """
            Applying migration to 'idx'...
              [1/8] Enumerate keys: Enumerating indexed documents...
              [1/8] Enumerate keys: found 2,000 documents (0.144s)
              dump: Backing up original vectors...
              dump: 1,500/2,000 docs
              dump: done (0.19s)
              [4/8] Drop index: done (0.01s)
              [6/8] Quantize vectors: 2,000/2,000 docs
              [6/8] Quantize vectors: done (2,000 docs in 0.416s)
              [8/8] Re-indexing: done (0.506s)
            Migration completed in 1.398s (downtime: 0.936s)
            """;
    private static final String TWO_WORKERS = """
              [1/8] Enumerate keys: found 200,000 documents (1.5s)
              [6/8] Quantize vectors: Re-encoding vectors (2 workers)...
              [6/8] Quantize vectors: done (200,000 docs in 41.25s)
            """;

    @Test
    void readsTheRewritePhasesOfOneWorker() {
        Phases phases = RedisVlOutput.phases(SINGLE_WORKER);
        assertThat(phases).isEqualTo(new Phases(0.144, 0.19, 0.416));
        assertThat(phases.rewriteSeconds()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void severalWorkersHaveNoDumpLineOfTheirOwn() {
        Phases phases = RedisVlOutput.phases(TWO_WORKERS);
        assertThat(phases).isEqualTo(new Phases(1.5, null, 41.25));
        assertThat(phases.rewriteSeconds()).isEqualTo(42.75);
    }

    @Test
    void outputWithoutProgressHasNoPhases() {
        assertThat(RedisVlOutput.phases("Error: Error 111 connecting").rewriteSeconds()).isZero();
    }

    @Test
    void readsTheVersion() {
        assertThat(RedisVlOutput.version("\nRedisVL version 0.28.0\n")).contains("0.28.0");
        assertThat(RedisVlOutput.version("usage: rvl")).isEmpty();
    }
}
