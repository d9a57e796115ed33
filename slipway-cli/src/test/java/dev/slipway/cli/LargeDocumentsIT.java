package dev.slipway.cli;

import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Documents that are large next to the JVM's heap (1 MB fields, a 64 MB heap): the pre-change checks and
 * {@code estimate} sample them a few at a time, and batches that would not fit are refused before anything changes,
 * with a batch size that does fit.
 */
@ExtendWith(RedisStackExtension.class)
class LargeDocumentsIT {
    private static final int DOCS = 100;
    private static final int BODY = 1_000_000;
    private static final String HEAP = "-Xmx64m";

    private final RedisStackServer redis;

    @TempDir
    Path dir;

    LargeDocumentsIT(RedisStackServer redis) {
        this.redis = redis;
    }

    @Test
    void batchesTooLargeForTheHeapAreRefusedBeforeAnyChangeAndTheAdvisedSizeWorks() throws Exception {
        Path plan = planRename();

        Run estimate = slipway("estimate", "--plan", plan.toString());
        assertThat(estimate.exitCode).as(estimate.output).isZero();
        assertThat(estimate.output).contains("documents to rewrite:  " + DOCS);

        Path backup = dir.resolve("backup");
        Run refused = slipway("apply", "--plan", plan.toString(), "--yes", "--backup-dir", backup.toString(),
                "--batch-size", "20");
        assertThat(refused.exitCode).as(refused.output).isEqualTo(2);
        assertThat(refused.output).contains("Batches of 20 documents", "nothing was changed", "SLIPWAY_JAVA_OPTS")
                .doesNotContain("OutOfMemoryError", "stopped by a signal");
        assertUnchanged();

        Matcher advised = Pattern.compile("Lower --batch-size to (\\d+) or less").matcher(refused.output);
        assertThat(advised.find()).as(refused.output).isTrue();
        Run applied = slipway("apply", "--plan", plan.toString(), "--yes", "--backup-dir", backup.toString(),
                "--batch-size", advised.group(1));
        assertThat(applied.exitCode).as(applied.output).isZero();
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < DOCS; i++) {
                assertThat(jedis.hget(("big:" + i).getBytes(StandardCharsets.UTF_8), bytes("body2")))
                        .isEqualTo(body(i));
                assertThat(jedis.hexists("big:" + i, "body")).isFalse();
            }
        }
    }

    private Path planRename() throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < DOCS; i++) {
                jedis.hset(bytes("big:" + i), Map.of(bytes("body"), body(i), bytes("n"), bytes(Integer.toString(i))));
            }
            jedis.sendCommand(command("FT.CREATE"), "big", "ON", "HASH", "PREFIX", "1", "big:", "SCHEMA",
                    "n", "NUMERIC", "body", "TEXT", "NOINDEX");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((Long) ((List<?>) jedis.sendCommand(command("FT.SEARCH"), "big", "*", "LIMIT", "0", "0")).get(0)
                    < DOCS) {
                assertThat(System.nanoTime()).as("indexed in time").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
        Path patch = Files.writeString(dir.resolve("rename.yaml"), """
                version: 1
                changes:
                  rename_fields: [{old_name: body, new_name: body2}]
                """);
        Path plan = dir.resolve("plan.yaml");
        CliRun run = CliRun.against(redis.url(), "plan", "--index", "big", "--patch", patch.toString(),
                "--out", plan.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return plan;
    }

    private void assertUnchanged() {
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < DOCS; i++) {
                assertThat(jedis.hexists("big:" + i, "body2")).isFalse();
            }
            assertThat(jedis.keys("slipway:*")).as("no migration state").isEmpty();
        }
        assertThat(CliRun.against(redis.url(), "index", "info", "big").exitCode()).isZero();
    }

    private static byte[] body(int i) {
        byte[] body = new byte[BODY];
        Arrays.fill(body, (byte) ('a' + i % 26));
        return body;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private record Run(int exitCode, String output) {
    }

    /** The CLI in a JVM of its own with a small heap, as `SLIPWAY_JAVA_OPTS=-Xmx64m ./slipway` runs it. */
    private Run slipway(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                HEAP, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), SlipwayCli.class.getName()));
        command.addAll(List.of(args));
        command.addAll(List.of("--url", redis.url()));
        Path output = Files.createTempFile(dir, "run", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the CLI finished").isTrue();
        return new Run(process.exitValue(), Files.readString(output));
    }
}
