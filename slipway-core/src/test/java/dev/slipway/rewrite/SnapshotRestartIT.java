package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.BackupRestorer;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.keys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The server restarts, during apply, from a snapshot taken before the migration began (a server that only saves
 * snapshots, killed): the original index and documents are back and the checkpoint is gone. The run that survives
 * the restart must not write its checkpoint onto that server, and the re-run must finish the migration (tester
 * session 35 R19 M1: the surviving run saved "drop-index done", so the re-run rewrote every document under the
 * original index and failed to create the new one; after a restart during the wait for indexing, every re-run failed
 * validation).
 */
@ExtendWith(RedisStackExtension.class)
class SnapshotRestartIT {
    private static final int DOCS = 1500;
    private static final String COMBINED = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + "  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n  index:\n    prefix: 'item:'\n";

    @TempDir
    Path dir;

    @Test
    void aRestartFromAnOlderSnapshotDuringTheRewriteIsFinishedByTheReRun(RedisStackServer redis) {
        restartThenReRun(redis, "rewriting documents", DOCS / 3);
    }

    @Test
    void aRestartFromAnOlderSnapshotDuringTheWaitForIndexingIsFinishedByTheReRun(RedisStackServer redis) {
        restartThenReRun(redis, "indexing docs", 0);
    }

    /**
     * A snapshot taken a third into the rewrite, which the server restarts from once the pass has landed its last
     * batch, before the step finished: the run fails (its write watch lost its connection), and the re-run, finding
     * a pass that read every page on another server, reads every document again (tester session 51 R44 T1 M1: it
     * took the pass for done, and every re-run failed validation with two thirds of the documents in the old form).
     */
    @Test
    void aRestartFromASnapshotAfterThePassLandedItsLastBatchIsFinishedByTheReRun(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);

            applyThrough(redis, plan, new SnapshotAThirdIn(redis, false));

