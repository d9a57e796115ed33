package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.Slipway;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A document rewrite end to end through the CLI: a float32 to float16 vector conversion on a hash index is
 * estimated, refused without --backup-dir or --accept-data-loss, applied with both, and restored from the backup.
 */
@ExtendWith(RedisStackExtension.class)
class RewriteCommandsIT {
    private static final int DOCS = 300;
    private static final int DIMS = 8;
    private static final String TO_FLOAT16 = """
            version: 1
            changes:
              update_fields:
                - name: embedding
                  attrs: {datatype: float16}
            """;

    private final RedisStackServer redis;
    private final Map<String, byte[]> originals = new HashMap<>();

    @TempDir
    Path dir;

    RewriteCommandsIT(RedisStackServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void createDocsWithFloat32Vectors() {
        Random random = new Random(7);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), "docs", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA",
                    "title", "TEXT", "embedding", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM",
                    Integer.toString(DIMS), "DISTANCE_METRIC", "COSINE");
            for (int i = 0; i < DOCS; i++) {
                ByteBuffer vector = ByteBuffer.allocate(DIMS * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int d = 0; d < DIMS; d++) {
                    vector.putFloat(random.nextFloat() - 0.5f);
                }
                jedis.hset(bytes("doc:" + i), Map.of(bytes("title"), bytes("doc " + i), bytes("embedding"),
                        vector.array()));
                originals.put("doc:" + i, vector.array());
            }
        }
    }

    @Test
    void estimateShowsBackupSizeAndMemorySaved() throws IOException {
        Path plan = plan();

        CliRun text = cli("estimate", "--plan", plan.toString());
        CliRun json = cli("estimate", "--plan", plan.toString(), "--format", "json");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).startsWith("Estimate for 'docs' (plan ")
                .contains("  documents to rewrite:  " + DOCS + "\n")
                .containsPattern("  bytes to back up: +~[0-9.]+ (KiB|MiB)\\n")
                // 8-dim vectors sit in the hash's listpack: 16 bytes freed there, 16 in the index's copy
                .contains("  memory saved:          ~" + Units.bytes((long) DOCS * DIMS * 4) + " (once vectors are "
                        + "converted: ~" + Units.bytes((long) DOCS * DIMS * 2) + " in the documents, ~"
                        + Units.bytes((long) DOCS * DIMS * 2) + " in the vector index)\n")
                .contains("Apply with: slipway apply --plan " + plan + " --backup-dir <dir> --accept-data-loss");
        JsonNode estimate = new ObjectMapper().readTree(json.out());
        assertThat(estimate.path("bytes_to_back_up").asLong()).isGreaterThanOrEqualTo((long) DOCS * DIMS * 4);
        assertThat(estimate.path("memory_saved_bytes").asLong()).isEqualTo((long) DOCS * DIMS * 4);
        assertThat(estimate.path("index_memory_saved_bytes").asLong()).isEqualTo((long) DOCS * DIMS * 2);
        assertThat(estimate.path("sampled_documents").asInt()).isPositive();
        // the plan it is of, as the text's first line names it (tester session 52 R46 T2 F13)
        assertThat(text.out()).startsWith("Estimate for 'docs' (plan " + estimate.path("plan_id").asText() + ", "
                + estimate.path("mode").asText() + "):");
        assertThat(estimate.path("plan_id").asText()).hasSize(16);
        assertUnchanged();
    }

    /** With --rate-limit, the expected duration is at least the documents over the rate; a negative one exits 2. */
    @Test
    void estimateForARateLimitTakesAtLeastTheDocumentsOverTheRate() throws IOException {
        Path plan = plan();

        JsonNode free = new ObjectMapper().readTree(cli("estimate", "--plan", plan.toString(), "--format", "json")
                .out());
        CliRun paced = cli("estimate", "--plan", plan.toString(), "--format", "json", "--rate-limit", "2");
        CliRun negative = cli("estimate", "--plan", plan.toString(), "--rate-limit", "-1");

        assertThat(paced.exitCode()).as(paced.toString()).isZero();
        JsonNode estimate = new ObjectMapper().readTree(paced.out());
        assertThat(free.path("expected_seconds").asDouble()).isLessThan(DOCS / 2.0);
        assertThat(estimate.path("expected_seconds").asDouble()).isGreaterThanOrEqualTo(DOCS / 2.0);
        assertThat(estimate.path("basis").asText()).contains("--rate-limit 2 docs/s holds the rewrite to " + DOCS
                + " documents over the rate");
        assertThat(negative.exitCode()).as(negative.toString()).isEqualTo(2);
        assertThat(negative.err()).contains("--rate-limit must be between 0 (no limit) and 10000000");
        assertUnchanged();
    }

    @Test
    void applyNeedsBackupDirAndAcceptDataLossThenRollbackRestoresTheOriginals() throws IOException {
        Path plan = plan();
        Path backup = dir.resolve("backup");

        CliRun noBackup = cli("apply", "--plan", plan.toString(), "--yes");
        assertThat(noBackup.exitCode()).as(noBackup.toString()).isEqualTo(2);
        assertThat(noBackup.err()).contains("--backup-dir", "nothing was changed");
        assertThat(noBackup.out()).as("the summary shows the warnings").contains("Warnings:", "Lossy",
                "backup directory:   (not given)");
        assertUnchanged();

        CliRun noAccept = cli("apply", "--plan", plan.toString(), "--yes", "--backup-dir", backup.toString());
        assertThat(noAccept.exitCode()).as(noAccept.toString()).isEqualTo(2);
        assertThat(noAccept.err()).contains("--accept-data-loss", "Nothing was changed");
        assertUnchanged();
        assertThat(backup).doesNotExist();

        CliRun apply = cli("apply", "--plan", plan.toString(), "--yes", "--backup-dir", backup.toString(),
                "--accept-data-loss", "--batch-size", "64", "--workers", "2", "--retries", "2", "--rate-limit",
                "3000");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        // 47 batches of 64 would be more than 3,000 in a second: 47 of 63 are not
        assertThat(apply.out()).contains("backup directory:   " + backup, "accept data loss:   yes",
                        "throughput:         batches of at most 63 (--batch-size 64 cut to a whole fraction of the rate), 2 "
                                + "workers, at most 3000 docs/s, 2 retries",
                        "Result:    SUCCEEDED", "docs/s", "recall@10", "no writes by other clients seen",
                        "'slipway rollback --backup-dir " + backup + "' restores them.")
                .doesNotContain("<dir>");
        assertThat(apply.err()).contains("[slipway] rewriting documents: started (" + DOCS + " docs)",
                "[slipway] rewriting documents: done (" + DOCS + "/" + DOCS + " docs");
        try (Jedis jedis = redis.newJedis()) {
            for (String key : originals.keySet()) {
                assertThat(jedis.hget(bytes(key), bytes("embedding"))).as(key).hasSize(DIMS * 2);
            }
        }
        assertThat(cli("index", "info", "docs").out()).containsIgnoringCase("datatype: float16");

        CliRun refused = cli("rollback", "--backup-dir", backup.toString());
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err()).contains("Nothing was changed. Pass --yes");

        try (Jedis jedis = redis.newJedis()) {
            jedis.del("doc:0"); // deleted by the application after the migration: the rollback must not bring it back
            jedis.hset(bytes("doc:1"), bytes("embedding"), new byte[DIMS * 2]); // rewritten by the application
        }
        originals.remove("doc:0");
        CliRun changed = cli("rollback", "--backup-dir", backup.toString(), "--workers", "2", "--yes");
        assertThat(changed.exitCode()).as(changed.toString()).isEqualTo(2);
        assertThat(changed.err()).contains("1 backed-up document was changed since the rewrite backed it up",
                "nothing was changed", "--overwrite-changed", "doc:1: field 'embedding'");
        assertThat(changed.out()).as("no notice of a restore that is refused (tester session 35 R20 N3)")
                .doesNotContain("queries to the index fail until then");
        assertThat(cli("index", "info", "docs").out()).containsIgnoringCase("datatype: float16");

        CliRun rollback = cli("rollback", "--backup-dir", backup.toString(), "--workers", "2", "--yes",
                "--overwrite-changed");
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(rollback.out()).contains("queries to the index fail until then", "Restored the original bytes of "
                + (DOCS - 1) + " documents of 'docs' "
                + "from ", "1 backed-up document was deleted since the migration and was left deleted");
        assertUnchanged();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.exists("doc:0")).isFalse();
        }

        CliRun again = cli("rollback", "--backup-dir", backup.toString()); // no --yes: nothing to confirm
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("was already rolled back; nothing was changed", "Index 'docs' has its "
                + "original schema", (DOCS - 1) + " documents restored earlier")
                .as("no notice of a restore that does not happen (tester session 34 R18 F8)")
                .doesNotContain("queries to the index fail until then");
        assertUnchanged();
    }

    /** A path that cannot hold a backup is refused before anything changes, not after the index is dropped. */
    @Test
    void aBackupDirThatCannotHoldABackupIsRefusedBeforeAnythingChanges() throws IOException {
        Path plan = plan();
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Path crowded = Files.createDirectory(dir.resolve("crowded"));
        Files.writeString(crowded.resolve("notes.txt"), "someone else's");
        Path underFile = file.resolve("backup");

        for (Path backup : List.of(file, crowded, underFile)) {
            CliRun run = cli("apply", "--plan", plan.toString(), "--yes", "--accept-data-loss", "--backup-dir",
                    backup.toString());
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
            assertThat(run.err()).contains("--backup-dir " + backup, "nothing was changed");
            assertUnchanged();
        }
        assertThat(Files.readString(file)).isEqualTo("x");
        assertThat(crowded.resolve("notes.txt")).exists();
    }

    /** The disk the estimate asks for is at least what the backup then takes. */
    @Test
    void estimatedDiskCoversTheBackup() throws IOException {
        Path plan = plan();
        Path backup = dir.resolve("backup");
        JsonNode estimate = new ObjectMapper().readTree(cli("estimate", "--plan", plan.toString(), "--format",
                "json").out());

        CliRun apply = cli("apply", "--plan", plan.toString(), "--yes", "--accept-data-loss", "--backup-dir",
                backup.toString(), "--batch-size", "10");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();

        long used;
        try (var files = Files.list(backup)) {
            used = files.filter(f -> f.getFileName().toString().endsWith(".bin")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
        assertThat(used).isPositive();
        assertThat(estimate.path("disk_needed_bytes").asLong()).isGreaterThanOrEqualTo(used)
                .isLessThan(used * 2 + 8192);
    }

    /** A rename into a field some documents already use is refused with those documents named, before the drop. */
    @Test
    void aRenameIntoAFieldInUseIsRefusedWithTheDocumentsNamed() throws IOException {
        try (Jedis jedis = redis.newJedis()) {
            jedis.hset("doc:3", "name", "not the title");
        }
        Path patch = Files.writeString(dir.resolve("rename.yaml"), """
                version: 1
                changes:
                  rename_fields:
                    - {old_name: title, new_name: name}
                """);
        Path plan = dir.resolve("rename-plan.yaml");
        assertThat(cli("plan", "--index", "docs", "--patch", patch.toString(), "--out", plan.toString()).exitCode())
                .isZero();

        CliRun apply = cli("apply", "--plan", plan.toString(), "--yes", "--backup-dir",
                dir.resolve("backup").toString());

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(2);
        assertThat(apply.err()).contains("1 of " + DOCS + " documents of 'docs' hold data this rewrite would "
                + "overwrite", "nothing was changed", "doc:3: field 'name' already exists with other data");
        assertThat(dir.resolve("backup")).doesNotExist();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.hget("doc:3", "title")).isEqualTo("doc 3");
            assertThat(jedis.hexists("doc:4", "name")).isFalse();
        }
        assertUnchanged();
    }

    @Test
    void applyWithNoWriteWatchSaysTheWritesWereNotWatched() throws IOException {
        Path backup = dir.resolve("backup");
        CliRun apply = cli("apply", "--plan", plan().toString(), "--yes", "--backup-dir", backup.toString(),
                "--accept-data-loss", "--no-write-watch");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("Result:    SUCCEEDED", "writes by other clients not watched");
    }

    @Test
    void aRewriteOfKeysAnotherIndexCoversNeedsAllowSharedKeys() throws IOException {
        try (Jedis jedis = redis.newJedis()) {
            // it reads the converted vector (an index of the titles only is not changed by it, and does not block)
            jedis.sendCommand(command("FT.CREATE"), "doc_titles", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA",
                    "title", "TEXT", "embedding", "AS", "e", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM",
                    String.valueOf(DIMS), "DISTANCE_METRIC", "L2");
        }
        Path patch = Files.writeString(dir.resolve("float16.yaml"), TO_FLOAT16);

        CliRun refused = cli("plan", "--index", "docs", "--patch", patch.toString(), "--out",
                dir.resolve("blocked.yaml").toString());
        CliRun allowed = cli("plan", "--index", "docs", "--patch", patch.toString(), "--out",
                dir.resolve("allowed.yaml").toString(), "--allow-shared-keys");

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.out()).contains("Supported: NO", "doc_titles", "--allow-shared-keys");
        assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
        assertThat(allowed.out()).contains("Supported: yes", "accepted with --allow-shared-keys");
    }

    /** Every vector has its original 32 bytes and the index is float32 with every document. */
    private void assertUnchanged() {
        try (Jedis jedis = redis.newJedis()) {
            for (Map.Entry<String, byte[]> original : originals.entrySet()) {
                assertThat(jedis.hget(bytes(original.getKey()), bytes("embedding"))).as(original.getKey())
                        .hasSize(DIMS * 4).isEqualTo(original.getValue());
            }
            assertThat(jedis.keys("slipway:*")).as("no checkpoint or lock left").isEmpty();
        }
        assertThat(cli("index", "info", "docs").out()).containsIgnoringCase("datatype: float32")
                .contains("# num_docs: " + originals.size() + "\n");
        assertThat(Slipway.configure().url(redis.url()).load().listIndexes()).containsExactly("docs");
    }

    /**
     * SIGTERM stops an apply at a safe point: it says so, saves its progress, writes its report, releases its lock
     * and exits 143; 'status' shows the migration stopped, and the same command resumes and finishes.
     */
    @Test
    void anApplyStoppedBySigtermStopsBetweenBatchesWritesItsReportAndResumes() throws Exception {
        Path plan = plan();
        Path backup = dir.resolve("backup");
        Path report = dir.resolve("report.json");
        Process apply = startApply(plan, backup, "--report-out", report.toString());

        apply.destroy(); // SIGTERM

        assertThat(apply.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(dir.resolve("stderr.log"));
        String stdout = Files.readString(dir.resolve("stdout.log"));
        assertThat(apply.exitValue()).as(stderr).isEqualTo(143);
        assertThat(stderr).contains("SIGTERM received: stopping at the next safe point", "rewriting documents: "
                + "stopped at", "stopped: Migration of 'docs' stopped on request (SIGTERM)", "The rewrite stopped "
                + "after", "Re-run 'slipway apply' with the same plan to resume").doesNotContain("stopped by a signal");
        assertThat(stdout).contains("Result:    STOPPED", "Stopped:   ", "Report written to " + report);
        assertThat(Files.readString(report)).contains("\"result\" : \"STOPPED\"");
        CliRun status = cli("status", "--index", "docs");
        assertThat(status.out()).as(status.toString()).contains("STOPPED", "stopped on request", "Lock:      free");

        CliRun resumed = cli("apply", "--plan", plan.toString(), "--backup-dir", backup.toString(),
                "--accept-data-loss", "--yes");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(resumed.out()).contains("Result:    SUCCEEDED", "(resumed an earlier run)");
        assertThat(cli("status", "--index", "docs").out()).contains("Lock:      free");
    }

    /**
     * A second signal does not wait for the safe point: the process ends at once (exit 143), says what that means,
     * and the lock it leaves is taken over by the same command, which resumes.
     */
    @Test
    void aSecondSigtermEndsTheApplyAtOnceAndTheSameCommandResumes() throws Exception {
        Path plan = plan();
        Path backup = dir.resolve("backup");
        Process apply = startApply(plan, backup);
        // the stop at the safe point needs the server (the batch in flight, the checkpoint): keep it busy meanwhile
        CompletableFuture<Object> busy = redis.keepBusy(3000);
        Thread.sleep(300);

        apply.destroy();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!Files.readString(dir.resolve("stderr.log")).contains("SIGTERM received")) { // signals do not queue
            assertThat(System.nanoTime()).as("the first signal was taken").isLessThan(deadline);
            Thread.sleep(10);
        }
        apply.destroy();

        assertThat(apply.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(busy).as("the process ended while the server was still busy").isNotDone();
        assertThat(busy.get(30, TimeUnit.SECONDS)).isEqualTo(1L);
        String stderr = Files.readString(dir.resolve("stderr.log"));
        assertThat(apply.exitValue()).as(stderr).isEqualTo(143);
        assertThat(stderr).contains("stopped by a signal at once", "re-run with the same command resumes");
        CliRun status = cli("status", "--index", "docs");
        assertThat(status.out()).as(status.toString()).contains("no longer runs");

        CliRun resumed = cli("apply", "--plan", plan.toString(), "--backup-dir", backup.toString(),
                "--accept-data-loss", "--yes");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(cli("status", "--index", "docs").out()).contains("Lock:      free");
    }

    /** Starts a slow apply (batches of 10 at 20 docs/s) in a JVM of its own, and returns once it is rewriting. */
    private Process startApply(Path plan, Path backup, String... more) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                SlipwayCli.class.getName(), "apply", "--plan", plan.toString(), "--backup-dir", backup.toString(),
                "--accept-data-loss", "--yes", "--batch-size", "10", "--rate-limit", "20", "--url", redis.url()));
        command.addAll(List.of(more));
        Path stderr = dir.resolve("stderr.log");
        Process apply = new ProcessBuilder(command).redirectError(stderr.toFile())
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(stderr).contains("rewriting documents: started")) {
            assertThat(System.nanoTime()).as("the rewrite started: %s", Files.readString(stderr)).isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(700);
        return apply;
    }

    /**
     * A change Slipway can make but this server cannot hold (INT8 vectors need Search 8.0; the test server runs 2.10)
     * is labelled blocked on this server beside the change, not "supported" (tester session 35 R19 L6).
     */
    @Test
    void aChangeTheServerCannotHoldIsNotLabelledSupported() throws IOException {
        Path patch = Files.writeString(dir.resolve("int8.yaml"), TO_FLOAT16.replace("float16", "int8"));

        CliRun run = cli("plan", "--index", "docs", "--patch", patch.toString(), "--out",
                dir.resolve("int8-plan.yaml").toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.out()).contains("Supported: NO", "BLOCKED on this server (see Blocked below)",
                "uses INT8 vectors, which needs Search 8.0").doesNotContain("      supported: ");
    }

    private Path plan() throws IOException {
        Path patch = Files.writeString(dir.resolve("float16.yaml"), TO_FLOAT16);
        Path plan = dir.resolve("plan.yaml");
        CliRun run = cli("plan", "--index", "docs", "--patch", patch.toString(), "--out", plan.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Mode:      drop-recreate", "Lossy");
        return plan;
    }

    private CliRun cli(String... args) {
        return CliRun.against(redis.url(), args);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
