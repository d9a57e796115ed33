package dev.slipway.bench.zerodowntime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.bench.BenchMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the whole benchmark, as {@code bash scripts/bench.sh zero-downtime} does, on a small catalogue: a real
 * throwaway Redis Stack server, both strategies, JSON on standard output.
 */
class ZeroDowntimeBenchmarkIT {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void zeroDowntimeKeepsEveryQueryAndWriteWhileDropRecreateDoesNot() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // HNSW: with FLAT, 3000 documents index in a fraction of a second and the window holds few queries.
        int exitCode = BenchMain.run(List.of("zero-downtime", "--docs", "3000", "--vector-algorithm", "HNSW",
                        "--max-seconds", "60"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        System.err.print(stderr);
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));

        assertThat(json.path("benchmark").asText()).isEqualTo("zero-downtime");
        assertThat(json.path("docs").asInt()).isEqualTo(3000);
        assertThat(json.path("server").path("redis").asText()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(json.path("machine").path("cores").asInt()).isPositive();
        assertThat(json.path("strategies").fieldNames()).toIterable()
                .containsExactly("drop-recreate", "zero-downtime");

        JsonNode zero = json.path("strategies").path("zero-downtime");
        // validation compares the new version with the retained one in one transaction, so live inserts
        // no longer make a zero-downtime migration fail its document count
        assertThat(zero.path("result").asText()).as(stderr).isEqualTo("SUCCEEDED");
        assertThat(zero.path("queries").path("sent").asLong()).isGreaterThan(50);
        assertThat(zero.path("queries").path("failed").asLong()).as(stderr).isZero();
        assertThat(zero.path("queries").path("incomplete").asLong()).as(stderr).isZero();
        assertThat(zero.path("writes").path("made").asLong()).isGreaterThan(50);
        assertThat(zero.path("writes").path("lost").asLong()).isZero();
        assertThat(zero.path("writes").path("searchable").asLong())
                .isEqualTo(zero.path("writes").path("keysWritten").asLong());
        assertThat(zero.path("writes").path("matchAllAfter").asLong())
                .isEqualTo(zero.path("writes").path("expectedDocs").asLong());
        assertThat(zero.path("plan").path("estimatedExtraMemoryBytes").asLong()).isPositive();
        assertThat(zero.path("memory").path("indexesAfterBytes").size()).isEqualTo(2);

        JsonNode drop = json.path("strategies").path("drop-recreate");
        assertThat(drop.path("migrationSeconds").asDouble()).isPositive();
        assertThat(drop.path("queries").path("sent").asLong()).isGreaterThan(50);
        assertThat(drop.path("queries").path("latencyMs").path("p99").isNumber()).isTrue();
        assertThat(drop.path("writes").path("made").asLong()).isPositive();
        // Proves the detector works: the rebuilt index answers partially (or not at all) while it indexes.
        assertThat(drop.path("queries").path("failed").asLong() + drop.path("queries").path("incomplete").asLong())
                .isPositive();

        JsonNode verdict = json.path("verdict");
        boolean met = verdict.path("migrationSucceeded").asBoolean() && verdict.path("trafficTargetsMet").asBoolean();
        assertThat(verdict.path("trafficTargetsMet").asBoolean()).isTrue();
        assertThat(exitCode).as("exit code follows the verdict %s", verdict).isEqualTo(met ? 0 : 1);
    }
}
