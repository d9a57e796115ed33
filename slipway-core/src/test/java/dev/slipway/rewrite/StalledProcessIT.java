package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.slipway.rewrite.RewriteFixture.hashes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process that stalls past its lock lease (here {@code SIGSTOP}, in production a long GC pause or a suspended VM)
 * while another process takes the lock and rolls everything back: when it wakes up it must stop before its next batch
 * and write nothing, not documents, not the backup, not the checkpoint. Both used to check the lock only between
 * steps: a woken apply rewrote the rest of the documents over the finished rollback and set the backup's phase back;
 * a woken rollback went on restoring and rewrote the finished rollback's header.
 */
@ExtendWith(RedisStackExtension.class)
class StalledProcessIT {
    private static final int DOCS = 400;

    @Test
    void anApplyThatWakesAfterARollbackTookItsLockWritesNothing(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        stallThenRollBack(redis, dir, "apply");
    }

    @Test
    void aRollbackThatWakesAfterAnotherFinishedWritesNothing(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        stallThenRollBack(redis, dir, "rollback");
    }

    /**
     * A stall can catch a process with part of a pipeline still to send: here the first half of a batch landed and
     * the rest goes out when the process wakes up, after a rollback took the lock and restored everything. The
     * rollback closed the stalled holder's connections when it took the lock, so the rest reaches a closed connection
     * and nothing lands; the woken process stops with the lost lock. (Before, that half batch was rewritten again
     * over the finished rollback.)
     */
    @Test
    void theRestOfAPipelineSentAfterARollbackTookTheLockDoesNotLand(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Staged staged = Staged.on(redis, jedis, dir);
            Crashes.applyAndCrashAt(redis.url(), staged.plan(), ApplyOptions.DEFAULTS
                    .withBackupDir(staged.backup())
                    .withAcceptDataLoss(true).withThroughput(20, 1, 0, 0), "before", "rewrite-documents");

            Process child = startChild(MidPipelineStallMain.class, dir.resolve("child-stderr.log"), redis.url(),
                    staged.planFile().toString(), staged.backup().toString(), "4");
            try {
                List<String> output = new ArrayList<>();
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8));
                assertThat(readUntil(out, "STOPPING ", output)).as("the child stopped mid-batch; it printed %s",
                        output).isNotNull();
                awaitStopped(child.pid());
                awaitLeaseExpired(jedis);
                staged.slipway().rollbackFromBackup(staged.backup(), 1);
                assertThat(hashes(jedis, "doc:*")).as("the rollback restored everything").isEqualTo(staged.before());
                Map<String, String> backupFiles = RewriteFixture.fileContents(staged.backup());

                signal("CONT", child.pid());
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the woken rewrite ended").isTrue();
                String result = readUntil(out, "FAILED ", output);

