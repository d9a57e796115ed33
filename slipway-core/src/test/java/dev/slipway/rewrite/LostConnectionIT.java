package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.DIMS;
import static dev.slipway.rewrite.RewriteFixture.EMB_TO_FLOAT16;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every client connection killed in the middle of a rewrite, and of its rollback ({@code CLIENT KILL TYPE normal}):
 * the worker connections are replaced under {@code --retries}, and so is the connection the steps and the
 * checkpoint use. Before, the rewrite finished and then the checkpoint's {@code SET} failed: exit 1 with the index
 * still dropped, and the report listed the step twice, done and failed (tester session 24).
 */
@ExtendWith(RedisStackExtension.class)
class LostConnectionIT {
    private static final int DOCS = 1_000;

    /** Kills every other client's connection once, when {@code after} units of {@code task} are done. */
    private static final class KillAll extends TaskProgress {
        private final Jedis killer;
        private final String task;
        private final ClientType type;
        private boolean killed;
        final java.util.List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();

        KillAll(Jedis killer, String task) {
            this(killer, task, ClientType.NORMAL);
        }

        KillAll(Jedis killer, String task, ClientType type) {
            this.killer = killer;
            this.task = task;
            this.type = type;
        }

        @Override
        public void message(String text) {
            messages.add(text);
        }

        @Override
        public void update(long done) {
            if (!killed && task().equals(task) && done >= (task.equals("rewriting documents") ? 200 : 1)) {
                killed = true;
                killer.clientKill(new redis.clients.jedis.params.ClientKillParams()
                        .type(type).skipMe(
                                redis.clients.jedis.params.ClientKillParams.SkipMe.YES));
                if (type == ClientType.PUBSUB) { // the task waits until the listeners have seen their connection go
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
                }
            }
        }
    }

    @Test
    void connectionsKilledDuringTheRewriteAndTheRollbackAreReplaced(RedisStackServer redis, @TempDir Path dir) {
        TreeMap<String, TreeMap<String, String>> before;
        try (Jedis jedis = redis.newJedis()) {
            before = RewriteFixture.hashDocs(jedis, Slipway.configure().url(redis.url()).load(),
                    VectorDataType.FLOAT32, DOCS, 5);
        }
        try (Jedis killer = redis.newJedis()) { // the test's other connections are killed too: each check opens one
            KillAll duringRewrite = new KillAll(killer, "rewriting documents");
            Slipway slipway = Slipway.configure().url(redis.url()).progress(duringRewrite).load();
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup)
                    .withAcceptDataLoss(true).withThroughput(50, 1, 0, 3));

