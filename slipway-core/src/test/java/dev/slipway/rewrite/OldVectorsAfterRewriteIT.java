package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;

import static dev.slipway.rewrite.RewriteFixture.DIMS;
import static dev.slipway.rewrite.RewriteFixture.EMB_TO_FLOAT16;
import static dev.slipway.rewrite.RewriteFixture.bytes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * An application that still writes FLOAT32 vectors after the rewrite converted its documents to FLOAT16 (tester
 * session 25, F3): the new index cannot index them, so validation fails, and it names the documents. A re-run of
 * apply rewrites them (a new pass, each backed up again first), whether the run that found them had rewritten
 * the documents itself (the next run does it) or only re-validated (it does it then and there). Documents the
 * rewrite cannot reach (under the prefix they moved to) are named, and the re-run says so instead of looping.
 */
@ExtendWith(RedisStackExtension.class)
class OldVectorsAfterRewriteIT {
    private static final int DOCS = 600;
    private static final long SEED = 11;
    private static final String REWRITE = "rewrite-documents";

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(100, 2, 0, 3);
    }

    private static byte[] float32(int seed) {
        return VectorCodec.encode(RewriteFixture.vector(seed, 0), VectorDataType.FLOAT32, null);
    }

    private static byte[] float16(int seed) {
        return VectorCodec.encode(RewriteFixture.vector(seed, 0), VectorDataType.FLOAT16, null);
    }

    private static ValidationCheck check(ValidationResult result, String name) {
        return result.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    /** {@value #DOCS} FLOAT32 documents of index {@code docs}, migrated to FLOAT16 with the backup in dir/backup. */
    private static MigrationPlan migratedToFloat16(Jedis jedis, Slipway slipway, Path dir) {
        RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
        MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
        assertThat(slipway.apply(plan, options(dir.resolve("backup"))).result())
                .isEqualTo(MigrationReport.Result.SUCCEEDED);
        return plan;
    }

    /** As {@link #migratedToFloat16}, then doc:7 written back in FLOAT32 by "the application", and indexed. */
    private static MigrationPlan migratedWithAnOldVectorInDoc7(Jedis jedis, Slipway slipway, Path dir) {
        MigrationPlan plan = migratedToFloat16(jedis, slipway, dir);
        jedis.hset(bytes("doc:7"), bytes("emb"), float32(7));
        RewriteFixture.waitIndexed(slipway, "docs");
        return plan;
    }

    /** A progress listener that runs {@code action} once a new pass of the rewrite has read 200 documents. */
    private static ProgressListener inTheNewPassAfter200(Runnable action) {
        return new ProgressListener() {
            private String task = "";

            @Override
            public void begin(String name, long total, String unit) {
                task = name;
            }

            @Override
            public void update(long done) {
                if (task.startsWith("rewriting documents (a new pass") && done >= 200) {
                    action.run();
                }
            }
        };
    }

    private static void assertAllFloat16(Jedis jedis, String prefix) {
        for (int i = 0; i < DOCS; i++) {
            assertThat(jedis.hstrlen(prefix + i, "emb")).as("%s%d", prefix, i).isEqualTo(DIMS * 2L);
        }
    }

    @Test
    void vectorsWrittenInTheOldFormatAfterThisRunsRewriteFailValidationByNameAndTheNextRunRewritesThem(
            RedisStackServer redis, @TempDir Path dir) {
        List<String> written = List.of("doc:3", "doc:300", "doc:599");
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis();
             RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10000)) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            StepBoundaryListener applicationWritesBack = new StepBoundaryListener() {
                @Override
                public void after(String step) {
                    if (step.equals(REWRITE)) {
                        for (int i = 0; i < written.size(); i++) {
                            application.hset(bytes(written.get(i)), bytes("emb"), float32(100 + i));
                        }
                    }
                }
            };
            MigrationExecutor executor = new MigrationExecutor(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                    .onStepBoundary(applicationWritesBack);

            MigrationFailedException failed = catchThrowableOfType(() -> executor.apply(plan, options(backup)),
                    MigrationFailedException.class);

            assertThat(failed).as("apply must fail validation").isNotNull();
            assertThat(failed.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            String oldVectors = failed.problems().stream().filter(p -> p.startsWith("old-vectors:")).findFirst()
                    .orElseThrow();
            assertThat(oldVectors).contains("3 documents hold a vector of the old datatype again")
                    .contains("emb FLOAT32 to FLOAT16").contains(written).contains("re-run 'slipway apply'");
            assertThat(check(failed.report().validation().orElseThrow(), "old-vectors").actual())
                    .isEqualTo("3 of " + DOCS + " documents");
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                    .as("the rewrite is reopened for the next run").isEqualTo(BackupHeader.Phase.RESCANNING);
            // status says so (tester session 26, #6: the steps alone listed validate as done, the rewrite not)
            assertThat(slipway.status(java.util.Optional.of("docs")).get(0).migration().orElseThrow().rewrite())
                    .isEqualTo("a new pass over every document is due or under way (after conflicts, writes by "
                            + "other clients, or vectors of the old datatype that validation found): " + DOCS
                            + " originals backed up, " + DOCS + " rewrites (a document a later pass took again counts "
                            + "again)");

            List<String> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
            Slipway watched = Slipway.configure().url(redis.url()).progress(new ProgressListener() {
                private String task = "";

                @Override
                public void begin(String name, long total, String unit) {
                    task = name;
                    shown.add(name + " of " + total);
                }

                @Override
                public void update(long done) {
                    if (task.startsWith("rewriting documents")) {
                        shown.add(Long.toString(done));
                    }
                }
            }).load();
            MigrationReport report = watched.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, REWRITE).status()).isEqualTo(StepReport.Status.DONE);
            // the new pass shows the documents it reads, from 0, not every rewrite so far (tester session 26)
            int begun = shown.indexOf("rewriting documents (a new pass, reading every document again) of " + DOCS);
            assertThat(begun).as("%s", shown).isNotNegative();
            assertThat(shown.get(begun + 1)).isEqualTo("0");
            assertThat(shown.get(shown.size() - 1)).isEqualTo(Integer.toString(DOCS));
            // the summary counts the new pass's reads and rewrites apart from all rewrites so far (tester F6)
            assertThat(RewriteFixture.step(report, REWRITE).detail()).startsWith("read " + DOCS
                    + " documents again (").contains("rewrote the 3 still in the old form; " + (DOCS + 3)
                    + " rewrites in all");
            for (int i = 0; i < written.size(); i++) {
                assertThat(jedis.hget(bytes(written.get(i)), bytes("emb"))).isEqualTo(float16(100 + i));
            }
            assertAllFloat16(jedis, "doc:");
            BackupHeader header = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(header.phase()).isEqualTo(BackupHeader.Phase.REWRITTEN);
            assertThat(header.documentsBackedUp()).as("the application's values are backed up too")
                    .isEqualTo(DOCS + written.size());
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    @Test
    void aReRunAfterAFinishedMigrationRewritesTheOldVectorsThatValidateNamed(RedisStackServer redis,
                                                                           @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
            byte[] original8 = jedis.hget(bytes("doc:8"), bytes("emb"));
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            assertThat(slipway.apply(plan, options(backup)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            jedis.hset(bytes("doc:7"), bytes("emb"), float32(7));
            jedis.hset(bytes("doc:70"), bytes("emb"), float32(70));
            RewriteFixture.waitIndexed(slipway, "docs");

            ValidationResult validated = slipway.validate(plan, List.of());

            assertThat(validated.passed()).isFalse();
            assertThat(check(validated, "indexing-failures").passed()).isFalse();
            assertThat(check(validated, "old-vectors").detail()).contains("doc:7").contains("doc:70")
                    .contains("re-run 'slipway apply' with the same plan");
            assertThat(check(validated, "old-vectors").documents()).containsExactlyInAnyOrder("doc:7", "doc:70");
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase()).as("validate changes nothing")
                    .isEqualTo(BackupHeader.Phase.REWRITTEN);

            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, REWRITE).status()).isEqualTo(StepReport.Status.ALREADY_DONE);
            assertThat(RewriteFixture.step(report, "validate").detail())
                    .contains("after rewriting the documents found with vectors of the old datatype: read " + DOCS
                            + " documents again (").contains("rewrote the 2 still in the old form");
            assertThat(jedis.hget(bytes("doc:7"), bytes("emb"))).isEqualTo(float16(7));
            assertThat(jedis.hget(bytes("doc:70"), bytes("emb"))).isEqualTo(float16(70));
            assertAllFloat16(jedis, "doc:");
            ValidationResult after = slipway.validate(plan, List.of());
            assertThat(after.passed()).isTrue();
            // the server keeps counting the two failed writes; the check says why it leaves them out (tester F5)
            assertThat(check(after, "indexing-failures").actual()).startsWith("0 (of 2 reported;")
                    .contains("written again in a form it indexes");
            assertThat(check(after, "document-count").actual()).as("tester session 27, F5").isEqualTo(DOCS + " ("
                    + DOCS + " indexed + 0 failing; the server reports 2 failures, the others of keys deleted or "
                    + "mended before)");
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().documentsBackedUp()).isEqualTo(DOCS + 2);

            // the rollback judges doc:7 and doc:70 by their last originals (the application's values, which the new
            // pass converted), not as changed since the migration, and counts each document once
            jedis.hset(bytes("doc:70"), bytes("emb"), float32(170));
            SlipwayException changed = catchThrowableOfType(() -> slipway.rollbackFromBackup(backup, 1),
                    SlipwayException.class);
            assertThat(changed.code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED);
            assertThat(changed.getMessage()).startsWith("1 backed-up document was changed since the rewrite backed "
                    + "it up");
            assertThat(changed.problems()).containsExactly("doc:70: field 'emb'");
            jedis.hset(bytes("doc:70"), bytes("emb"), float16(70)); // as the new pass left it

            RestoreResult restored = slipway.rollbackFromBackup(backup, 1);

            assertThat(restored.documentsRestored()).isEqualTo(DOCS);
            assertThat(restored.documentsMissing()).isZero();
            assertThat(jedis.hget(bytes("doc:7"), bytes("emb"))).as("the application's last value")
                    .isEqualTo(float32(7));
            assertThat(jedis.hget(bytes("doc:70"), bytes("emb"))).isEqualTo(float32(70));
            assertThat(jedis.hget(bytes("doc:8"), bytes("emb"))).as("an original").isEqualTo(original8);
        }
    }

    /**
     * A repair pass killed half-way (tester session 27, #1 and #2): the step is recorded undone before the pass, so the
     * next run does not only validate; it finishes the pass it resumes, and the documents written in the old format
     * before its resume point, which it did not read again, are repaired by a full pass at once, in the same run.
     */
    @Test
    void aRepairPassKilledHalfWayIsFinishedInFullByTheNextRun(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = migratedWithAnOldVectorInDoc7(jedis, slipway, dir);
            Path backup = dir.resolve("backup");
            ProgressListener killedInTheNewPass = inTheNewPassAfter200(() -> {
                throw new FaultyDocumentStore.Crash("inside the repair pass");
            });
            try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10000)) {
                Throwable killed = catchThrowable(() -> new MigrationExecutor(session, KeyNamespace.DEFAULT,
                        killedInTheNewPass).apply(plan, options(backup)));
                assertThat(killed).isInstanceOf(FaultyDocumentStore.Crash.class);
                assertThat(new CheckpointStore(session, KeyNamespace.DEFAULT).load("docs").orElseThrow()
                        .completedSteps()).as("recorded before the pass").doesNotContain(REWRITE);
            }
            for (int i = 0; i < DOCS; i += 10) { // before and after where the killed pass stopped
                jedis.hset(bytes("doc:" + i), bytes("emb"), float32(1000 + i));
            }
            RewriteFixture.waitIndexed(slipway, "docs");
            // a rollback now would overwrite them: it says that finishing the pass first keeps them (tester s27)
            SlipwayException asked = catchThrowableOfType(() -> slipway.rollbackFromBackup(backup, 1),
                    SlipwayException.class);
            assertThat(asked.code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED);
            assertThat(asked.getMessage()).contains("A pass of the rewrite is unfinished: re-running 'slipway apply' "
                    + "with the same plan finishes it");

            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, REWRITE).status()).isEqualTo(StepReport.Status.DONE);
            assertThat(RewriteFixture.step(report, "validate").detail()).contains("after rewriting the documents "
                    + "found with vectors of the old datatype: read " + DOCS + " documents again");
            assertAllFloat16(jedis, "doc:");
            assertThat(jedis.hget(bytes("doc:10"), bytes("emb"))).isEqualTo(float16(1010));
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                    .isEqualTo(BackupHeader.Phase.REWRITTEN);
        }
    }

    /**
     * A stop requested during a repair pass says the pass reads every document again (tester session 27: "300705 of
     * about 300000 documents rewritten", the header's count over every pass), and the same call finishes it.
     */
    @Test
    void aStopInARepairPassSaysItIsANewPassAndTheSameCallFinishesIt(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = migratedWithAnOldVectorInDoc7(jedis, slipway, dir);
            Path backup = dir.resolve("backup");
            StopSignal stop = new StopSignal();
            Slipway stopping = Slipway.configure().url(redis.url()).stopSignal(stop)
                    .progress(inTheNewPassAfter200(() -> stop.request("test: inside the repair pass"))).load();

            MigrationFailedException stopped = catchThrowableOfType(() -> stopping.apply(plan, options(backup)),
                    MigrationFailedException.class);

            assertThat(stopped).isNotNull();
            assertThat(stopped.code()).isEqualTo(ErrorCode.STOPPED);
            assertThat(stopped.getMessage()).contains("batches (in a new pass over every document; ")
                    .contains(" rewrites in all passes; their originals are in " + backup)
                    .doesNotContain(" of about ");
            assertThat(slipway.apply(plan, options(backup)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertAllFloat16(jedis, "doc:");
        }
    }

    /**
     * A new pass counts the vectors of unexpected length it reads, apart from the first pass's count (tester session
     * 26: it counted none, so one written since was not mentioned). Such a vector cannot be indexed, so validation
     * fails all the same, and its message still says what the pass did.
     */
    @Test
    void aNewPassCountsTheVectorsOfUnexpectedLengthItReads(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = migratedToFloat16(jedis, slipway, dir);
            Path backup = dir.resolve("backup");
            jedis.hset(bytes("doc:7"), bytes("emb"), float32(7));
            jedis.hset(bytes("doc:9"), bytes("emb"), new byte[]{1, 2, 3, 4, 5, 6});
            RewriteFixture.waitIndexed(slipway, "docs");

            MigrationFailedException failed = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    MigrationFailedException.class);

            assertThat(failed).as("doc:9 cannot be indexed").isNotNull();
            assertThat(failed.getMessage()).contains("rewrote the 1 still in the old form", "1 vector of unexpected "
                    + "length read by this pass and left unchanged (0 found by the first pass, such as doc:9)");
            assertThat(jedis.hget(bytes("doc:7"), bytes("emb"))).isEqualTo(float16(7));
        }
    }

    @Test
    void oldVectorsUnderTheNewPrefixAreNamedAndLeftToTheUser(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16 + "  index:\n    prefix: 'item:'\n");
            Path backup = dir.resolve("backup");
            assertThat(slipway.apply(plan, options(backup)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            jedis.hset(bytes("item:5"), bytes("emb"), float32(5));
            RewriteFixture.waitIndexed(slipway, "docs");

            MigrationFailedException failed = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    MigrationFailedException.class);

            assertThat(failed.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(failed.problems()).anySatisfy(p -> assertThat(p).startsWith("old-vectors:").contains("item:5")
                    .contains("1 of them are where the rewrite does not look"));
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase()).as("nothing to reopen")
                    .isEqualTo(BackupHeader.Phase.REWRITTEN);
            assertThat(jedis.hget(bytes("item:5"), bytes("emb"))).isEqualTo(float32(5));
            // the re-run only re-validated: the migration stays complete, so a later plan of the index is not
            // refused as coming before an unfinished one (tester session 26: it became FAILED)
            // but its validation is no longer listed as done (tester session 27: status said it was)
            try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10000)) {
                Checkpoint kept = new CheckpointStore(session, KeyNamespace.DEFAULT).load("docs").orElseThrow();
                assertThat(kept.status()).isEqualTo(Checkpoint.Status.COMPLETED);
                assertThat(kept.completedSteps()).doesNotContain("validate").contains(REWRITE);
            }
            MigrationPlan next = plan(slipway, "docs", dir, "  add_fields:\n    - {name: extra, type: tag}\n");
            slipway.check(next, ApplyOptions.DEFAULTS); // apply's checks before anything changes: not refused
            jedis.hset(bytes("item:5"), bytes("emb"), float16(5)); // mended: the next re-run validates and records it
            RewriteFixture.waitIndexed(slipway, "docs");
            assertThat(slipway.apply(plan, options(backup)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(slipway.status(java.util.Optional.of("docs")).get(0).migration().orElseThrow()
                    .completedSteps()).contains("validate");
        }
    }
}