            assertThat(slipway.status(Optional.of("docs")).get(0).migration().orElseThrow().rewrite())
                    .contains("the server restarted since", "the next apply reads every document again");
            reRunFinishes(redis, slipway, plan, before);
        }
    }

    /**
     * A snapshot taken a third into the rewrite, which the server restarts from when the rewrite has finished its
     * work and before apply records the step done: past the rewrite's last look at the server and its write watch,
     * and with the snapshot holding the checkpoint apply saved last, so the checkpoint's fence lets the save through.
     * The run carried on, recorded the rewrite done over two thirds of the documents in the old form, and every re-run
     * failed validation (tester session 51 R44 T1). Now the step is not recorded, the run fails saying why, and the
     * re-run finishes.
     */
    @Test
    void aRestartFromASnapshotJustBeforeTheRewriteIsRecordedDoneIsFinishedByTheReRun(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);

            SlipwayException failed = applyThrough(redis, plan, new SnapshotAThirdIn(redis, true));

            assertThat(failed).as("the run that lived through the restart fails").isNotNull()
                    .hasMessageContaining("The server restarted during step 'rewrite-documents'");
            reRunFinishes(redis, slipway, plan, before);
        }
    }

    /**
     * Saves a snapshot a third into the rewrite and restarts the server from it: once the pass has landed its last
     * batch, or ({@code atTaskEnd}) when the rewrite's task ends, its work done, inside its step.
     */
    private static final class SnapshotAThirdIn extends TaskProgress {
        private final RedisStackServer redis;
        private final boolean atTaskEnd;
        private boolean saved;
        private boolean restarted;

        SnapshotAThirdIn(RedisStackServer redis, boolean atTaskEnd) {
            this.redis = redis;
            this.atTaskEnd = atTaskEnd;
        }

        @Override
        public void update(long now) {
            if (!rewriting()) {
                return;
            }
            if (now >= DOCS / 3 && !saved) {
                saved = true;
                try (Jedis saving = redis.newJedis()) {
                    saving.save();
                }
            } else if (!atTaskEnd && now >= DOCS) {
                restartOnce();
            }
        }

        @Override
        public void end() {
            if (atTaskEnd && rewriting()) {
                restartOnce();
            }
        }

        private void restartOnce() {
            if (saved && !restarted) {
                restarted = true;
                redis.restartFromLastSave();
            }
        }
    }

    private static ApplyOptions throughARestart(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(50, 1, 0, 3);
    }

    /** Applies {@code plan} while {@code restart} restarts the server; returns what the run threw. */
    private SlipwayException applyThrough(RedisStackServer redis, MigrationPlan plan, SnapshotAThirdIn restart) {
        SlipwayException failed = catchThrowableOfType(() -> Slipway.configure().url(redis.url()).progress(restart)
                .load().apply(plan, throughARestart(dir.resolve("backup"))), SlipwayException.class);
        assertThat(restart.restarted).isTrue();
        return failed;
    }

    /** The re-run of the same apply succeeds, and every document ends migrated. */
    private void reRunFinishes(RedisStackServer redis, Slipway slipway, MigrationPlan plan,
                               TreeMap<String, TreeMap<String, String>> before) {
        MigrationReport report = slipway.apply(plan, throughARestart(dir.resolve("backup")));
        assertThat(report.result()).as("%s", report.error()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertMigrated(redis, before);
    }

    /**
     * A snapshot taken during the rewrite, which the server restarts from after the rewrite finished: the backup
     * header says every document was rewritten, the checkpoint (from the snapshot) that the rewrite is still to do, and
     * half the documents are in the old form again. Status says so instead of "every document rewritten" (tester
     * session 42 R33 F13), and the re-run rewrites them.
     */
    @Test
    void statusAfterARestartFromASnapshotTakenDuringTheRewriteSaysTheRewriteIsToBeReadAgain(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
            boolean[] saved = {false};
            boolean[] restarted = {false};
            TaskProgress progress = new TaskProgress() {
                @Override
                public void update(long now) {
                    if (task().equals("rewriting documents") && now >= DOCS / 2 && !saved[0]) {
                        saved[0] = true;
                        try (Jedis saving = redis.newJedis()) {
                            saving.save();
                        }
                    } else if (task().equals("indexing docs") && saved[0] && !restarted[0]) {
                        restarted[0] = true;
                        redis.restartFromLastSave();
                    }
                }
            };
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 3);
            catchThrowableOfType(() -> Slipway.configure().url(redis.url()).progress(progress).load().apply(plan,
                    options), SlipwayException.class);
            assertThat(restarted[0]).isTrue();

            IndexStatus.MigrationStatus status = slipway.status(Optional.of("docs")).get(0).migration()
                    .orElseThrow();
            assertThat(status.rewrite()).startsWith("the backup says every document was rewritten (").contains(
                    "the server restarted since and the checkpoint does not record the rewrite as done",
                    "the next apply reads every document again");

            assertThat(slipway.apply(plan, options).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertMigrated(redis, before);

            // the backup holds the documents the re-run read again twice; the rollback's last look counts each once
            Map<String, Long> totals = new java.util.LinkedHashMap<>();
            ProgressListener recording = new ProgressListener() {
                @Override
                public void begin(String name, long total, String unit) {
                    totals.put(name, total);
                }
            };
            Slipway.configure().url(redis.url()).progress(recording).load().rollbackFromBackup(dir.resolve("backup"),
                    3);
            assertThat(totals.get("restoring originals")).isGreaterThan(DOCS);
            assertThat(totals).hasEntrySatisfying("looking for documents left in the migrated form", total ->
                    assertThat(total).isEqualTo(DOCS));
        }
    }

    /**
     * A restart that keeps the data (saved first) during the rewrite, without the write watch (whose listeners a
     * restart breaks): the run makes a new pass over every document left under the old prefix and finishes; its
     * summary says what each pass rewrote, the two adding up to every document (tester session 35 R19 L2: it said
     * it "rewrote the 20000 still in the old form", counting the first pass's rewrites too).
     */
    @Test
    void aRestartKeepingTheDataDuringTheRewriteSaysWhatEachPassDid(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
            boolean[] restarted = {false};
            java.util.List<String> rewrites = new java.util.ArrayList<>(); // each rewriting task, with its last figure
            java.util.List<Long> lastDone = new java.util.ArrayList<>();
            java.util.List<Long> totals = new java.util.ArrayList<>();
            TaskProgress restart = new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    super.begin(name, total, unit);
                    if (rewriting()) {
                        rewrites.add(name);
                        lastDone.add(0L);
                        totals.add(total);
                    }
                }

                @Override
                public void update(long now) {
                    if (rewriting()) {
                        lastDone.set(lastDone.size() - 1, now);
                    }
                    if (rewriting() && now >= DOCS / 3 && !restarted[0]) {
                        restarted[0] = true;
                        redis.restartKeepingData();
                    }
                }
            };
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 5).withWriteWatch(false);

            MigrationReport report = Slipway.configure().url(redis.url()).progress(restart).load().apply(plan,
                    options);

            assertThat(restarted[0]).isTrue();
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            String summary = report.steps().stream().filter(s -> s.name().equals("rewrite-documents")).findFirst()
                    .orElseThrow().detail();
            java.util.regex.Matcher passes = java.util.regex.Pattern.compile("^rewrote ([0-9]+) documents, then \\(the "
                    + "server restarted during that pass\\) read [0-9]+ documents again \\([0-9]+ docs/s\\) and "
                    + "rewrote the ([0-9]+) still in the old form; " + DOCS + " rewrites in all").matcher(summary);
            assertThat(passes.find()).as(summary).isTrue();
            assertThat(Long.parseLong(passes.group(1)) + Long.parseLong(passes.group(2))).as("each document once")
                    .isEqualTo(DOCS);
            // the new pass's progress is its own reads, from none to every document left under the old prefix (it
            // went on from the first pass's count: tester session 44 R38 F6)
            assertThat(rewrites).hasSize(2);
            assertThat(rewrites.get(1)).contains("a new pass after a server restart");
            assertThat(totals.get(1)).isEqualTo(DOCS - Long.parseLong(passes.group(1)));
            assertThat(lastDone.get(1)).isEqualTo(totals.get(1));
            assertMigrated(redis, before);
        }
    }

    /**
     * Takes the server down for {@code downMillis} once the rewrite is a third through, and up again on another
     * thread: the rewrite's connections meet the outage and retry.
     */
    private static final class OutageAtAThird extends TaskProgress {
        private final RedisStackServer redis;
        private final long downMillis;
        private volatile java.util.concurrent.CompletableFuture<RedisStackServer> outage;

        OutageAtAThird(RedisStackServer redis, long downMillis) {
            this.redis = redis;
            this.downMillis = downMillis;
        }

        @Override
        public void update(long now) {
            if (rewriting() && now >= DOCS / 3 && outage == null) {
                outage = redis.outage(downMillis);
            }
        }

        /** Asserts that the outage began, and waits until the server is up again. */
        void outageOver() {
            assertThat(outage).as("the outage began").isNotNull();
            outage.join();
        }
    }

    /**
     * A restart (data kept) that keeps the server down longer than the configured lock lease, during the rewrite of
     * an apply whose --retries wait longer than that: the lease is made long enough for them, so the run rides the
     * outage out and finishes (tester session 37 R23 L3: the lock's 30 s lease ran out first, whatever --retries said,
     * and the run stopped on "Lost the migration lock").
     */
    @Test
    void anOutageLongerThanTheLockLeaseIsRiddenOutWhenTheRetriesWaitLonger(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
            OutageAtAThird progress = new OutageAtAThird(redis, 4_000);
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 7).withWriteWatch(false); // 12.7 s of retries

            MigrationReport report = Slipway.configure().url(redis.url()).progress(progress)
                    .lockLease(java.time.Duration.ofSeconds(2)).load().apply(plan, options);

            progress.outageOver();
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);

            assertMigrated(redis, before);
        }
    }

    /**
     * A restart (data kept) that keeps the server down 7 s right after validate's scan for documents in the old form,
     * where its next check asks on its own connection: with --retries 7 (12.7 s of retries) the connection rides it
     * out as the scans do (it gave up after 5 s, whatever --retries said, session 38).
     */
    @Test
    void validateRidesOutAnOutageAsLongAsItsRetriesOnEveryConnection(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 500, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
            slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true));
            java.util.concurrent.CompletableFuture<?>[] restart = {null};
            TaskProgress progress = new TaskProgress() {
                @Override
                public void end() {
                    if (task().startsWith("looking for documents") && restart[0] == null) {
                        restart[0] = redis.outage(7_000);
                    }
                    forgetTask();
                }
            };

            dev.slipway.api.plan.ValidationResult result = Slipway.configure().url(redis.url()).progress(progress)
                    .load().validate(plan, List.of(), 7);

            assertThat(restart[0]).as("the outage began").isNotNull();
            restart[0].join();
            assertThat(result.passed()).as(result.toString()).isTrue();
        }
    }

    /**
     * A restart (data kept) during a float16 rewrite without the write watch: the pages read after it, on the old
     * cursor, met documents the pass had rewritten before it, and the summary counted them as found in the new form,
     * "written so by the application" (tester session 38 R25 F5: 3,650 of 20,000). The reader now ends the pass at
     * the restart, and the new pass does not count.
     */
    @Test
    void aRestartDuringTheRewriteIsNotTakenForTheApplicationsWrites(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            OutageAtAThird progress = new OutageAtAThird(redis, 500);
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 5).withWriteWatch(false);

            MigrationReport report = Slipway.configure().url(redis.url()).progress(progress).load().apply(plan,
                    options);

            progress.outageOver();
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("the server restarted during that pass").doesNotContain("already had");
            try (Jedis after = redis.newJedis()) {
                for (String key : keys(after, "doc:*")) {
                    assertThat(after.hstrlen(key, "emb")).as(key).isEqualTo(RewriteFixture.DIMS * 2L);
                }
            }
        }
    }

    /**
     * A server that restarts during every pass (here: one whose run_id changes at every look) ends each pass at the
     * restart; after the last pass the run allows, it stops, not recorded as rewritten, since not every document was
     * read. A re-run on a steady server finishes.
     */
    @Test
    void aRunWhoseServerRestartsDuringEveryPassStopsUnfinished(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
            Path backup = dir.resolve("backup");
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 3).withWriteWatch(false);
            java.util.concurrent.atomic.AtomicInteger looks = new java.util.concurrent.atomic.AtomicInteger();

            Throwable stopped = catchThrowable(() -> crashedThenRewritten(redis, plan, options,
                    pages -> Integer.toString(looks.incrementAndGet())));

            assertThat(stopped).isInstanceOf(SlipwayException.class);
            assertThat(stopped.getMessage()).startsWith("The server restarted during every pass of the rewrite (4 "
                    + "passes), so not every document was read. Nothing was lost");
            BackupHeader header = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(header.phase()).isNotEqualTo(BackupHeader.Phase.REWRITTEN);
            assertThat(header.documentsRewritten()).isLessThan(DOCS); // none: every pass ended at its first look

            assertThat(slipway.apply(plan, options).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertMigrated(redis, before);
        }
    }

    /**
     * A server that restarts during the first pass and again during the next: the summary says so and counts the new
     * passes, which together read more documents than there are (tester session 38 R26 F-E: it spoke of one restart
     * and "read 22849 documents again" of 20,000). Here the run_id a look finds changes after the 5th and the 12th
     * SCAN page.
     */
    @Test
    void aSummaryCountsEveryRestartAndTheirPasses(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
            Path backup = dir.resolve("backup");
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 3).withWriteWatch(false);
            String summary = crashedThenRewritten(redis, plan, options, pages -> pages < 5 ? "a" : pages < 12 ? "b"
                    : "c");

            assertThat(summary).containsPattern("^rewrote [0-9]+ documents, then \\(the server restarted during "
                    + "that pass, and 1 of the new passes too\\) read [0-9]+ documents again in 2 passes ");
            assertThat(slipway.apply(plan, options).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertMigrated(redis, before);
        }
    }

    /**
     * The server restarts, from a snapshot taken after the migration, once the rollback's restore passes have looked
     * at its run_id for the last time and before the index step: the restores are lost, and the index step works on a
     * server that holds the migrated documents and indexes again. The run fails saying so, not with what the index
     * step met (tester session 37 R23 L1: a raw "Unknown index name" from FT.ALIASUPDATE), and is not recorded as
     * done; the re-run restores every record again.
     */
    @Test
    void aRestartFromAnOlderSnapshotBeforeTheRollbacksIndexStepIsFinishedByTheReRun(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = migratedThenSaved(jedis, slipway);
            Path backup = dir.resolve("backup");

            boolean[] restored = {false};
            boolean[] restarted = {false};
            TaskProgress progress = new TaskProgress() {
                @Override
                public void end() {
                    if (task().equals("restoring originals")) {
                        restored[0] = true;
                    }
                }
            };
            RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
            Throwable failed;
            try (RedisSession session = RedisSession.open(endpoint, 10_000).reconnecting(5);
                 BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                failed = catchThrowable(() -> new BackupRestorer(session, KeyNamespace.DEFAULT, progress)
                        .withConnector(() -> new ForwardingDocumentStore(JedisDocumentStore.open(endpoint)) {
                            @Override
                            public List<Object> execute(List<Command> commands) {
                                List<Object> replies = delegate.execute(commands);
                                // the passes' last look at the run_id, which still finds the server they wrote to
                                if (restored[0] && !restarted[0] && commands.get(0).name().equals("INFO")) {
                                    restarted[0] = true;
                                    redis.restartFromLastSave();
                                }
                                return replies;
                            }
                        })
                        .restore(directory, 1, 3, false));
            }

            assertThat(restarted[0]).isTrue();
            assertThat(failed).isInstanceOf(SlipwayException.class);
            assertThat(((SlipwayException) failed).exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).startsWith("The server restarted after the rollback restored the "
                    + "originals (run_id ").contains("Nothing is lost", "Re-run the same 'slipway rollback' command")
                    .doesNotContain("Drop it"); // what the index step met is not quoted (tester R26 F-B)
            reRunRestoresEverything(redis, slipway, backup, before);
        }
    }

    /**
     * The server restarts from a snapshot taken after the migration while the rollback's last look runs, after the
     * index step: the restores and the recreated index are lost. The last look, begun again on the restarted server,
     * found nothing in the migrated form where it looked (the documents are back under the new prefix), and the run
     * exited 0 saying it had restored them, its header ROLLED_BACK, so that every re-run refused (tester session 38
     * R25 F1). It fails now, the header still ROLLING_BACK, and the re-run restores every record again.
     */
    @Test
    void aRestartFromAnOlderSnapshotDuringTheRollbacksLastLookIsFinishedByTheReRun(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = migratedThenSaved(jedis, slipway);
            Path backup = dir.resolve("backup");
            boolean[] restarted = {false};
            TaskProgress restart = new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    super.begin(name, total, unit);
                    if (name.startsWith("looking for") && !restarted[0]) {
                        restarted[0] = true;
                        redis.restartFromLastSave();
                    }
                }
            };

            SlipwayException failed = catchThrowableOfType(() -> Slipway.configure().url(redis.url())
                    .progress(restart).load().rollbackFromBackup(backup, 1), SlipwayException.class);

            assertThat(restarted[0]).isTrue();
            assertThat(failed).isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).startsWith("The server restarted after the rollback restored the "
                    + "originals (run_id ").contains("Re-run the same 'slipway rollback' command")
                    .doesNotContain("The rollback finished"); // the last look's verdict is not quoted (R26 F-B)
            reRunRestoresEverything(redis, slipway, backup, before);
        }
    }

    /**
     * {@value #DOCS} documents migrated by the combined plan with a backup in {@code backup} under the test's
     * directory, then saved: the snapshot a restart loads. Returns them as they were before.
     */
    private TreeMap<String, TreeMap<String, String>> migratedThenSaved(Jedis jedis, Slipway slipway) {
        TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                VectorDataType.FLOAT32, DOCS, 35);
        MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                .withAcceptDataLoss(true).withThroughput(50, 1, 0, 3)).result())
                .isEqualTo(MigrationReport.Result.SUCCEEDED);
        jedis.save();
        return before;
    }

    /** The failed rollback left the backup ROLLING_BACK; a re-run restores every document as it was. */
    private static void reRunRestoresEverything(RedisStackServer redis, Slipway slipway, Path backup,
                                                TreeMap<String, TreeMap<String, String>> before) {
        assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                .isEqualTo(BackupHeader.Phase.ROLLING_BACK);

        slipway.rollbackFromBackup(backup, 1);

        try (Jedis after = redis.newJedis()) {
            assertThat(hashes(after, "doc:*")).isEqualTo(before);
            assertThat(keys(after, "item:*")).isEmpty();
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /**
     * An apply that crashed before its rewrite step, then that step run to its end over connections whose INFO
     * reports the run_id {@code runId} gives for the number of SCAN pages read so far: a server that restarts when
     * the test says. Returns the step's summary.
     */
    private static String crashedThenRewritten(RedisStackServer redis, MigrationPlan plan, ApplyOptions options,
                                               java.util.function.IntFunction<String> runId) {
        Crashes.applyAndCrashAt(redis.url(), plan, options, "before", "rewrite-documents");
        java.util.concurrent.atomic.AtomicInteger pages = new java.util.concurrent.atomic.AtomicInteger();
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        try (BackupDirectory directory = BackupDirectory.openForPlan(options.backupDir().orElseThrow(), plan);
             WorkerPool pool = new WorkerPool(() -> new ForwardingDocumentStore(JedisDocumentStore.open(endpoint)) {
                 @Override
                 public ScanPage scan(String cursor, String pattern, int count, String type) {
                     pages.incrementAndGet();
                     return delegate.scan(cursor, pattern, count, type);
                 }

                 @Override
                 public List<Object> execute(List<Command> commands) {
                     if (commands.size() == 1 && commands.get(0).name().equals("INFO")) {
                         return List.of("# Server\r\nrun_id:" + runId.apply(pages.get()) + "\r\n");
                     }
                     return delegate.execute(commands);
                 }
             }, 1, 0)) {
            return new RewriteEngine(plan, directory, pool, dev.slipway.api.ProgressListener.NONE,
                    new RewriteSettings(50, 0)).run();
        }
    }

    /**
     * A rollback that finished (exit 0) on a server that then went back to a snapshot taken before it, which holds the
     * migrated index, documents and checkpoint again: the next rollback runs again and restores everything. Every
     * re-run refused it as a finished rollback, whose index "has another schema since" (tester session 38 R26 F-D).
     * Once done, a further run changes nothing.
     */
    @Test
    void aFinishedRollbackUndoneByARestartFromAnOlderSnapshotRunsAgain(RedisStackServer redis) {
        TreeMap<String, TreeMap<String, String>> before;
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path backup = dir.resolve("backup");
        try (Jedis jedis = redis.newJedis()) {
            before = migratedThenSaved(jedis, slipway);
            assertThat(slipway.rollbackFromBackup(backup, 1).alreadyRolledBack()).isFalse();
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
        redis.restartFromLastSave();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(keys(jedis, "item:*")).as("migrated again").hasSize(DOCS);

            assertThat(slipway.rollbackFromBackup(backup, 1).alreadyRolledBack()).isFalse();

            assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                    .isEqualTo(BackupHeader.Phase.ROLLED_BACK);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(keys(jedis, "item:*")).isEmpty();
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
            assertThat(slipway.rollbackFromBackup(backup, 1).alreadyRolledBack()).as("the same server: done")
                    .isTrue();
        }
    }

    /** Every document of {@code before} is under "item:" in the form the combined rewrite gives it. */
    private static void assertMigrated(RedisStackServer redis, TreeMap<String, TreeMap<String, String>> before) {
        try (Jedis after = redis.newJedis()) {
            assertThat(hashes(after, "item:*")).isEqualTo(RewriteFixture.expectedHashes(before, "doc:", "item:",
                    Map.of("title", "name"), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
        }
    }

    /** Restarts the server from the snapshot when {@code task} has reached {@code done}; then re-runs apply. */
    private void restartThenReRun(RedisStackServer redis, String task, long done) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                    VectorDataType.FLOAT32, DOCS, 35);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, COMBINED);
            jedis.save(); // the snapshot the server restarts from: before the migration
            boolean[] restarted = {false};
            TaskProgress restart = new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    super.begin(name, total, unit);
                    update(0);
                }

                @Override
                public void update(long now) {
                    if (task().equals(task) && now >= done && !restarted[0]) {
                        restarted[0] = true;
                        redis.restartFromLastSave();
                    }
                }
            };
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true)
                    .withThroughput(50, 1, 0, 3);

            SlipwayException failed = catchThrowableOfType(() -> Slipway.configure().url(redis.url())
                    .progress(restart).load().apply(plan, options), SlipwayException.class);

            assertThat(restarted[0]).isTrue();
            assertThat(failed).as("the run that lived through the restart fails").isNotNull();
            assertThat(failed).as("and says the server restarted").hasMessageMatching("(?s).*The server restarted "
                    + "during (the run|step '[a-z-]+') \\(run_id .*");
            try (Jedis after = redis.newJedis()) {
                assertThat(keys(after, "slipway:*")).as("no checkpoint written onto the restarted server")
                        .noneMatch(k -> k.contains("checkpoint"));
                MigrationReport report = slipway.apply(plan, options);
                assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
                assertMigrated(redis, before);
                assertThat(keys(after, "doc:*")).isEmpty();
                assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
            }
        }
    }
}
