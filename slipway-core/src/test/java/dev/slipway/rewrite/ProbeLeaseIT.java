package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.internal.redis.ProbeLease;
import dev.slipway.internal.redis.ProcessOwner;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.Optional;

import static dev.slipway.rewrite.RewriteFixture.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slipway's throwaway indexes ({@code slipway-probe:<index>:<uuid>}) carry a lease while a run uses them
 * ({@link ProbeLease}). One whose lease ran out was left by a killed run, and the next apply, rollback or validate
 * of the index drops it; one in use is never dropped under the run using it, and {@code status} does not call it a
 * stray. Before, a killed {@code validate}'s index stayed until the next apply or rollback, and an apply dropped a
 * running validate's index.
 */
@ExtendWith(RedisStackExtension.class)
class ProbeLeaseIT {
    private static final int DOCS = 1_000;
    private static final String LEFT_BEHIND = "slipway-probe:filtered:00000000-0000-0000-0000-000000000001";

    @Test
    void validateDropsAThrowawayIndexAKilledRunLeftAndKeepsOneInUse(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis();
             RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5_000)) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filtered(slipway, jedis, dir);
            assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                    .withAcceptDataLoss(true)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            probe(jedis, LEFT_BEHIND);
            String inUse = SchemaProbeName.fresh("filtered");
            ProbeLease lease = ProbeLease.take(session, "slipway:probe-lease:" + inUse);
            probe(jedis, inUse);

            IndexStatus status = slipway.status(Optional.of("filtered")).get(0);
            assertThat(status.strays()).as("only the one left behind is a stray").containsExactly(LEFT_BEHIND);

            assertThat(slipway.validate(plan, java.util.List.of()).passed()).isTrue();

            assertThat(RewriteFixture.indexes(jedis)).as("the one left behind dropped, the one in use kept")
                    .containsExactlyInAnyOrder("filtered", inUse);
            assertThat(jedis.keys("slipway:probe-lease:*")).as("validate's own lease released")
                    .containsExactly("slipway:probe-lease:" + inUse);
            assertThat(jedis.pttl("slipway:probe-lease:" + inUse)).isPositive();

            lease.close();
            assertThat(jedis.keys("slipway:probe-lease:*")).isEmpty();
            assertThat(slipway.status(Optional.of("filtered")).get(0).strays()).as("unleased now")
                    .containsExactly(inUse);
            assertThat(slipway.validate(plan, java.util.List.of()).passed()).isTrue();
            assertThat(RewriteFixture.indexes(jedis)).containsExactly("filtered");
            assertThat(jedis.keys("f:*")).as("dropped without their documents").hasSize(DOCS);
        }
    }

    /**
     * A lease names the process holding it: one whose process on this host no longer runs (killed) holds nothing, so
     * the next run drops its index at once instead of after its 60 s (before, a killed apply's index stayed through
     * the next apply made within the minute); a lease of another host's process is held until it runs out.
     */
    @Test
    void aLeaseOfAKilledLocalProcessIsNotHeld(RedisStackServer redis, @TempDir Path dir) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filtered(slipway, jedis, dir);
            assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                    .withAcceptDataLoss(true)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            Process killed = new ProcessBuilder("sleep", "30").start();
            killed.destroyForcibly().waitFor();
            String self = ProcessOwner.current();
            String host = self.substring(0, self.indexOf("/pid "));
            String elsewhere = "slipway-probe:filtered:00000000-0000-0000-0000-000000000002";
            probe(jedis, LEFT_BEHIND);
            jedis.psetex("slipway:probe-lease:" + LEFT_BEHIND, 60_000, host + "/pid " + killed.pid()
                    + " since 2026-01-01T00:00:00Z");
            probe(jedis, elsewhere);
            jedis.psetex("slipway:probe-lease:" + elsewhere, 60_000, "another-host/pid " + killed.pid()
                    + " since 2026-01-01T00:00:00Z");

            assertThat(slipway.status(Optional.of("filtered")).get(0).strays()).containsExactly(LEFT_BEHIND);
            assertThat(slipway.validate(plan, java.util.List.of()).passed()).isTrue();
            assertThat(RewriteFixture.indexes(jedis)).containsExactlyInAnyOrder("filtered", elsewhere);
            assertThat(jedis.keys("slipway:probe-lease:*")).as("the dropped index's lease deleted with it")
                    .containsExactly("slipway:probe-lease:" + elsewhere);
        }
    }

    /**
     * A throwaway index dropped while the run that made it waits for it to finish indexing (by hand, or by another
     * run after this process stalled past its lease) fails the run, exit 1, saying so: it said "Index
     * 'slipway-probe:…' does not exist … Run 'slipway index list'", exit 2, as for a mistyped name (tester R25 F6).
     */
    @Test
    void aThrowawayIndexDroppedWhileItsRunWaitsForItFailsTheRun(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis dropper = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.filteredHashDocs(jedis, slipway, "FLOAT32", 8, 200_000); // a probe that takes a while
            MigrationPlan plan = RewriteFixture.plan(slipway, "filtered", dir, RewriteFixture.EMB_TO_FLOAT16);
            java.util.concurrent.atomic.AtomicReference<String> dropped = new java.util.concurrent.atomic
                    .AtomicReference<>();
            Thread watcher = new Thread(() -> {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (dropped.get() == null && System.nanoTime() < deadline) {
                    RewriteFixture.indexes(dropper).stream().filter(i -> i.startsWith("slipway-probe:"))
                            .findFirst().ifPresent(probe -> {
                                call(dropper, "FT.DROPINDEX", probe);
                                dropped.set(probe);
                            });
                }
            });
            watcher.start();

            dev.slipway.api.SlipwayException failed = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> slipway.validate(plan, java.util.List.of()), dev.slipway.api.SlipwayException.class);
            watcher.join();

            assertThat(dropped.get()).isNotNull();
            assertThat(failed).isNotNull();
            assertThat(failed.exitCode()).as(failed.getMessage()).isEqualTo(1);
            assertThat(failed.getMessage()).startsWith("The throwaway index '" + dropped.get() + "', which tells which "
                    + "documents the FILTER admits, was dropped while this run waited for it").contains(
                    "Re-run the same command.");
            assertThat(jedis.keys("slipway:probe-lease:*")).as("its lease released").isEmpty();
        }
    }

    /**
     * A throwaway index dropped while a run queries it (here, apply's rewrite): the run fails, exit 1, with the
     * server's words and what to do, not the client's exception class (tester session 38 R26 F-F); a re-run makes
     * the index again and finishes.
     */
    @Test
    void aThrowawayIndexDroppedWhileItIsQueriedFailsTheRun(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis dropper = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filtered(slipway, jedis, dir);
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true);
            TaskProgress drop = TaskProgress.atBegin("rewriting documents", () -> RewriteFixture.indexes(dropper)
                    .stream().filter(i -> i.startsWith("slipway-probe:"))
                    .forEach(probe -> call(dropper, "FT.DROPINDEX", probe)));

            dev.slipway.api.SlipwayException failed = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> Slipway.configure().url(redis.url()).progress(drop).load().apply(plan, options),
                    dev.slipway.api.SlipwayException.class);

            assertThat(failed).isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).contains("did not answer (", "dropped by hand, or by another run",
                    "an apply goes on from its last completed batch").doesNotContain("Exception");
            assertThat(slipway.apply(plan, options).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        }
    }

    private static void probe(Jedis jedis, String name) {
        call(jedis, "FT.CREATE", name, "ON", "HASH", "PREFIX", "1", "f:", "FILTER", "@kind==\"admitted\"", "SCHEMA",
                "kind", "TAG");
    }

    /** 1,000 hashes under "f:", every tenth admitted by the index's FILTER; a plan to FLOAT16. */
    private static MigrationPlan filtered(Slipway slipway, Jedis jedis, Path dir) {
        RewriteFixture.filteredHashDocs(jedis, slipway, "FLOAT32", 8, DOCS);
        return RewriteFixture.plan(slipway, "filtered", dir, RewriteFixture.EMB_TO_FLOAT16);
    }
}
