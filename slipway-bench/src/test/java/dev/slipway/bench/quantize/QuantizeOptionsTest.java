package dev.slipway.bench.quantize;

import dev.slipway.bench.BenchMain;
import dev.slipway.bench.BenchUsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantizeOptionsTest {

    @Test
    void defaults() {
        QuantizeOptions options = QuantizeOptions.parse("quantize", List.of());
        assertThat(options).isEqualTo(new QuantizeOptions(List.of(50_000, 200_000), 768, 500, 1, 42, 200, "auto",
                600, 100_000, 4, false, 3, true));
        assertThat(options.redisVlWorkers()).containsExactly(1, 2);
    }

    @Test
    void everyOption() {
        QuantizeOptions options = QuantizeOptions.parse("quantize", List.of("--sizes", "2000, 4_000", "--dims", "64",
                "--batch-size", "250", "--workers", "1", "--seed", "7", "--sample", "50", "--rvl", "none",
                "--max-seconds", "60", "--warmup", "0", "--warmup-rounds", "2", "--pin", "true", "--rounds", "1",
                "--write-watch", "false"));
        assertThat(options).isEqualTo(new QuantizeOptions(List.of(2_000, 4_000), 64, 250, 1, 7, 50, "none", 60,
                0, 2, true, 1, false));
        assertThat(options.redisVlWorkers()).as("RedisVL also runs with two workers when Slipway uses one")
                .containsExactly(1, 2);
        assertThat(options.locateRvl().path()).isEmpty();
        assertThat(options.locateRvl().reason()).isEqualTo("skipped with --rvl none");
    }

    @Test
    void reportsEveryBadValueAtOnce() {
        assertThatThrownBy(() -> QuantizeOptions.parse("quantize", List.of("--sizes", "10,abc,300", "--dims", "0",
                "--colour", "red")))
                .isInstanceOfSatisfying(BenchUsageException.class, e -> assertThat(e.problems()).containsExactly(
                        "unknown option --colour; quantize accepts --batch-size, --dims, --max-seconds, --pin, "
                                + "--rounds, --rvl, --sample, --seed, --sizes, --warmup, --warmup-rounds, --workers, "
                                + "--write-watch",
                        "--sizes 10 is out of range; give sizes from 100 to 10000000",
                        "--sizes 'abc' is not a whole number; give e.g. --sizes 50000,200000",
                        "--dims 0 is out of range; give a value from 2 to 32768",
                        "see 'slipway-bench quantize --help'"));
    }

    @Test
    void helpNamesEveryOptionAndTheBenchmarkListsIt() {
        String help = QuantizeOptions.help();
        for (String option : QuantizeOptions.NAMES) {
            assertThat(help).as("--help documents --%s", option).contains("--" + option + " ");
        }
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(BenchMain.run(List.of("quantize", "--sizes", "x", "--help"), new PrintStream(out, true,
                StandardCharsets.UTF_8), nowhere)).as("--help wins over bad options").isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(help);
        out.reset();
        BenchMain.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8), nowhere);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\n  quantize         float32 -> float16");
    }

    @Test
    void anExplicitRvlMustBeExecutable(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("rvl"), "#!/bin/sh\n");
        QuantizeOptions notExecutable = QuantizeOptions.parse("quantize", List.of("--rvl", script.toString()));
        assertThat(notExecutable.locateRvl().path()).isEmpty();
        assertThat(notExecutable.locateRvl().reason()).contains("is not an executable file")
                .contains("scripts/install-redisvl.sh");

        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        assertThat(notExecutable.locateRvl().path()).contains(script);
    }
}
