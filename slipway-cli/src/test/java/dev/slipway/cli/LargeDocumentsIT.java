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

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Documents that are large next to the JVM's heap (MB fields, a 64 MB heap): the pre-change checks and
 * {@code estimate} sample them a few at a time; apply measures every document before anything changes, refuses one
 * too large for the heap even alone, and otherwise cuts batches by bytes so that they fit, including documents much
 * larger than the sampled ones.
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
    void batchesTooLargeForTheHeapAreCutByBytes() throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < DOCS; i++) {
                jedis.hset(bytes("big:" + i), Map.of(bytes("body"), body(i, BODY), bytes("n"),
                        bytes(Integer.toString(i))));
            }
        }
        Path plan = planRename(DOCS);

        Run estimate = slipway("estimate", "--plan", plan.toString());
        assertThat(estimate.exitCode).as(estimate.output).isZero();
        assertThat(estimate.output).contains("documents to rewrite:  " + DOCS);

        Run applied = slipway("apply", "--plan", plan.toString(), "--yes", "--backup-dir",
                dir.resolve("backup").toString(), "--batch-size", "20");
        assertThat(applied.exitCode).as(applied.output).isZero();
        assertThat(applied.output).contains("Documents to rewrite hold up to 976.6 KiB each", "batches are cut to at "
                + "most");
        assertRenamed(DOCS, i -> body(i, BODY));
    }

    /**
     * A few documents of 5 MB among 3,000 of 1 KB, where the sample does not see them (the last in SCAN order):
     * the heap check made from the sample passes, so only the measuring of every document keeps them from
     * exhausting the heap after the index was dropped (which this test, without it, shows as an out-of-memory
     * failure with the index down).
     */
    @Test
    void documentsMuchLargerThanTheSampledOnesStillFit() throws Exception {
        int small = 3000;
        List<String> last = smallDocumentsThenLastInScanOrder(small, 25);
        try (Jedis jedis = redis.newJedis()) {
            for (String key : last) {
                jedis.hset(bytes(key), bytes("body"), body(key.hashCode(), 5_000_000));
            }
        }
        Path plan = planRename(small);

        Run applied = slipway("apply", "--plan", plan.toString(), "--yes", "--backup-dir",
                dir.resolve("backup").toString());
        assertThat(applied.exitCode).as(applied.output).isZero();
        assertThat(applied.output).contains("Documents to rewrite hold up to 4.8 MiB each")
                .doesNotContain("out of memory");
        try (Jedis jedis = redis.newJedis()) {
            for (String key : last) {
                assertThat(jedis.hget(bytes(key), bytes("body2"))).isEqualTo(body(key.hashCode(), 5_000_000));
                assertThat(jedis.hexists(key, "body")).isFalse();
            }
            assertThat(jedis.hget("big:0", "body2")).hasSize(1000);
        }
    }

    /** One document of 20 MB among 3,000 small ones, missed by the sample: too large for 64 MB, refused. */
    @Test
    void aDocumentTooLargeForTheHeapIsRefusedBeforeAnyChange() throws Exception {
        int small = 3000;
        String huge = smallDocumentsThenLastInScanOrder(small, 1).get(0);
        try (Jedis jedis = redis.newJedis()) {
            jedis.hset(bytes(huge), bytes("body"), body(1, 20_000_000));
        }
        Path plan = planRename(small);

        Run refused = slipway("apply", "--plan", plan.toString(), "--yes", "--backup-dir",
                dir.resolve("backup").toString());
        assertThat(refused.exitCode).as(refused.output).isEqualTo(2);
        assertThat(refused.output).contains("The largest document to rewrite (" + huge + ", 19.1 MiB",
                "nothing was changed", "SLIPWAY_JAVA_OPTS").doesNotContain("OutOfMemoryError", "stopped by a signal");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.hexists(huge, "body2")).isFalse();
            assertThat(jedis.hexists("big:0", "body2")).isFalse();
            assertThat(jedis.keys("slipway:*")).as("no migration state").isEmpty();
        }
        assertThat(CliRun.against(redis.url(), "index", "info", "big").exitCode()).isZero();
    }

    /** Writes {@code count} documents with a 1 KB body; returns the keys of the last {@code last} in SCAN order. */
    private List<String> smallDocumentsThenLastInScanOrder(int count, int last) {
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < count; i++) {
                jedis.hset("big:" + i, Map.of("body", "x".repeat(1000), "n", Integer.toString(i)));
            }
            List<String> order = new ArrayList<>();
            String cursor = "0";
            do {
                var page = jedis.scan(cursor, new redis.clients.jedis.params.ScanParams().match("big:*").count(500));
                order.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals("0"));
            return order.subList(order.size() - last, order.size());
        }
    }

    private void assertRenamed(int count, java.util.function.IntFunction<byte[]> body) {
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < count; i++) {
                assertThat(jedis.hget(("big:" + i).getBytes(StandardCharsets.UTF_8), bytes("body2")))
                        .isEqualTo(body.apply(i));
                assertThat(jedis.hexists("big:" + i, "body")).isFalse();
            }
        }
    }

    private Path planRename(int documents) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), "big", "ON", "HASH", "PREFIX", "1", "big:", "SCHEMA",
                    "n", "NUMERIC", "body", "TEXT", "NOINDEX");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((Long) ((List<?>) jedis.sendCommand(command("FT.SEARCH"), "big", "*", "LIMIT", "0", "0")).get(0)
                    < documents) {
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

    private static byte[] body(int seed, int length) {
        byte[] body = new byte[length];
        Arrays.fill(body, (byte) ('a' + Math.floorMod(seed, 26)));
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