                assertThat(child.exitValue()).as("output %s", output).isEqualTo(1);
                assertThat(result).contains("no longer holds the migration lock");
                assertThat(hashes(jedis, "doc:*")).as("the rest of the pipeline did not land")
                        .isEqualTo(staged.before());
                assertThat(RewriteFixture.fileContents(staged.backup())).isEqualTo(backupFiles);
            } finally {
                signal("CONT", child.pid());
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Runs {@code mode} (apply, or rollback after an apply in this JVM) in a child that stops itself a quarter of
     * the way; once its lease ran out, rolls back here, wakes the child and checks that it changed nothing more.
     */
    private static void stallThenRollBack(RedisStackServer redis, Path dir, String mode) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Staged staged = Staged.on(redis, jedis, dir);
            if (mode.equals("rollback")) {
                staged.slipway().apply(staged.plan(), ApplyOptions.DEFAULTS.withBackupDir(staged.backup())
                        .withAcceptDataLoss(true).withThroughput(20, 1, 0, 0));
            }

            Process child = startStalling(redis, mode, staged.planFile(), staged.backup(),
                    dir.resolve("child-stderr.log"));
            try {
                List<String> output = new ArrayList<>();
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8));
                String stopping = readUntil(out, "STOPPING ", output);
                assertThat(stopping).as("the child stopped itself a quarter of the way; it printed %s", output)
                        .isNotNull();
                awaitStopped(child.pid());
                awaitLeaseExpired(jedis);
                assertThat(hashes(jedis, "doc:*")).as("the stalled %s got part of the way", mode)
                        .isNotEqualTo(staged.before());

                staged.slipway().rollbackFromBackup(staged.backup(), 1);
                assertThat(hashes(jedis, "doc:*")).as("the rollback restored everything").isEqualTo(staged.before());
                Map<String, String> backupFiles = RewriteFixture.fileContents(staged.backup());

                signal("CONT", child.pid());
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the woken %s ended", mode).isTrue();
                String result = readUntil(out, "FAILED ", output);

                assertThat(child.exitValue()).as("output %s", output).isEqualTo(1);
                assertThat(result).contains("no longer holds the migration lock", "slipway status");
                if (mode.equals("apply")) {
                    assertThat(output).as("its report does not call the index the rollback recreated missing")
                            .contains("DOWNTIME ongoing=false");
                }
                assertThat(hashes(jedis, "doc:*")).as("nothing written after the rollback")
                        .isEqualTo(staged.before());
                assertThat(RewriteFixture.fileContents(staged.backup())).as("the backup as the rollback left it")
                        .isEqualTo(backupFiles);
                try (BackupDirectory directory = BackupDirectory.openExisting(staged.backup())) {
                    assertThat(directory.header().phase()).isEqualTo(BackupHeader.Phase.ROLLED_BACK);
                }
                IndexStatus status = staged.slipway().status(Optional.of("docs")).get(0);
                assertThat(status.migration()).as("no checkpoint written after the rollback deleted it").isEmpty();
                assertThat(status.lockOwner()).isEmpty();
                assertThat(staged.slipway().describe("docs").schema()).isEqualTo(staged.plan().source().schema());
            } finally {
                signal("CONT", child.pid());
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A hash index of {@link #DOCS} documents, its float16 plan written to a file, and where its backup goes. */
    private record Staged(Slipway slipway, TreeMap<String, TreeMap<String, String>> before, MigrationPlan plan,
                          Path planFile, Path backup) {
        static Staged on(RedisStackServer redis, Jedis jedis, Path dir) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 17);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            Path planFile = dir.resolve("plan.yaml");
            SlipwayFiles.writePlan(plan, planFile);
            return new Staged(slipway, before, plan, planFile, dir.resolve("backup"));
        }
    }

    private static Process startStalling(RedisStackServer redis, String mode, Path planFile, Path backup,
                                         Path stderr) throws IOException {
        return startChild(StallingMain.class, stderr, mode, redis.url(), planFile.toString(), backup.toString(),
                Integer.toString(DOCS / 4));
    }

    /** Runs {@code main} in a JVM of its own on this test's class path; its stderr goes to a file. */
    private static Process startChild(Class<?> main, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    /** The first line starting with {@code prefix}, or null at the end of the output; the others go to {@code seen}. */
    private static String readUntil(BufferedReader out, String prefix, List<String> seen) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.add(line);
        }
        return null;
    }

    /** Waits until Linux reports the process stopped (state T). */
    private static void awaitStopped(long pid) throws IOException, InterruptedException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(stat);
            if (text.charAt(text.lastIndexOf(')') + 2) == 'T') {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the child did not stop: " + Files.readString(stat));
    }

    /** Waits until the stopped child's lock key has expired: its lease ran out. */
    private static void awaitLeaseExpired(Jedis jedis) throws InterruptedException {
        long deadline = System.nanoTime() + StallingMain.LEASE.toNanos() * 3;
        while (jedis.exists("slipway:lock:docs")) {
            assertThat(System.nanoTime()).as("the lease ran out").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("sh", "-c", "kill -" + signal + " " + pid + " 2>/dev/null").start().waitFor();
    }

}
