package dev.slipway.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BenchMainTest {

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchMain.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String golden(String name) throws IOException {
        try (InputStream in = BenchMainTest.class.getResourceAsStream(name)) {
            assertThat(in).as("golden file %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void helpListsEveryBenchmarkAndExitsZero() throws IOException {
        Run run = run("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .as("golden src/test/resources/dev/slipway/bench/help.txt; after adding a benchmark, regenerate it "
                        + "with: java -jar slipway-bench/target/slipway-bench.jar --help")
                .isEqualTo(golden("help.txt"));
        assertThat(run.err()).isEmpty();
    }

    @Test
    void benchmarkHelpIsItsOwnAndRunsNothing() throws IOException {
        Run run = run("zero-downtime", "--docs", "5", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).as("golden src/test/resources/dev/slipway/bench/zero-downtime-help.txt")
                .isEqualTo(golden("zero-downtime-help.txt"));
    }

    @Test
    void noArgumentsPrintsUsageAndExitsTwo() {
        Run run = run();
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).startsWith("Usage: slipway-bench <benchmark>");
    }

    @Test
    void unknownBenchmarkIsBadUsage() {
        Run run = run("zero-downtme");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("Unknown benchmark 'zero-downtme'").contains("slipway-bench --help");
    }

    @Test
    void everyBadOptionIsReportedAtOnceBeforeAnythingStarts() {
        Run run = run("zero-downtime", "--docs", "ten", "--query-threads", "0", "--mode-order", "fast",
                "--colour", "red");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .contains("--docs 'ten' is not a whole number")
                .contains("--query-threads 0 is out of range; give a value from 1 to 64")
                .contains("--mode-order: unknown mode 'fast'")
                .contains("unknown option --colour")
                .contains("see 'slipway-bench zero-downtime --help'")
                .doesNotContain("starting a throwaway");
    }
}
