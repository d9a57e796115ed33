package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.BackupRestorer;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import static dev.slipway.rewrite.RewriteFixture.DIMS;
import static dev.slipway.rewrite.RewriteFixture.EMB_TO_FLOAT16;
import static dev.slipway.rewrite.RewriteFixture.bytes;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * An application that keeps writing during a rewrite, on a real server: the write watch stops the rewrite at the
 * first change of one of its documents by another client and names it; once the writes pause, re-running apply
 * finishes the migration and rewrites what the application wrote in the old format; the rollback restores the
 * application's value, not the older original. Without the watch, a write the rewrite does not conflict with goes
 * through.
 */
@ExtendWith(RedisStackExtension.class)
class ConcurrentWriteIT {
    private static final int DOCS = 1_000;
    private static final long SEED = 7;

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(50, 2, 0, 3);
    }

    private static TreeMap<String, TreeMap<String, String>> load(Jedis jedis, Slipway slipway) {
        return RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
    }

    /**
     * Once {@code after} documents are rewritten, runs {@code write} once with the application's own connection and
     * the key of a document the rewrite has already converted (its vector is FLOAT16 long).
     */
    private static final class ApplicationWrite implements ProgressListener {
        private final Jedis application;
        private final long after;
        private final BiConsumer<Jedis, String> write;
        private String key;
        private long doneAtWrite;
        private boolean rewriting;

        ApplicationWrite(Jedis application, long after, BiConsumer<Jedis, String> write) {
            this.application = application;
            this.after = after;
            this.write = write;
        }

        @Override
        public void begin(String task, long total, String unit) {
            rewriting = task.equals("rewriting documents"); // not the checks before it, which read every document
        }

        @Override
        public void update(long done) {
            if (!rewriting || key != null || done < after) {
                return;
            }
            for (int i = 0; i < DOCS && key == null; i++) {
                if (application.hstrlen("doc:" + i, "emb") == DIMS * 2L) {
                    key = "doc:" + i;
                }
            }
            write.accept(application, key);
            doneAtWrite = done;
            // the rewrite's thread waits here, so the watch's listener has long seen the write when the engine looks
            // before its next batch: the stop comes early, not only at the end of the pass
            RewriteFixture.sleep(200);
        }
    }

    @Test
    void anApplicationWriteStopsTheRewriteAndAReRunAfterThePauseFinishesIt(RedisStackServer redis,
                                                                           @TempDir Path dir) {
        byte[] written = VectorCodec.encode(RewriteFixture.vector(99, 0), VectorDataType.FLOAT32, null);
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            ApplicationWrite write = new ApplicationWrite(application, 200,
                    (app, key) -> app.hset(bytes(key), bytes("emb"), written));
            Slipway watched = Slipway.configure().url(redis.url()).progress(write).load();
            TreeMap<String, TreeMap<String, String>> before = load(jedis, watched);
            MigrationPlan plan = plan(watched, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");

            MigrationFailedException failed = catchThrowableOfType(() -> watched.apply(plan, options(backup)),
                    MigrationFailedException.class);

            assertThat(failed).as("apply must fail").isNotNull();
            assertThat(failed.code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
            assertThat(failed.getMessage()).contains("Another client changed documents of index 'docs'")
                    .contains(write.key).contains("re-run 'slipway apply'");
            // the index was dropped and not recreated: the report says the downtime goes on
            assertThat(failed.report().downtime().ongoing()).isTrue();
            assertThat(failed.report().downtime().unavailableMs()).isPositive();
            BackupHeader stopped = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(stopped.phase()).isEqualTo(BackupHeader.Phase.WRITES_SEEN);
            // the batch being written and the one backed up when the write was seen land; nothing after them
            assertThat(stopped.documentsRewritten()).as("stopped early").isLessThan(DOCS)
                    .isLessThanOrEqualTo(write.doneAtWrite + 3 * 50);
            assertThat(jedis.hget(bytes(write.key), bytes("emb"))).as("the application's write stays")
                    .isEqualTo(written);

            // the writes pause; the same apply scans everything again, rewriting the document written meanwhile
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.downtime().ongoing()).isFalse();
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("no writes by other clients seen");
            assertThat(jedis.hget(bytes(write.key), bytes("emb")))
                    .isEqualTo(VectorCodec.encode(RewriteFixture.vector(99, 0), VectorDataType.FLOAT16, null));
            for (int i = 0; i < DOCS; i++) {
                assertThat(jedis.hstrlen("doc:" + i, "emb")).as("doc:%d", i).isEqualTo(DIMS * 2L);
            }
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);

            // the document is backed up twice (its original, then the application's value): the rollback's check
            // sees the change and asks; told to go on, it ends with the later one, the application's
            SlipwayException asked = catchThrowableOfType(() -> slipway.rollbackFromBackup(backup, 2),
                    SlipwayException.class);
            assertThat(asked.code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED);
            assertThat(asked.getMessage()).contains("1 backed-up documents were changed");
            slipway.rollbackFromBackup(backup, 2, true);
            TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>(before);
            TreeMap<String, String> applicationVersion = new TreeMap<>(before.get(write.key));
            applicationVersion.put("emb", RewriteFixture.hex(written));
            expected.put(write.key, applicationVersion);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expected);
        }
    }

    /**
     * A hash field that expires on its own is reported by the server like a write to its document (checked here on
     * Redis 7.4: a lazily expired field, which the application's read deletes, is announced to every tracking
     * connection), so it stops a watched rewrite; the error says so, and what to do. Active expiry is switched off
     * (DEBUG) so that the field goes when the application reads it, during the rewrite, not at a time of the server's.
     */
    @Test
    void aFieldExpiringOnItsOwnStopsTheWatchedRewriteAndTheErrorSaysWhy(@TempDir Path dir) {
        try (RedisStackServer redis = RedisStackServer.asShipped(List.of("--enable-debug-command", "yes")).start();
             Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            ApplicationWrite read = new ApplicationWrite(application, 200, (app, key) -> app.hget(key, "tag"));
            Slipway slipway = Slipway.configure().url(redis.url()).progress(read).load();
            TreeMap<String, TreeMap<String, String>> before = load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            jedis.sendCommand(() -> bytes("DEBUG"), "SET-ACTIVE-EXPIRE", "0");
            for (String key : before.keySet()) {
                jedis.sendCommand(() -> bytes("HPEXPIRE"), key, "1", "FIELDS", "1", "tag");
            }
            RewriteFixture.sleep(5);

            MigrationFailedException failed = catchThrowableOfType(
                    () -> slipway.apply(plan, options(dir.resolve("backup"))), MigrationFailedException.class);

            assertThat(failed).as("the expiry stops the rewrite").isNotNull();
            assertThat(failed.getMessage()).contains("Another client changed documents", read.key,
                    "reports a field that expires like a write", "--no-write-watch loses nothing");
            assertThat(jedis.hexists(read.key, "tag")).as("the field did expire").isFalse();
            MigrationReport report = Slipway.configure().url(redis.url()).load()
                    .apply(plan, options(dir.resolve("backup")).withWriteWatch(false));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            for (String key : before.keySet()) {
                assertThat(jedis.hstrlen(key, "emb")).as(key).isEqualTo(DIMS * 2L);
                assertThat(RewriteFixture.hex(jedis.hget(bytes(key), bytes("title")))).as(key)
                        .isEqualTo(before.get(key).get("title"));
            }
        }
    }

    @Test
    void withoutTheWatchAWriteToAnotherFieldGoesThrough(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            ApplicationWrite write = new ApplicationWrite(application, 200,
                    (app, key) -> app.hset(key, "tag", "changed by the application"));
            Slipway slipway = Slipway.configure().url(redis.url()).progress(write).load();
            load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")).withWriteWatch(false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("writes by other clients not watched");
            assertThat(jedis.hget(write.key, "tag")).isEqualTo("changed by the application");
            assertThat(jedis.hstrlen(write.key, "emb")).isEqualTo(DIMS * 2L);
        }
    }

    @Test
    void anApplicationWriteDuringTheRollbackIsReportedOnceTheIndexIsBack(RedisStackServer redis, @TempDir Path dir) {
        byte[] written = VectorCodec.encode(RewriteFixture.vector(99, 0), VectorDataType.FLOAT16, null);
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            assertThat(slipway.apply(plan, options(backup)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);

            // the application writes a document after the rollback checked it, just before its restore is sent
            AtomicInteger restores = new AtomicInteger();
            String[] overwritten = new String[1];
            RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
            SlipwayException failed;
            try (RedisSession session = RedisSession.open(endpoint, 10_000);
                 BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                BackupRestorer restorer = new BackupRestorer(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                        .withConnector(() -> new ForwardingDocumentStore(JedisDocumentStore.open(endpoint)) {
                            @Override
                            public List<Object> execute(List<Command> commands) {
                                if (commands.get(0).name().equals("HSET") && restores.incrementAndGet() == 3) {
                                    overwritten[0] = new String(commands.get(0).key(), StandardCharsets.UTF_8);
                                    application.hset(commands.get(0).key(), bytes("emb"), written);
                                }
                                return delegate.execute(commands);
                            }
                        });
                failed = catchThrowableOfType(() -> restorer.restore(directory, 1, 0, false),
                        SlipwayException.class);
            }

            assertThat(failed).as("the rollback must not exit 0").isNotNull();
            assertThat(failed.code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
            assertThat(failed.getMessage()).contains("The rollback finished");
            assertThat(failed.problems()).containsExactly(overwritten[0]);
            // the rollback itself is complete: every original back, the index recreated over them
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                    .isEqualTo(BackupHeader.Phase.ROLLED_BACK);
        }
    }
}
