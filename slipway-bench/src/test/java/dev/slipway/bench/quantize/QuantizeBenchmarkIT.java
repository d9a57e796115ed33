package dev.slipway.bench.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.bench.BenchMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Runs the whole benchmark, as {@code bash scripts/bench.sh quantize} does, on a small dataset: real throwaway Redis
 * Stack servers, every contender, JSON on standard output. RedisVL runs when {@code scripts/install-redisvl.sh} has
 * installed it in the repository's {@code .venv}; otherwise it must be reported unavailable, with a reason. With
 * {@code SLIPWAY_REQUIRE_RVL=1} (set by {@code scripts/test.sh}, so in CI) it must have run.
 */
class QuantizeBenchmarkIT {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyContenderMigratesTheSameVectorsAndSlipwaysResultIsExact() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // One worker (RedisVL runs with 1 and 2), two rounds of the others: short enough for every build.
        int exitCode = BenchMain.run(List.of("quantize", "--sizes", "2000", "--dims", "64", "--workers", "1",
                        "--warmup", "500", "--warmup-rounds", "2", "--rounds", "2"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        System.err.print(stderr);
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));

        assertThat(json.path("benchmark").asText()).isEqualTo("quantize");
        assertThat(json.path("dims").asInt()).isEqualTo(64);
        assertThat(json.path("machine").path("cores").asInt()).isPositive();
        assertThat(json.path("server").path("redis").asText()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(json.path("sizes")).hasSize(1);
        JsonNode size = json.path("sizes").get(0);
        assertThat(size.path("documents").asInt()).isEqualTo(2000);

        JsonNode slipway = size.path("slipway");
        assertThat(slipway.path("result").asText()).as(stderr).isEqualTo("SUCCEEDED");
        assertThat(slipway.path("correct").asBoolean()).as(slipway.toString()).isTrue();
        assertThat(slipway.path("audit").path("sampled").asInt()).isEqualTo(200);
        assertThat(slipway.path("audit").path("wrong_vectors").asInt()).isZero();
        assertThat(slipway.path("audit").path("indexed_documents").asLong()).isEqualTo(2000);
        assertThat(slipway.path("audit").path("vector_datatype").asText()).isEqualToIgnoringCase("FLOAT16");
        assertThat(slipway.path("docs_per_second").asDouble()).isPositive();
        assertThat(slipway.path("rewrite_seconds").asDouble()).isPositive()
                .isLessThanOrEqualTo(slipway.path("apply_seconds").asDouble());
        assertThat(slipway.path("steps_ms").has(SlipwayRun.REWRITE_STEP)).isTrue();
        assertThat(slipway.path("heap_peak_mb").asDouble()).isGreaterThanOrEqualTo(
                slipway.path("heap_baseline_mb").asDouble()).isPositive();
        assertThat(slipway.path("heap_samples").asLong()).isPositive();
        assertThat(slipway.path("backup_mb").asDouble()).as("the originals were backed up").isPositive();

        JsonNode ceiling = size.path("ceiling");
        assertThat(ceiling.path("runs")).as("both raw modes, the essential moves and, with the write watch on, the "
                + "watched moves").hasSize(4);
        assertThat(ceiling.path("mode").asText()).as("the judged mode is a raw one").isIn("sequential", "overlapped");
        double judged = 0;
        for (JsonNode run : ceiling.path("runs")) {
            assertThat(run.path("mode").asText()).isIn("sequential", "overlapped", "watched", "essential");
            assertThat(run.path("documents").asLong()).isEqualTo(2000);
            assertThat(run.path("bytes_read").asLong()).isEqualTo(2000L * 64 * 4);
            assertThat(run.path("cpu").path("redis_seconds").asDouble()).isPositive();
            assertServerCostPerCall(run.path("cpu"));
            if (run.path("mode").asText().equals(ceiling.path("mode").asText())) {
                judged = run.path("docs_per_second").asDouble();
            }
        }
        assertThat(ceiling.path("docs_per_second").asDouble()).as("the judged mode's run: %s", ceiling).isPositive()
                .isEqualTo(judged);
        assertThat(slipway.path("rewrite_cpu").path("redis_seconds").asDouble()).isPositive();
        assertServerCostPerCall(slipway.path("rewrite_cpu"));

        JsonNode warmup = json.path("warmup");
        assertThat(warmup.path("documents").asInt()).isEqualTo(500);
        assertThat(warmup.path("slipway_correct").asBoolean()).as(warmup.toString()).isTrue();
        assertThat(warmup.path("slipway_docs_per_second").asDouble()).isPositive();
        assertThat(warmup.path("ceiling_docs_per_second").asDouble()).isPositive();
        JsonNode warmupRounds = warmup.path("rounds");
        assertThat(warmupRounds.size()).as(warmup.toString()).isBetween(1, 2);
        assertThat(warmupRounds.get(0).path("slipway_docs_per_second").asDouble())
                .isEqualTo(warmup.path("slipway_docs_per_second").asDouble());
        JsonNode lastWarmup = warmupRounds.get(warmupRounds.size() - 1);
        assertThat(warmup.path("settled").asBoolean()).as("settled is the last round's")
                .isEqualTo(lastWarmup.path("slipway_jit_share").asDouble() < 0.05);
        assertThat(warmupRounds.size() == 2 || warmup.path("settled").asBoolean())
                .as("a second round only when the first had not settled: %s", warmup).isTrue();
        assertThat(lastWarmup.has("slipway_jit_compile_ms")).as(lastWarmup.toString()).isTrue();
        assertThat(slipway.path("rewrite_cpu").path("jit_compile_ms").isIntegralNumber())
                .as(slipway.path("rewrite_cpu").toString()).isTrue();
        if (Files.isReadable(Path.of("/proc/self/schedstat"))) {
            assertThat(slipway.path("rewrite_cpu").path("redis_wait_seconds").isNumber())
                    .as(slipway.path("rewrite_cpu").toString()).isTrue();
            assertThat(slipway.path("rewrite_cpu").path("redis_wait_seconds").asDouble()).isNotNegative();
            assertThat(slipway.path("rewrite_cpu").path("redis_timeslices").asLong()).as("the server ran")
                    .isPositive();
        }
        assertThat(size.path("slipway_vs_ceiling").asDouble()).isPositive();
        assertThat(json.path("settings").path("rounds").asInt()).isEqualTo(2);
        assertThat(size.path("rounds")).hasSize(2);
        List<Double> shares = new java.util.ArrayList<>();
        List<Double> watchedShares = new java.util.ArrayList<>();
        List<Double> essentialShares = new java.util.ArrayList<>();
        for (JsonNode round : size.path("rounds")) {
            assertThat(round.path("slipway_correct").asBoolean()).as(round.toString()).isTrue();
            assertThat(round.path("slipway_docs_per_second").asDouble()).isPositive();
            assertThat(round.path("ceiling_docs_per_second").asDouble()).isPositive();
            assertThat(round.has("slipway")).as("full figures only for the median round").isFalse();
            shares.add(round.path("slipway_vs_ceiling").asDouble());
            assertThat(round.path("ceiling_mode").asText()).as("one judged mode for every round: %s", size)
                    .isEqualTo(size.path("ceiling").path("mode").asText());
            assertThat(round.path("ceiling_docs_per_second").asDouble()).as(round.toString())
                    .isEqualTo(round.path("ceiling_docs_per_second_by_mode").path(round.path("ceiling_mode").asText())
                            .asDouble());
            assertThat(round.path("ceiling_docs_per_second_by_mode").size()).isEqualTo(4);
            double watched = round.path("ceiling_docs_per_second_by_mode").path("watched").asDouble();
            assertThat(round.path("slipway_vs_watched_ceiling").asDouble()).as(round.toString())
                    .isCloseTo(round.path("slipway_docs_per_second").asDouble() / watched, within(0.001));
            watchedShares.add(round.path("slipway_vs_watched_ceiling").asDouble());
            double essential = round.path("ceiling_docs_per_second_by_mode").path("essential").asDouble();
            assertThat(essential).as("the essential moves ran and checked their vectors: %s", round).isPositive();
            assertThat(round.path("slipway_vs_essential_work").asDouble()).as(round.toString())
                    .isCloseTo(round.path("slipway_docs_per_second").asDouble() / essential, within(0.001));
            essentialShares.add(round.path("slipway_vs_essential_work").asDouble());
        }
        assertThat(size.path("slipway_vs_ceiling").asDouble()).as("the lower of two rounds' shares")
                .isEqualTo(Math.min(shares.get(0), shares.get(1)));
        assertThat(size.path("slipway_vs_watched_ceiling").asDouble()).as("likewise, over the watched moves")
                .isEqualTo(Math.min(watchedShares.get(0), watchedShares.get(1)));
        assertThat(size.path("slipway_vs_essential_work").asDouble()).as("and over the essential moves")
                .isEqualTo(Math.min(essentialShares.get(0), essentialShares.get(1)));

        JsonNode redisvl = size.path("redisvl");
        if ("1".equals(System.getenv("SLIPWAY_REQUIRE_RVL"))) {
            assertThat(redisvl.path("available").asBoolean()).as("SLIPWAY_REQUIRE_RVL=1 but RedisVL did not run: %s",
                    redisvl).isTrue();
        }
        if (redisvl.path("available").asBoolean()) {
            assertThat(redisvl.path("version").asText()).isNotBlank();
            // one worker, then max(--workers, 2)
            assertThat(json.path("settings").path("redisvl_workers").toString()).isEqualTo("[1,2]");
            assertThat(redisvl.path("runs")).hasSize(2);
            for (JsonNode run : redisvl.path("runs")) {
                assertThat(run.path("result").asText()).as(run.toString()).isEqualTo("succeeded");
                assertThat(run.path("audit").path("sampled").asInt()).isEqualTo(200);
                assertThat(run.path("correct").asBoolean()).as(run.toString()).isTrue();
            }
            assertThat(redisvl.path("docs_per_second").asDouble()).isPositive();
            assertThat(size.path("slipway_vs_redisvl").isNumber()).isTrue();
        } else {
            assertThat(redisvl.path("reason").asText()).as(redisvl.toString()).isNotBlank();
        }

        JsonNode targets = json.path("targets");
        assertThat(exitCode).as("exit code follows the targets %s", targets)
                .isEqualTo(targets.path("met").asBoolean() ? 0 : 1);
        assertThat(targets.path("problems").size() == 0).isEqualTo(targets.path("met").asBoolean());
    }

    /** Both contenders read with HMGET and write with HSET, so both show a server-side cost per call of each. */
    private static void assertServerCostPerCall(JsonNode cpu) {
        JsonNode perCall = cpu.path("server_usec_per_call");
        assertThat(perCall.path("hmget").asDouble()).as(cpu.toString()).isPositive();
        assertThat(perCall.path("hset").asDouble()).as(cpu.toString()).isPositive();
        assertThat(perCall.path("scan").asDouble()).as(cpu.toString()).isPositive();
    }
}