            assertThat(duringRewrite.killed).isTrue();
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.steps()).extracting(StepReport::name).doesNotHaveDuplicates();
            try (Jedis jedis = redis.newJedis()) {
                for (String key : before.keySet()) {
                    assertThat(jedis.hstrlen(key, "emb")).as(key).isEqualTo(DIMS * 2L);
                }
            }
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);

            KillAll duringRestore = new KillAll(killer, "restoring originals");
            RestoreResult restored = Slipway.configure().url(redis.url()).progress(duringRestore).load()
                    .rollbackFromBackup(backup, 1);

            assertThat(duringRestore.killed).isTrue();
            assertThat(restored.documentsRestored()).isEqualTo(DOCS);
            try (Jedis jedis = redis.newJedis()) {
                assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            }
        }
    }

    /**
     * A writing connection lost after the server ran a batch's deletes, before their replies came back: sent again,
     * each HDEL found its field gone (reply 0), the document was taken for one deleted meanwhile, and the field moved
     * just before was taken back, so documents lost the value under both names, with exit 0 (tester session 53 R47 T1
     * H1); the rollback lost the restored field the same way (H2). The batch is worked out anew from the live
     * documents instead (its record, in a rollback), and both end exactly as a run without the cut.
     */
    @Test
    void aWritingConnectionLostBeforeTheRepliesCameIsWorkedOutAnewNotSentAgain(RedisStackServer redis,
                                                                             @TempDir Path dir) throws Exception {
        TreeMap<String, TreeMap<String, String>> before;
        try (Jedis jedis = redis.newJedis()) {
            before = RewriteFixture.hashDocs(jedis, Slipway.configure().url(redis.url()).load(),
                    VectorDataType.FLOAT32, DOCS, 5);
        }
        MigrationPlan plan = plan(Slipway.configure().url(redis.url()).load(), "docs", dir, "  rename_fields:\n"
                + "    - {old_name: title, new_name: name}\n  index:\n    prefix: 'item:'\n");
        Path backup = dir.resolve("backup");
        try (dev.slipway.testing.CuttingProxy proxy = new dev.slipway.testing.CuttingProxy(redis, "HDEL", 1)
                .pipelinedAtLeast(10).afterTheServerRanIt()) { // a batch's, not the permission probe's
            MigrationReport report = Slipway.configure().url(proxy.url()).load().apply(plan, ApplyOptions.DEFAULTS
                    .withBackupDir(backup).withThroughput(100, 1, 0, 3));

            assertThat(proxy.cutsLeft()).as("a batch's HDEL ran, its reply was lost").isZero();
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        }
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "item:*");
            assertThat(after).hasSize(DOCS);
            for (Map.Entry<String, TreeMap<String, String>> doc : before.entrySet()) {
                TreeMap<String, String> moved = after.get("item:" + doc.getKey().substring("doc:".length()));
                assertThat(moved).as(doc.getKey()).doesNotContainKey("title")
                        .containsEntry("name", doc.getValue().get("title"));
            }
        }
        try (dev.slipway.testing.CuttingProxy proxy = new dev.slipway.testing.CuttingProxy(redis, "HDEL", 1)
                .pipelinedAtLeast(10).afterTheServerRanIt()) {
            Slipway.configure().url(proxy.url()).load().rollbackFromBackup(backup, 3);

            assertThat(proxy.cutsLeft()).isZero();
        }
        try (Jedis jedis = redis.newJedis()) {
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /** {@value #DOCS} hash documents of index 'docs', and a plan that converts their vectors to float16. */
    private static MigrationPlan float16PlanOfDocs(RedisStackServer redis, Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, 5);
        }
        return plan(slipway, "docs", dir, EMB_TO_FLOAT16);
    }

    /**
     * The lock's {@code SET NX} lost with its connection, once after the server took the lock and once before it got
     * the command: the run reads the lock on the new connection and goes on. It failed, and the server held the lock
     * for the failed run, so a re-run in this process (or on another host) was refused for the whole lease.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theLocksSetLostWithItsConnectionIsReadBack(boolean ranIt, RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        MigrationPlan plan = float16PlanOfDocs(redis, dir);
        dev.slipway.testing.CuttingProxy proxy = new dev.slipway.testing.CuttingProxy(redis, "SET", 1)
                .holding(dev.slipway.internal.apply.MigrationLock.processOwner() + " plan " + plan.planId());
        try (dev.slipway.testing.CuttingProxy cut = ranIt ? proxy.afterTheServerRanIt() : proxy) {
            MigrationReport report = Slipway.configure().url(cut.url()).load().apply(plan, ApplyOptions.DEFAULTS
                    .withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true));

            assertThat(cut.cutsLeft()).as("the lock's SET was cut").isZero();
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        }
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.exists("slipway:lock:docs")).as("released at the end").isFalse();
        }
    }

    /**
     * A read of apply's checks before its first change (a second snapshot of the source, the server's settings) lost
     * with its connection, before the server got it and after it ran it: the read is sent again on a new connection
     * and the run goes on. It failed the run (exit 1, nothing changed), since only a fixed list of command names was
     * sent again, and these reads were not on it. So did the permission probe's: the commands it queues (an HSET
     * here) go with their MULTI, and the probe is made again; and the sample of documents that sizes the backup
     * (SCAN, HMGET), read on a connection of its own, is read again. The first connection cut in its handshake (its
     * PING, Jedis' CLIENT SETINFO) is made again too: it said "Cannot connect".
     */
    @ParameterizedTest
    @ValueSource(strings = {"FT.SYNDUMP", "MODULE", "CONFIG", "FT.DEBUG", "HSET", "SCAN", "HMGET", "PING", "CLIENT"})
    void aReadOfTheChecksLostWithItsConnectionIsSentAgain(String command, RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        MigrationPlan plan = float16PlanOfDocs(redis, dir);
        for (boolean ranIt : new boolean[] {false, true}) {
            dev.slipway.testing.CuttingProxy proxy = new dev.slipway.testing.CuttingProxy(redis, command, 1);
            try (dev.slipway.testing.CuttingProxy cut = ranIt ? proxy.afterTheServerRanIt() : proxy) {
                assertThatCode(() -> Slipway.configure().url(cut.url()).load().check(plan, ApplyOptions.DEFAULTS
                        .withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true))).doesNotThrowAnyException();
                assertThat(cut.cutsLeft()).as(command + " was sent, and cut").isZero();
            }
        }
    }

    /**
     * The drop-recreate steps' FT.DROPINDEX and FT.CREATE lost with their connection, before the server got them and
     * after it ran them: the drop is sent again (a second run says "Unknown index", taken for done), the create
     * looks the index up first and is sent again only when it is not there. Either failed the run (exit 1).
     */
    @ParameterizedTest
    @CsvSource({"FT.DROPINDEX,false", "FT.DROPINDEX,true", "FT.CREATE,false", "FT.CREATE,true"})
    void anIndexStepsCommandLostWithItsConnectionIsWorkedOut(String command, boolean ranIt, RedisStackServer redis,
                                                             @TempDir Path dir) throws Exception {
        MigrationPlan plan = float16PlanOfDocs(redis, dir);
        dev.slipway.testing.CuttingProxy proxy = new dev.slipway.testing.CuttingProxy(redis, command, 1)
                .holding("docs").skipping(1); // past the permission probe's, queued in a MULTI
        try (dev.slipway.testing.CuttingProxy cut = ranIt ? proxy.afterTheServerRanIt() : proxy) {
            MigrationReport report = Slipway.configure().url(cut.url()).load().apply(plan, ApplyOptions.DEFAULTS
                    .withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true));

            assertThat(cut.cutsLeft()).as(command + " was sent, and cut").isZero();
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        }
    }

    /**
     * A connection a verb opens for itself, outside the session's reconnects (the estimate's sample of keys), lost:
     * the library's caller gets a SlipwayException (REDIS_UNAVAILABLE), not a Jedis class, which the CLI printed as
     * "error: unexpected redis.clients...JedisConnectionException" (tester session 53 R47 T2 F4).
     */
    @Test
    void aLostConnectionOfAVerbsOwnIsASlipwayException(RedisStackServer redis, @TempDir Path dir) throws Exception {
        MigrationPlan plan = float16PlanOfDocs(redis, dir);
        try (dev.slipway.testing.CuttingProxy proxy = new dev.slipway.testing.CuttingProxy(redis, "SCAN", 1)) {
            Throwable lost = catchThrowable(() -> Slipway.configure().url(proxy.url()).load().estimate(plan));

            assertThat(proxy.cutsLeft()).as("the SCAN was sent, and cut").isZero();
            assertThat(lost).isInstanceOf(SlipwayException.class).hasMessageStartingWith("Lost the connection to "
                    + "Redis at " + proxy.url()).hasMessageContaining("Nothing was changed.")
                    .hasMessageNotContaining(".."); // Jedis' message ends with a full stop of its own
            assertThat(((SlipwayException) lost).code()).isEqualTo(ErrorCode.REDIS_UNAVAILABLE);
        }
        // the permission probe's connection lost inside its MULTI, at each of its three tries: its DISCARD went out on
        // the new connection and "Redis rejected DISCARD: ERR DISCARD without MULTI" (REDIS_ERROR) replaced the lost
        // connection as the error
        try (dev.slipway.testing.CuttingProxy proxy = new dev.slipway.testing.CuttingProxy(redis, "HSET", 3)) {
            Throwable lost = catchThrowable(() -> Slipway.configure().url(proxy.url()).load().check(plan,
                    ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)));

            assertThat(proxy.cutsLeft()).isZero();
            assertThat(lost).isInstanceOf(SlipwayException.class).hasMessageContaining("Lost the connection to "
                    + "Redis").hasMessageContaining("during HSET");
            assertThat(((SlipwayException) lost).code()).isEqualTo(ErrorCode.REDIS_UNAVAILABLE);
        }
    }

    /**
     * The write watch's listener connections killed in the middle of a rewrite ({@code CLIENT KILL TYPE pubsub}):
     * the rewrite stops at its next batch and fails, since a write by another client could no longer be seen (it went
     * on unwatched and exited 0, tester session 29 R6 M7). The re-run goes on with a new watch, names the batches
     * sent while nothing watched, and converts every document. A rollback that loses its watch restores everything
     * and fails (exit 1), since a write after the loss may have been overwritten unseen.
     */
    @Test
    void aLostWriteWatchStopsTheRewriteAndTheReRunNamesWhatWasNotWatched(RedisStackServer redis,
                                                                         @TempDir Path dir) {
        TreeMap<String, TreeMap<String, String>> before;
        try (Jedis jedis = redis.newJedis()) {
            before = RewriteFixture.hashDocs(jedis, Slipway.configure().url(redis.url()).load(),
                    VectorDataType.FLOAT32, DOCS, 5);
        }
        try (Jedis killer = redis.newJedis()) {
            KillAll listeners = new KillAll(killer, "rewriting documents", ClientType.PUBSUB);
            Slipway slipway = Slipway.configure().url(redis.url()).progress(listeners).load();
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 3);

            assertThatThrownBy(() -> slipway.apply(plan, options)).isInstanceOf(MigrationFailedException.class)
                    .hasMessageContaining("The write watch of index 'docs' stopped: ")
                    .hasMessageContaining("so the rewrite stopped after the batches it had sent")
                    .hasMessageContaining("Re-run 'slipway apply' with the same plan and --backup-dir");
            assertThat(listeners.killed).isTrue();
            try (Jedis jedis = redis.newJedis()) {
                assertThat(jedis.keys("doc:*").stream().filter(k -> jedis.hstrlen(k, "emb") == DIMS * 2L).count())
                        .as("stopped short of the end").isLessThan(DOCS);
            }

            MigrationReport report = Slipway.configure().url(redis.url()).load().apply(plan, options);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.steps()).anySatisfy(step -> assertThat(step.detail()).contains("an earlier run ended "
                    + "(killed, or unwatched) before its write watch had judged its last "));
            try (Jedis jedis = redis.newJedis()) {
                for (String key : jedis.keys("doc:*")) {
                    assertThat(jedis.hstrlen(key, "emb")).as(key).isEqualTo(DIMS * 2L);
                }
            }

            // lost while the rollback checks the documents, before it changes anything: it stops, nothing changed
            KillAll duringCheck = new KillAll(killer, "checking for changes since the migration", ClientType.PUBSUB);
            assertThatThrownBy(() -> Slipway.configure().url(redis.url()).progress(duringCheck).load()
                    .rollbackFromBackup(dir.resolve("backup"), 1))
                    .hasMessageContaining("before the rollback changed anything; nothing was changed");
            assertThat(duringCheck.killed).isTrue();
            assertThat(slipway.describe("docs").numDocs()).as("the migrated index still serves").isEqualTo(DOCS);

            // the rollback's watch lost the same way: it restores every document, then fails (exit 1) saying a
            // write made after the loss may have been overwritten unseen; a re-run finds the rollback done
            KillAll duringRestore = new KillAll(killer, "restoring originals", ClientType.PUBSUB);
            SlipwayException lost = catchThrowableOfType(() -> Slipway.configure().url(redis.url())
                    .progress(duringRestore).load().rollbackFromBackup(dir.resolve("backup"), 1),
                    SlipwayException.class);
            assertThat(lost.code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
            assertThat(lost).hasMessageContaining("The rollback finished (originals restored, index 'docs' recreated), but "
                            + "its write watch stopped (")
                    .hasMessageContaining("may have been overwritten by the original unseen");
            assertThat(duringRestore.killed).isTrue();
            try (Jedis jedis = redis.newJedis()) {
                assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            }
            RestoreResult again = Slipway.configure().url(redis.url()).load().rollbackFromBackup(dir.resolve("backup"),
                    1);
            assertThat(again.alreadyRolledBack()).as("a re-run finds the rollback done").isTrue();
            assertThat(again.documentsRestored()).isEqualTo(DOCS);
        }
    }

    /**
     * A stop requested while Redis is down ends the run at once as stopped (exit 130/143), with Redis still down:
     * it rode out every retry (8 minutes with 30) and then failed as a lost connection, exit 1 (tester session 47 R42
     * T3 F4). Once Redis is back, the re-run finishes the rewrite. The same in the read-only measuring of the
     * documents before the first change, whose retries outlasted a stop as well.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rewriting documents", "measuring documents"})
    void aStopWhileRedisIsDownStopsTheRunInsteadOfRetrying(String during, RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32, DOCS,
                    5);
        }
        StopSignal stop = new StopSignal();
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<RedisStackServer>> outage =
                new java.util.concurrent.atomic.AtomicReference<>();
        TaskProgress downThenStop = new TaskProgress() {
            @Override
            public void update(long done) {
                if (outage.get() == null && task().equals(during) && done >= 200) {
                    outage.set(redis.outage(8_000));
                    // once the reads under way have failed and are being retried
                    java.util.concurrent.CompletableFuture.runAsync(() -> stop.request("test"), java.util.concurrent
                            .CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.SECONDS));
                }
            }
        };
        Slipway slipway = Slipway.configure().url(redis.url()).progress(downThenStop).stopSignal(stop).load();
        MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
        ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                .withThroughput(50, 1, 0, 30);

        SlipwayException stopped = catchThrowableOfType(() -> slipway.apply(plan, options), SlipwayException.class);

        assertThat(outage.get()).as("Redis went down").isNotNull();
        assertThat(outage.get()).as("the run ended while Redis was still down").isNotDone();
        assertThat(stopped).isNotNull();
        assertThat(stopped.code()).isEqualTo(ErrorCode.STOPPED);
        if (stopped instanceof MigrationFailedException failed) { // a stop before the first change has no report
            assertThat(failed.report().result()).isEqualTo(MigrationReport.Result.STOPPED);
        }
        assertThat(stopped).hasMessageContaining("while Redis could not be reached");
        outage.get().get();
        MigrationReport resumed = Slipway.configure().url(redis.url()).load().apply(plan, options);
        assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        try (Jedis jedis = redis.newJedis()) {
            for (String key : hashes(jedis, "doc:*").keySet()) {
                assertThat(jedis.hstrlen(key, "emb")).as(key).isEqualTo(DIMS * 2L);
            }
            assertThat(hashes(jedis, "doc:*")).hasSize(DOCS);
        }
    }

    /**
     * A rollback whose write watch is lost, then killed before it finishes, is finished by a re-run that fails too
     * (exit 1, the same message): each record carries in the backup's header what the watch saw so far. Before, the
     * re-run exited 0 with the plain success text (tester session 37 R23 F1).
     */
    @Test
    void aWatchLostBeforeARollbackWasKilledFailsTheRunThatFinishesIt(RedisStackServer redis, @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        TreeMap<String, TreeMap<String, String>> before = migrated(redis, dir, backup, 6);
        try (Jedis killer = redis.newJedis()) {
            crashAfterFirstRecord(redis, backup, () -> {
                killer.clientKill(new redis.clients.jedis.params.ClientKillParams().type(ClientType.PUBSUB));
                java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L); // the listeners see it
            });
        }

        SlipwayException finished = finishingFails(redis, backup);

        assertThat(finished).hasMessageContaining("The rollback finished (originals restored, index 'docs' "
                + "recreated), but its write watch stopped (");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A rollback stopped on request (SIGTERM) after its watch was lost says in its stop message that the run that
     * finishes it will fail on that (tester session 37 R24 N4: only the re-run said so); the re-run does.
     */
    @Test
    void aRollbackStoppedAfterItsWatchWasLostSaysSo(RedisStackServer redis, @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        migrated(redis, dir, backup, 9);
        StopSignal stop = new StopSignal();
        try (Jedis killer = redis.newJedis()) {
            TaskProgress killThenStop = new TaskProgress() {
                private boolean killed;

                @Override
                public void update(long done) {
                    if (!task().equals("restoring originals") || done == 0) {
                        return;
                    }
                    if (!killed) {
                        killed = true;
                        killer.clientKill(new redis.clients.jedis.params.ClientKillParams().type(ClientType.PUBSUB));
                        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L); // the listeners see it
                    } else {
                        stop.request("test");
                    }
                }
            };
            SlipwayException stopped = catchThrowableOfType(() -> Slipway.configure().url(redis.url())
                    .progress(killThenStop).stopSignal(stop).load().rollbackFromBackup(backup, 1),
                    SlipwayException.class);

            assertThat(stopped).isNotNull();
            assertThat(stopped.code()).isEqualTo(ErrorCode.STOPPED);
            assertThat(stopped).hasMessageContaining("Its write watch had stopped (")
                    .hasMessageContaining("the run that finishes it will say so and exit 1");
        }
        assertThat(finishingFails(redis, backup)).hasMessageContaining("but its write watch stopped (");
    }

    /**
     * A change the rollback's watch saw, in a run then killed, fails the run that finishes the rollback and is named
     * there: each record lands with the changes judged so far in the header. Before, they were judged only at the end
     * of a run, and the re-run exited 0 (tester session 37 R24 N1).
     */
    @Test
    void aWriteSeenBeforeARollbackWasKilledFailsTheRunThatFinishesIt(RedisStackServer redis, @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        migrated(redis, dir, backup, 8);
        byte[] written = new byte[DIMS * 4]; // the application's own float32 vector, after the restore
        java.util.Arrays.fill(written, (byte) 0x3f);
        String[] changed = {null};
        try (Jedis app = redis.newJedis()) {
            crashAfterFirstRecord(redis, backup, () -> {
                changed[0] = app.keys("doc:*").stream().sorted().filter(k -> app.hstrlen(k, "emb") == DIMS * 4L)
                        .findFirst().orElseThrow();
                app.hset(RewriteFixture.bytes(changed[0]), RewriteFixture.bytes("emb"), written);
            });
        }

        SlipwayException finished = finishingFails(redis, backup);

        assertThat(finished).hasMessageContaining("another client changed documents while it ran (1 change seen)");
        assertThat(finished.problems()).containsExactly(changed[0]);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.hget(RewriteFixture.bytes(changed[0]), RewriteFixture.bytes("emb"))).isEqualTo(written);
        }
    }

    /**
     * {@value #DOCS} documents quantized to FLOAT16 by an apply in batches of 50, backed up in {@code backup};
     * returns them as they were before.
     */
    private static TreeMap<String, TreeMap<String, String>> migrated(RedisStackServer redis, Path dir, Path backup,
                                                                     long seed) {
        TreeMap<String, TreeMap<String, String>> before;
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            before = RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, seed);
        }
        MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                .withThroughput(50, 1, 0, 3)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        return before;
    }

    /**
     * Runs a rollback that does {@code afterFirstRecord} once its first record has landed, and dies (as by kill -9)
     * once it has restored 300 documents.
     */
    private static void crashAfterFirstRecord(RedisStackServer redis, Path backup, Runnable afterFirstRecord) {
        boolean[] done = {false};
        TaskProgress crashing = new TaskProgress() {
            @Override
            public void update(long restored) {
                if (!task().equals("restoring originals") || restored == 0) {
                    return;
                }
                if (!done[0]) {
                    done[0] = true;
                    afterFirstRecord.run();
                } else if (restored >= 300) {
                    throw new FaultyDocumentStore.Crash("killed part way");
                }
            }
        };
        catchThrowableOfType(() -> Slipway.configure().url(redis.url()).progress(crashing).load()
                .rollbackFromBackup(backup, 1), FaultyDocumentStore.Crash.class);
        assertThat(done[0]).isTrue();
    }

    /** The run that finishes a stopped rollback: it fails (exit 1). */
    private static SlipwayException finishingFails(RedisStackServer redis, Path backup) {
        SlipwayException finished = catchThrowableOfType(() -> Slipway.configure().url(redis.url()).load()
                .rollbackFromBackup(backup, 1), SlipwayException.class);
        assertThat(finished).isNotNull();
        assertThat(finished.code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
        return finished;
    }

    /**
     * Validation's search for documents in the old form rides out a server restart that takes 1.5 s (no server to
     * connect to meanwhile) with the default 5 retries, as apply's batches do, and reads every document again from
     * the first page; before, it retried a fixed 3 times (0.7 s) and failed every restart (tester session 37 R23 F3).
     * With {@code --retries 1} it fails, naming the lost connection.
     */
    @Test
    void validationsSearchForTheOldFormRidesOutASlowRestart(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32,
                    DOCS, 7);
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway, "docs", dir, "  rename_fields:\n    - {old_name: title, new_name: name}\n");
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))).result())
                .isEqualTo(MigrationReport.Result.SUCCEEDED);

        java.util.List<Thread> restarts = new java.util.concurrent.CopyOnWriteArrayList<>();
        assertThat(Slipway.configure().url(redis.url()).progress(restartTaking(redis, 1_500, restarts)).load()
                .validate(plan, java.util.List.of()).passed()).isTrue();

        SlipwayException lost = catchThrowableOfType(() -> Slipway.configure().url(redis.url())
                .progress(restartTaking(redis, 1_500, restarts)).load().validate(plan, java.util.List.of(), 1),
                SlipwayException.class);
        for (Thread restart : restarts) { // the server is back before the next test
            assertThatCode(() -> restart.join(60_000)).doesNotThrowAnyException();
        }
        assertThat(restarts).hasSize(2);
        assertThat(lost).isNotNull();
        assertThat(lost).hasMessageContaining("Lost the connection to Redis");
    }

    /**
     * A listener that, once the search for documents in the old form has read a page, restarts the server on a
     * thread of its own, down for {@code millis}, and lets the search go on once the server is down.
     */
    private static TaskProgress restartTaking(RedisStackServer redis, long millis, java.util.List<Thread> restarts) {
        return new TaskProgress() {
            private boolean started;

            @Override
            public void update(long done) {
                if (started || !task().equals("looking for documents in the old form") || done == 0) {
                    return;
                }
                started = true;
                Thread restart = new Thread(() -> redis.restartKeepingData(millis), "restart");
                restart.setDaemon(true);
                restart.start();
                restarts.add(restart);
                java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L); // saved and stopped by then
            }
        };
    }

    /**
     * With {@code --retries 0} a connection killed during the rewrite fails the run; the message says the connection
     * was lost, not only the client library's exception (tester session 35 R19 L1); a re-run finishes.
     */
    @Test
    void aConnectionLostWithNoRetriesIsNamedAsSuch(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32, DOCS,
                    5);
        }
        try (Jedis killer = redis.newJedis()) {
            KillAll duringRewrite = new KillAll(killer, "rewriting documents");
            Slipway slipway = Slipway.configure().url(redis.url()).progress(duringRewrite).load();
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 0);

            dev.slipway.api.SlipwayException failed = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> slipway.apply(plan, options), dev.slipway.api.SlipwayException.class);

            assertThat(duringRewrite.killed).isTrue();
            assertThat(failed).isNotNull();
            assertThat(failed.getMessage()).contains("Lost the connection to Redis").doesNotContain("redis.clients");
            assertThat(Slipway.configure().url(redis.url()).load().apply(plan, options).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
        }
    }
}
