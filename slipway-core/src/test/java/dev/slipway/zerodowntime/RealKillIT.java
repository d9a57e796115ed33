package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.internal.apply.MigrationLock;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a separate JVM in the middle of a zero-downtime migration of 100k documents, then an
 * immediate in-process re-run: the dead process's lock is taken over at once (not after its 30 s lease), the run
 * resumes and finishes, and no query on the name fails or sees a partial result at any moment.
 */
@ExtendWith(RedisStackExtension.class)
class RealKillIT {
    private static final int DOCS = 100_000;

    /** The name is an alias of an index built by hand; the kill lands while the target version indexes. */
    @Test
    void killedWhileTheTargetVersionIndexes(RedisStackServer redis, @TempDir Path dir) throws Exception {
        Catalog.writeDocuments(redis, StorageType.HASH, DOCS);
        Catalog.createIndex(redis, StorageType.HASH, "manual");
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASADD"), Catalog.NAME, "manual");
        }
        MigrationPlan plan = slipway(redis).plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        int wait = stepIndex(plan, "wait-for-indexing:products:v1");

        Killed killed = killAtStep(redis, dir, plan, wait);

        assertThat(killed.completedSteps()).as("killed in the middle of the wait")
                .containsExactly("create-index:products:v1");
        resumeAndCheck(redis, plan, killed);
    }

    /** A plain index is adopted; the kill lands right after the first create step, as the second one starts. */
    @Test
    void killedRightAfterTheFirstCreateStepOfAnAdoption(RedisStackServer redis, @TempDir Path dir) throws Exception {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        MigrationPlan plan = slipway(redis).plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        int secondCreate = stepIndex(plan, "create-index:products:v2");

        Killed killed = killAtStep(redis, dir, plan, secondCreate);

        assertThat(killed.completedSteps()).startsWith("create-index:products:v1")
                .isSubsetOf("create-index:products:v1", "create-index:products:v2");
        resumeAndCheck(redis, plan, killed);
    }

    /** What the kill left behind. */
    private record Killed(long pid, List<String> completedSteps, QueryProbe probe) {
    }

    /** Starts the child JVM applying the plan and kills it with SIGKILL as soon as it announces step {@code index}. */
    private static Killed killAtStep(RedisStackServer redis, Path dir, MigrationPlan plan, int index)
            throws IOException, InterruptedException {
        Path planFile = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(plan, planFile);
        Path stderr = dir.resolve("child-stderr.log");
        QueryProbe probe = QueryProbe.start(redis, Catalog.NAME, DOCS);
        try {
            return killAtStep(redis, planFile, stderr, plan, index, probe);
        } catch (RuntimeException | Error | IOException | InterruptedException e) {
            probe.close();
            throw e;
        }
    }

    private static Killed killAtStep(RedisStackServer redis, Path planFile, Path stderr, MigrationPlan plan,
                                     int index, QueryProbe probe) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ApplyProcessMain.class.getName(), redis.url(), planFile.toString())
                .redirectError(stderr.toFile()).start();
        String trigger = ApplyProcessMain.MESSAGE + "step " + (index + 1) + "/" + plan.steps().size() + ": ";
        List<String> output = new ArrayList<>();
        boolean triggered = false;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(trigger)) {
                    child.destroyForcibly(); // SIGKILL on Linux
                    triggered = true;
                    break;
                }
                if (line.matches("^(" + ApplyProcessMain.MESSAGE + "|RESULT |FAILED ).*")) {
                    output.add(line); // not the child's log lines
                }
            }
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(triggered).as("the child announced step " + (index + 1) + "; it printed " + output
                + "; stderr: " + tail(stderr)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);

        IndexStatus status = slipway(redis).status(Optional.of(Catalog.NAME)).get(0);
        assertThat(status.migration()).as("the dead run's checkpoint").isPresent();
        IndexStatus.MigrationStatus migration = status.migration().get();
        assertThat(migration.planId()).isEqualTo(plan.planId());
        assertThat(migration.status()).isEqualTo("RUNNING");
        assertThat(migration.owner()).contains("/pid " + child.pid() + " ");
        String self = MigrationLock.processOwner();
        String host = self.substring(0, self.indexOf("/pid "));
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.get("slipway:lock:products")).as("the dead process still holds the lock")
                    .startsWith(host + "/pid " + child.pid() + " ");
            assertThat(jedis.pttl("slipway:lock:products")).as("lease left").isGreaterThan(5_000);
        }
        return new Killed(child.pid(), migration.completedSteps(), probe);
    }

    /** Re-runs the same plan in this JVM at once and checks the end state and what queries saw throughout. */
    private static void resumeAndCheck(RedisStackServer redis, MigrationPlan plan, Killed killed) {
        MigrationReport report;
        try {
            report = slipway(redis).apply(plan, ApplyOptions.DEFAULTS);
        } finally {
            Inspect.sleep(100);
        }
        QueryProbe.Result seen = killed.probe().stop();

        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.resumed()).isTrue();
        assertThat(seen.errors()).as(seen.summary()).isEmpty();
        assertThat(seen.incompleteTotals()).as(seen.summary()).isEmpty();
        assertThat(seen.queries()).as(seen.summary()).isGreaterThan(200);
        assertThat(slipway(redis).describe(Catalog.NAME).physicalIndex()).isEqualTo(plan.targetSchema().name());
        IndexStatus status = slipway(redis).status(Optional.of(Catalog.NAME)).get(0);
        assertThat(status.migration()).hasValueSatisfying(m -> {
            assertThat(m.status()).isEqualTo("COMPLETED");
            assertThat(m.owner()).doesNotContain("/pid " + killed.pid() + " ");
        });
        assertThat(status.lockOwner()).isEmpty();
        assertThat(status.strays()).isEmpty();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
            assertThat(Inspect.count(jedis, Catalog.NAME, "@price:[0 9]")).isEqualTo(DOCS / 1000 * 10);
        }
    }

    private static int stepIndex(MigrationPlan plan, String name) {
        List<String> names = plan.steps().stream().map(PlanStep::name).toList();
        assertThat(names).contains(name);
        return names.indexOf(name);
    }

    private static Slipway slipway(RedisStackServer redis) {
        return Slipway.configure().url(redis.url()).load();
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
