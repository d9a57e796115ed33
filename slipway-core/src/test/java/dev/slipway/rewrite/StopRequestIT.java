package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.expectedHashes;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static dev.slipway.rewrite.RewriteFixture.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A stop requested through {@link StopSignal} (the CLI's Ctrl-C / SIGTERM) ends a run at a safe point: between
 * batches, with every batch either applied and counted or untouched, the progress saved, the checkpoint marked
 * {@code STOPPED} and the lock released; the same call then resumes and ends as a clean run. A stop during the checks
 * before the first change leaves nothing changed.
 */
@ExtendWith(RedisStackExtension.class)
class StopRequestIT {
    private static final int DOCS = 400;
    private static final int BATCH = 40;
    private static final long SEED = 11;
    private static final String RENAME_AND_QUANTIZE = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + RewriteFixture.EMB_TO_FLOAT16;

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(BATCH, 1, 0, 2);
    }

    /** A facade that {@code stop} may stop, with {@code trigger} as its progress listener (which requests it). */
    private static Slipway stoppedWhen(RedisStackServer redis, StopSignal stop, TaskProgress trigger) {
        return Slipway.configure().url(redis.url()).progress(trigger).stopSignal(stop).load();
    }

    private static MigrationFailedException stoppedApply(Slipway slipway, MigrationPlan plan, Path backup) {
        MigrationFailedException e = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                MigrationFailedException.class);
        assertThat(e).as("the apply stopped").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.STOPPED);
        assertThat(e.exitCode()).isEqualTo(130);
        assertThat(e.report().result()).isEqualTo(MigrationReport.Result.STOPPED);
        return e;
    }

    /** The keys of the backup's first {@code records} records. */
    private static List<String> backedUpKeys(Path backup, int records) {
        List<String> keys = new ArrayList<>();
        int[] seen = {0};
        try (BackupDirectory directory = BackupDirectory.openExisting(backup)) {
            directory.forEachRecord(0, r -> {
                if (seen[0]++ < records) {
                    r.documents().forEach(d -> keys.add(new String(d.key(), StandardCharsets.UTF_8)));
                }
            });
        }
        return keys;
    }

    private static IndexStatus status(Slipway slipway) {
        return slipway.status(Optional.of("docs")).get(0);
    }

    /** The facade, the documents as loaded, and the plan (rename title, FLOAT16 emb) of one test. */
    private record Migration(Slipway plain, TreeMap<String, TreeMap<String, String>> before, MigrationPlan plan) {
    }

    /** The hash index with {@value #DOCS} documents, and the plan of the test's migration. */
    private static Migration documentsAndPlan(RedisStackServer redis, Jedis jedis, Path dir) {
        Slipway plain = Slipway.configure().url(redis.url()).load();
        TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, plain,
                VectorDataType.FLOAT32, DOCS, SEED);
        return new Migration(plain, before, plan(plain, "docs", dir, RENAME_AND_QUANTIZE));
    }

    @Test
    void aStopDuringTheRewriteEndsBetweenBatchesAndTheSameCallResumes(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Migration given = documentsAndPlan(redis, jedis, dir);
            Path backup = dir.resolve("backup");
            StopSignal stop = new StopSignal();
            Slipway stopping = stoppedWhen(redis, stop, new TaskProgress() {
                @Override
                public void update(long done) {
                    if (rewriting() && done >= 3 * BATCH) {
                        stop.request("test: three batches are enough");
                    }
                }
            });

            MigrationFailedException e = stoppedApply(stopping, given.plan(), backup);

            assertThat(e.getMessage()).contains("stopped on request (test: three batches are enough)",
                    "The rewrite stopped after", "is not served until", "Re-run 'slipway apply' with the same plan");
            MigrationReport report = e.report();
            assertThat(step(report, "drop-index").status()).isEqualTo(StepReport.Status.DONE);
            assertThat(step(report, "rewrite-documents").status()).isEqualTo(StepReport.Status.STOPPED);
            assertThat(step(report, "create-index").status()).isEqualTo(StepReport.Status.NOT_RUN);
            assertThat(report.downtime().ongoing()).isTrue();
            IndexStatus status = status(given.plain());
            assertThat(status.migration()).hasValueSatisfying(m -> assertThat(m.status()).isEqualTo("STOPPED"));
            assertThat(status.lockOwner()).as("the lock is released, not left to expire").isEmpty();
            // the index is gone until the migration finishes: planning another change says which and how to finish
            SlipwayException planned = catchThrowableOfType(() -> plan(given.plain(), "docs", dir,
                    "  add_fields:\n    - {name: extra, type: tag}\n"), SlipwayException.class);
            assertThat(planned).isNotNull();
            assertThat(planned.exitCode()).isEqualTo(2);
            assertThat(planned.getMessage()).contains("Index 'docs' does not exist now: a migration of it (plan "
                    + given.plan().planId() + ", STOPPED", "re-running 'slipway apply' with that plan and --backup-dir",
                    "'slipway rollback --backup-dir ");
            BackupHeader header;
            try (BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                header = directory.header();
            }
            // every batch is whole: applied and counted in the header saved at the stop, or not touched at all
            assertThat(header.batchesApplied()).isEqualTo(header.batchesBackedUp());
            assertThat(header.documentsRewritten()).isBetween(3L * BATCH, DOCS - 1L);
            TreeMap<String, TreeMap<String, String>> now = hashes(jedis, "doc:*");
            List<String> backedUp = backedUpKeys(backup, Integer.MAX_VALUE);
            assertThat(backedUp).hasSize((int) header.documentsRewritten());
            assertThat(now.entrySet().stream().filter(d -> d.getValue().containsKey("name")).map(Map.Entry::getKey))
                    .containsExactlyInAnyOrderElementsOf(backedUp);
            assertThat(now.values().stream().filter(h -> h.containsKey("title")).count())
                    .isEqualTo(DOCS - header.documentsRewritten());

            // the signal stays requested: the same facade does not start again, and says how to (tester R30 F5)
            SlipwayException again = catchThrowableOfType(() -> stopping.apply(given.plan(), options(backup)),
                    SlipwayException.class);
            assertThat(again).isNotNull();
            assertThat(again.code()).isEqualTo(ErrorCode.STOPPED);
            assertThat(again.getMessage()).contains("requested before this apply began", "nothing was changed",
                    "Slipway.withStopSignal");
            assertThat(status(given.plain()).migration()).hasValueSatisfying(m -> assertThat(m.status())
                    .isEqualTo("STOPPED"));

            // nor does a call on an interrupted thread, which used to go on to drop indexes (tester session 45 R40 F4)
            String before = hashes(jedis, "doc:*").toString();
            Thread.currentThread().interrupt();
            SlipwayException interrupted;
            try {
                interrupted = catchThrowableOfType(() -> stopping.withStopSignal(new StopSignal()).apply(given.plan(),
                        options(backup)), SlipwayException.class);
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is the caller's").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(interrupted).isNotNull();
            assertThat(interrupted.code()).isEqualTo(ErrorCode.STOPPED);
            assertThat(interrupted.getMessage()).contains("thread was interrupted before this apply began",
                    "nothing was changed");
            assertThat(hashes(jedis, "doc:*").toString()).isEqualTo(before);

            MigrationReport resumed = stopping.withStopSignal(new StopSignal()).apply(given.plan(), options(backup));

            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(resumed.resumed()).isTrue();
            assertThat(step(resumed, "rewrite-documents").detail()).as("a stop judges every batch first")
                    .doesNotContain("an earlier run ended");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expectedHashes(given.before(), "doc:", "doc:",
                    Map.of("title", "name"), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            assertThat(given.plain().describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /**
     * A resume of a rewrite that moves keys measures only the documents still under the old prefix: it announces no
     * total it does not reach. It announced the plan's count (20,000) and measured 13,884 (tester session 53 R47 T2
     * F6).
     */
    @Test
    void aResumedKeyMoveAnnouncesNoTotalItsMeasuringDoesNotReach(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, plain, VectorDataType.FLOAT32, DOCS, SEED);
            MigrationPlan plan = plan(plain, "docs", dir, RENAME_AND_QUANTIZE + "  index:\n    prefix: 'item:'\n");
            Path backup = dir.resolve("backup");
            StopSignal stop = new StopSignal();
            List<String> measuring = new java.util.concurrent.CopyOnWriteArrayList<>();
            TaskProgress recorder = new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    super.begin(name, total, unit);
                    if (name.equals("measuring documents")) {
                        measuring.add("begin " + total);
                    }
                }

                @Override
                public void update(long done) {
                    if (task().equals("measuring documents")) {
                        measuring.add("update " + done);
                    }
                    if (rewriting() && done >= 3 * BATCH) {
                        stop.request("test: three batches are enough");
                    }
                }
            };
            stoppedApply(stoppedWhen(redis, stop, recorder), plan, backup);
            assertThat(measuring).as("a first run measures every document it announced").startsWith("begin " + DOCS)
                    .endsWith("update " + DOCS);
            measuring.clear();

            MigrationReport resumed = stoppedWhen(redis, new StopSignal(), recorder).apply(plan, options(backup));

            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(measuring).as("the resume's measuring: no total, and the documents left").first()
                    .isEqualTo("begin 0");
            long measured = Long.parseLong(measuring.get(measuring.size() - 1).substring("update ".length()));
            assertThat(measured).isBetween(1L, DOCS - 3L * BATCH);
        }
    }

    /**
     * A progress listener that throws does not fail the migration: thrown through, one from the rewrite's begin
     * failed a drop-recreate after the drop, its index unserved, and one from an update during the checks before the
     * first change left apply raw, without a report (tester session 40 R30 F6).
     */
    @Test
    void aProgressListenerThatThrowsDoesNotFailTheMigration(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Migration given = documentsAndPlan(redis, jedis, dir);
            List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
            ProgressListener broken = new ProgressListener() {
                @Override
                public void begin(String task, long total, String unit) {
                    calls.add("begin " + task);
                    throw new IllegalStateException("listener broke in begin");
                }

                @Override
                public void update(long done) {
                    calls.add("update");
                    throw new IllegalStateException("listener broke in update");
                }
            };
            Slipway slipway = Slipway.configure().url(redis.url()).progress(broken).load();

            MigrationReport report = slipway.apply(given.plan(), options(dir.resolve("backup")));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(calls).as("the listener was called, and threw").contains("update")
                    .anySatisfy(c -> assertThat(c).startsWith("begin rewriting documents"));
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expectedHashes(given.before(), "doc:", "doc:",
                    Map.of("title", "name"), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            assertThat(given.plain().describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /**
     * Vectors of neither length, left as they are, are counted in the header: the resumed run's summary gives every
     * one, not only those it read itself (tester session 24: a resume said 1 of 2).
     */
    @Test
    void vectorsOfUnexpectedLengthAreCountedAcrossAStop(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, plain, VectorDataType.FLOAT32, DOCS, SEED);
            for (int i = 0; i < DOCS; i += 50) { // the source index fails them too, before the plan
                jedis.hset(RewriteFixture.bytes("doc:" + i), RewriteFixture.bytes("emb"), new byte[] {1, 2, 3});
            }
            Migration given = new Migration(plain, null, plan(plain, "docs", dir, RENAME_AND_QUANTIZE));
            Path backup = dir.resolve("backup");
            StopSignal stop = new StopSignal();
            stoppedApply(stoppedWhen(redis, stop, new TaskProgress() {
                @Override
                public void update(long done) {
                    if (rewriting() && done >= DOCS / 2) {
                        stop.request("test: half is enough");
                    }
                }
            }), given.plan(), backup);

            MigrationReport resumed = given.plain().apply(given.plan(), options(backup));

            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(step(resumed, "rewrite-documents").detail())
                    .contains("; " + DOCS / 50 + " vectors of unexpected length left unchanged")
                    .as("named (tester session 53 R47 T2 F7), unless the SCAN order put all before the stop")
                    .containsPattern("left unchanged \\((such as doc:\\d+|all found before an interruption; this "
                            + "run kept their count, not their keys\\))");
            for (int i = 0; i < DOCS; i += 50) {
                assertThat(jedis.hget(RewriteFixture.bytes("doc:" + i), RewriteFixture.bytes("emb")))
                        .containsExactly(1, 2, 3);
            }
        }
    }

    /**
     * Documents the application changed before the rewrite reached them (here, a time to live on each) are in the
     * old form until it does: a stop before the end of the pass cannot tell them from documents written back in the
     * old form after their rewrite, so the resume scans every document again, and nothing is counted as a write.
     */
    @Test
    void aStopWithChangesItCannotJudgeYetHasTheResumeScanEveryDocument(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, plain, VectorDataType.FLOAT32, DOCS, SEED);
            Migration given = new Migration(plain, null, plan(plain, "docs", dir, RewriteFixture.EMB_TO_FLOAT16));
            Path backup = dir.resolve("backup");
            StopSignal stop = new StopSignal();
            MigrationFailedException stopped = stoppedApply(stoppedWhen(redis, stop, new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    super.begin(name, total, unit);
                    if (rewriting()) {
                        for (int i = 0; i < DOCS; i++) {
                            application.expire("doc:" + i, 3_600);
                        }
                        RewriteFixture.sleep(200); // seen by the watch before the first read
                    }
                }

                @Override
                public void update(long done) {
                    if (rewriting() && done >= DOCS / 2) {
                        stop.request("test: half is enough");
                    }
                }
            }), given.plan(), backup);

            assertThat(stopped.getMessage()).contains("documents another client changed meanwhile were still in the "
                    + "old form").contains("a resumed run scans every document again");
            BackupHeader header = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(header.phase()).isEqualTo(BackupHeader.Phase.RESCANNING);
            assertThat(header.cursor()).isEqualTo("0");

            MigrationReport resumed = given.plain().apply(given.plan(), options(backup));

            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(step(resumed, "rewrite-documents").detail()).contains("no writes by other clients seen")
                    .doesNotContain("an earlier run ended");
            for (int i = 0; i < DOCS; i++) {
                assertThat(jedis.hstrlen("doc:" + i, "emb")).as("doc:%d", i).isEqualTo(RewriteFixture.DIMS * 2L);
                assertThat(jedis.ttl("doc:" + i)).as("doc:%d", i).isPositive();
            }
        }
    }

    @Test
    void aStopBetweenStepsLeavesTheRestToTheResume(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Migration given = documentsAndPlan(redis, jedis, dir);
            Path backup = dir.resolve("backup");
            StopSignal stop = new StopSignal();
            Slipway stopping = stoppedWhen(redis, stop, new TaskProgress() {
                @Override
                public void message(String text) {
                    if (text.startsWith("step 3/")) { // create-index runs; the stop comes before the next step
                        stop.request("test");
                    }
                }
            });

            MigrationReport report = stoppedApply(stopping, given.plan(), backup).report();

            assertThat(report.steps()).extracting(StepReport::status).containsExactly(StepReport.Status.DONE,
                    StepReport.Status.DONE, StepReport.Status.DONE, StepReport.Status.NOT_RUN,
                    StepReport.Status.NOT_RUN);
            assertThat(report.error()).hasValueSatisfying(error -> assertThat(error)
                    .contains("before step 'wait-for-indexing'"));
            assertThat(status(given.plain()).migration()).hasValueSatisfying(m -> assertThat(m.completedSteps())
                    .containsExactly("drop-index", "rewrite-documents", "create-index"));

            MigrationReport resumed = given.plain().apply(given.plan(), options(backup));

            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(resumed.steps()).extracting(StepReport::status).containsExactly(
                    StepReport.Status.ALREADY_DONE, StepReport.Status.ALREADY_DONE, StepReport.Status.ALREADY_DONE,
                    StepReport.Status.DONE, StepReport.Status.DONE);
        }
    }

    @Test
    void aStopDuringTheConflictCheckChangesNothing(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Migration given = documentsAndPlan(redis, jedis, dir);
            StopSignal stop = new StopSignal();
            Slipway stopping = stoppedWhen(redis, stop, new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    if (name.equals("checking for conflicts")) {
                        stop.request("test");
                    }
                }
            });

            SlipwayException e = catchThrowableOfType(() -> stopping.apply(given.plan(),
                    options(dir.resolve("backup"))), SlipwayException.class);

            assertThat(e.code()).isEqualTo(ErrorCode.STOPPED);
            assertThat(e.getMessage()).contains("before anything changed");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(given.before());
            assertThat(given.plain().describe("docs").numDocs()).isEqualTo(DOCS);
            assertThat(status(given.plain()).migration()).isEmpty();
            assertThat(jedis.keys("slipway:*")).as("no checkpoint, no lock").isEmpty();
        }
    }

    @Test
    void aStoppedRollbackContinuesWhereItStopped(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Migration given = documentsAndPlan(redis, jedis, dir);
            Path backup = dir.resolve("backup");
            assertThat(given.plain().apply(given.plan(), options(backup)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            StopSignal stop = new StopSignal();
            Slipway stopping = stoppedWhen(redis, stop, new TaskProgress() {
                private int records;

                @Override
                public void update(long done) { // once per restored record (SCAN made their sizes uneven)
                    if (task().equals("restoring originals") && done > 0 && ++records == 2) {
                        stop.request("test");
                    }
                }
            });

            SlipwayException e = catchThrowableOfType(() -> stopping.rollbackFromBackup(backup, 1),
                    SlipwayException.class);

            assertThat(e.code()).isEqualTo(ErrorCode.STOPPED);
            assertThat(e.getMessage()).contains("The rollback stopped after restoring 2 of ", " records",
                    "'slipway rollback --backup-dir");
            try (BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                assertThat(directory.header().phase()).isEqualTo(BackupHeader.Phase.ROLLING_BACK);
                assertThat(directory.header().recordsRestored()).isEqualTo(2);
            }
            TreeMap<String, TreeMap<String, String>> now = hashes(jedis, "doc:*");
            assertThat(now.entrySet().stream().filter(d -> d.getValue().containsKey("title")).map(Map.Entry::getKey))
                    .as("restored: the documents of the first two records").containsExactlyInAnyOrderElementsOf(
                            backedUpKeys(backup, 2));
            assertThat(status(given.plain()).lockOwner()).isEmpty();
            // plan() names the rollback only: apply refuses until it finishes (tester session 40 R30 F8)
            SlipwayException planned = catchThrowableOfType(() -> plan(given.plain(), "docs", dir,
                    "  add_fields:\n    - {name: extra, type: tag}\n"), SlipwayException.class);
            assertThat(planned).isNotNull();
            assertThat(planned.exitCode()).isEqualTo(2);
            assertThat(planned.getMessage()).contains("ROLLING_BACK", "Its rollback began and did not finish",
                    "'slipway rollback --backup-dir " + backup).doesNotContain("slipway apply");

            // the resumed run's check for changes counts the records restored before, to every document (R38 F6)
            long[] checkTotalAndDone = {-1, -1};
            TaskProgress counting = new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    super.begin(name, total, unit);
                    if (name.equals("checking for changes since the migration")) {
                        checkTotalAndDone[0] = total;
                    }
                }

                @Override
                public void update(long done) {
                    if (task().equals("checking for changes since the migration")) {
                        checkTotalAndDone[1] = done;
                    }
                }
            };
            Slipway.configure().url(redis.url()).progress(counting).load().rollbackFromBackup(backup, 1);
            assertThat(checkTotalAndDone[0]).isEqualTo(DOCS);
            assertThat(checkTotalAndDone[1]).isEqualTo(DOCS);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(given.before());
            assertThat(given.plain().describe("docs").schema()).isEqualTo(given.plan().source().schema());
            assertThat(given.plain().describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }
}
