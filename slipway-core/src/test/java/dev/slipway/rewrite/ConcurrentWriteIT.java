package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.BackupRestorer;
import dev.slipway.internal.rewrite.DocumentStore;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
 * An application that keeps writing during a rewrite, on a real server. A write between a document's read and its
 * rewrite, which the rewrite overwrites, stops the rewrite at once and is named; a write back in the old form after
 * a document's rewrite fails the pass at its end; changes that leave a document in the new form (a time to live,
 * another field) are counted and kept. Once the writes pause, re-running apply finishes the migration and rewrites
 * what the application wrote in the old format; the rollback restores the application's value, not the older
 * original. Without the watch, a write the rewrite does not conflict with goes through.
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
     * the key of a document the rewrite has already rewritten (by default: its vector is FLOAT16 long).
     */
    private static final class ApplicationWrite implements ProgressListener {
        private final Jedis application;
        private final long after;
        private final BiConsumer<Jedis, String> write;
        private final java.util.function.BiPredicate<Jedis, String> rewritten;
        private String key;
        private boolean rewriting;

        ApplicationWrite(Jedis application, long after, BiConsumer<Jedis, String> write) {
            this(application, after, write, (app, key) -> app.hstrlen(key, "emb") == DIMS * 2L);
        }

        ApplicationWrite(Jedis application, long after, BiConsumer<Jedis, String> write,
                         java.util.function.BiPredicate<Jedis, String> rewritten) {
            this.application = application;
            this.after = after;
            this.write = write;
            this.rewritten = rewritten;
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
            // the windows of the batch that just landed close once the watch's listener has the answer to its PING;
            // on a loaded machine that took long enough for the write to fall inside one (the run stopped at once)
            RewriteFixture.sleep(200);
            for (int i = 0; i < DOCS && key == null; i++) {
                if (rewritten.test(application, "doc:" + i)) {
                    key = "doc:" + i;
                }
            }
            write.accept(application, key);
            // the rewrite's thread waits here, so the watch's listener has long seen the write when the engine looks
            // before its next batch
            RewriteFixture.sleep(200);
        }
    }

    /**
     * The application writes a document back in the old form after its rewrite: the rewrite cannot tell it from one
     * it has not reached yet until the pass has read every document, so the pass goes on to its end and then fails,
     * naming it; a re-run scans every document again and rewrites it.
     */
    @Test
    void anOldFormWriteAfterARewriteFailsThePassAtItsEndAndAReRunAfterThePauseFinishesIt(RedisStackServer redis,
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
                    .contains("(1 change seen)").contains(write.key).contains("re-run 'slipway apply'");
            // the index was dropped and not recreated: the report says the downtime goes on
            assertThat(failed.report().downtime().ongoing()).isTrue();
            assertThat(failed.report().downtime().unavailableMs()).isPositive();
            BackupHeader stopped = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(stopped.phase()).isEqualTo(BackupHeader.Phase.WRITES_SEEN);
            assertThat(stopped.documentsRewritten()).as("the pass went on to its end").isEqualTo(DOCS);
            assertThat(jedis.hget(bytes(write.key), bytes("emb"))).as("the application's write stays")
                    .isEqualTo(written);

            // the writes pause; the same apply scans everything again, rewriting the document written meanwhile
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.downtime().ongoing()).isFalse();
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("no writes by other clients seen").doesNotContain("an earlier run ended");
            assertThat(jedis.hget(bytes(write.key), bytes("emb")))
                    .isEqualTo(VectorCodec.encode(RewriteFixture.vector(99, 0), VectorDataType.FLOAT16, null));
            for (int i = 0; i < DOCS; i++) {
                assertThat(jedis.hstrlen("doc:" + i, "emb")).as("doc:%d", i).isEqualTo(DIMS * 2L);
            }
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);

            // the document is backed up twice (its original, then the application's value): the rollback judges it
            // by the later one, which the new pass converted, so it does not ask; it ends with the application's
            // value and counts the document once
            RestoreResult restored = slipway.rollbackFromBackup(backup, 2);
            assertThat(restored.documentsRestored()).isEqualTo(DOCS);
            TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>(before);
            TreeMap<String, String> applicationVersion = new TreeMap<>(before.get(write.key));
            applicationVersion.put("emb", RewriteFixture.hex(written));
            expected.put(write.key, applicationVersion);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expected);
        }
    }

    /**
     * The application writes the old name of a document after this migration renamed it: the re-run found the new
     * name holding data and refused the document as a conflict on every run, and the index stayed dropped (tester
     * session 53 R47 T2 F1). The data there is the value this migration moved (its backup says so), so the re-run
     * moves the newer value over it; the rollback gives the application's value back under the old name only.
     */
    @Test
    void anOldNameWrittenAgainAfterItsRenameIsMovedByTheReRun(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            ApplicationWrite write = new ApplicationWrite(application, 200,
                    (app, key) -> app.hset(key, "title", "written by the application"),
                    (app, key) -> app.hexists(key, "name"));
            Slipway watched = Slipway.configure().url(redis.url()).progress(write).load();
            TreeMap<String, TreeMap<String, String>> before = load(jedis, watched);
            MigrationPlan plan = plan(watched, "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            Path backup = dir.resolve("backup");

            MigrationFailedException failed = catchThrowableOfType(() -> watched.apply(plan, options(backup)),
                    MigrationFailedException.class);

            assertThat(failed).as("apply must fail").isNotNull();
            assertThat(failed.getMessage()).contains("Another client changed documents of index 'docs'");
            assertThat(jedis.hget(write.key, "title")).isEqualTo("written by the application");
            assertThat(RewriteFixture.hex(jedis.hget(bytes(write.key), bytes("name")))).as("the value it moved")
                    .isEqualTo(before.get(write.key).get("title"));

            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.warnings()).anySatisfy(w -> assertThat(w).contains("1 of the documents left "
                    + "unchanged hold under the new name the value this migration moved there"));
            assertThat(jedis.hget(write.key, "name")).isEqualTo("written by the application");
            for (int i = 0; i < DOCS; i++) {
                assertThat(jedis.hexists("doc:" + i, "title")).as("doc:%d", i).isFalse();
            }
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);

            slipway.rollbackFromBackup(backup, 2);
            TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>(before);
            TreeMap<String, String> applicationVersion = new TreeMap<>(before.get(write.key));
            applicationVersion.put("title", RewriteFixture.hex(bytes("written by the application")));
            expected.put(write.key, applicationVersion);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expected);
        }
    }

    /**
     * A hash field that expires on its own is reported by the server like a write to its document (checked here on
     * Redis 7.4: a lazily expired field, which the application's read deletes, is announced to every tracking
     * connection). Between the document's read and its rewrite, the watch cannot tell it from a write that the
     * rewrite overwrites, so it stops the rewrite; the error says so, and what to do. Active expiry is switched off
     * (DEBUG) so that the field goes when the application reads it, just before the third batch's writes.
     */
    @Test
    void aFieldExpiringBetweenADocumentsReadAndItsRewriteStopsItAndTheErrorSaysWhy(@TempDir Path dir) {
        try (RedisStackServer redis = RedisStackServer.asShipped(List.of("--enable-debug-command", "yes")).start();
             Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            jedis.sendCommand(() -> bytes("DEBUG"), "SET-ACTIVE-EXPIRE", "0");
            for (String key : before.keySet()) {
                jedis.sendCommand(() -> bytes("HPEXPIRE"), key, "1", "FIELDS", "1", "tag");
            }
            RewriteFixture.sleep(5);
            AroundWrites read = AroundWrites.before(3, key -> application.hget(key, "tag"));

            RuntimeException failed = RewriteFixture.rewriteWatched(redis.url(), plan, dir.resolve("backup"),
                    new RewriteSettings(50, 0).withFieldExpiries(true), read::wrap);

            assertThat(failed).as("the expiry stops the rewrite").isInstanceOf(SlipwayException.class);
            assertThat(failed.getMessage()).contains("Another client changed documents",
                    "reports a field that expires like a write", "--no-write-watch loses nothing");
            assertThat(((SlipwayException) failed).problems()).containsExactly(read.key());
            assertThat(jedis.hexists(read.key(), "tag")).as("the field did expire").isFalse();
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

    /**
     * The lost update itself: the application writes a document after the rewrite read it and before its rewrite,
     * which overwrites the application's value. The watch cannot prevent that, but it stops the rewrite at once
     * (the batches in flight land, nothing after them) and names the document.
     */
    @Test
    void aWriteBetweenADocumentsReadAndItsRewriteStopsTheRewriteAndIsNamed(RedisStackServer redis,
                                                                          @TempDir Path dir) {
        byte[] written = VectorCodec.encode(RewriteFixture.vector(99, 0), VectorDataType.FLOAT32, null);
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            AroundWrites write = AroundWrites.before(3, key -> application.hset(bytes(key), bytes("emb"), written));

            RuntimeException failed = RewriteFixture.rewriteWatched(redis.url(), plan, backup,
                    new RewriteSettings(50, 0), write::wrap);

            assertThat(failed).as("the write stops the rewrite").isInstanceOf(SlipwayException.class);
            assertThat(((SlipwayException) failed).code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
            assertThat(failed.getMessage()).contains("Another client changed documents of index 'docs'")
                    .contains("(1 change seen)").contains("was overwritten");
            assertThat(((SlipwayException) failed).problems()).containsExactly(write.key());
            BackupHeader stopped = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(stopped.phase()).isEqualTo(BackupHeader.Phase.WRITES_SEEN);
            assertThat(stopped.documentsRewritten()).as("stopped early").isLessThan(DOCS / 2);
            byte[] original = RewriteFixture.unhex(before.get(write.key()).get("emb"));
            assertThat(jedis.hget(bytes(write.key()), bytes("emb"))).as("overwritten by the rewrite, as reported")
                    .isEqualTo(VectorCodec.encode(VectorCodec.decode(original, VectorDataType.FLOAT32),
                            VectorDataType.FLOAT16, null));
        }
    }

    /**
     * A write inside the window of a document the rewrite moves to a new prefix: when the watch looks, the document
     * is gone from the name the write was reported under, since the rewrite moved it. It is a write, found under the
     * new name, not a deletion (tester session 25, F4: counted as a deletion, the vector the move's HSET overwrote
     * went unreported and the rewrite ended successfully).
     */
    @Test
    void aWriteInsideTheWindowOfAMovedDocumentIsFoundUnderItsNewName(RedisStackServer redis, @TempDir Path dir) {
        byte[] written = VectorCodec.encode(RewriteFixture.vector(97, 0), VectorDataType.FLOAT32, null);
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16 + "  index:\n    prefix: 'item:'\n");
            Path backup = dir.resolve("backup");
            AroundWrites write = AroundWrites.before(3, key -> application.hset(bytes(key), bytes("emb"), written));

            RuntimeException failed = RewriteFixture.rewriteWatched(redis.url(), plan, backup,
                    new RewriteSettings(50, 0), write::wrap);

            assertThat(failed).as("the write stops the rewrite").isInstanceOf(SlipwayException.class);
            assertThat(failed.getMessage()).contains("(1 change seen)").contains("was overwritten");
            assertThat(((SlipwayException) failed).problems()).containsExactly(write.key());
            assertThat(write.key()).startsWith("doc:");
            String moved = "item:" + write.key().substring("doc:".length());
            byte[] original = RewriteFixture.unhex(before.get(write.key()).get("emb"));
            assertThat(jedis.hget(bytes(moved), bytes("emb"))).as("overwritten by the move, as reported")
                    .isEqualTo(VectorCodec.encode(VectorCodec.decode(original, VectorDataType.FLOAT32),
                            VectorDataType.FLOAT16, null));
        }
    }

    /**
     * The application's changes outside every window: when the rewrite begins (before its first read), a time to
     * live on each of the {@code early} keys; once 200 documents are rewritten and their windows have closed,
     * {@code later}, once.
     */
    private static final class OutsideTheWindows extends TaskProgress {
        private final Jedis application;
        private final List<String> early;
        private final Runnable later;
        private boolean done;

        OutsideTheWindows(Jedis application, List<String> early, Runnable later) {
            this.application = application;
            this.early = early;
            this.later = later;
        }

        @Override
        public void begin(String name, long total, String unit) {
            super.begin(name, total, unit);
            if (rewriting()) {
                early.forEach(key -> application.expire(key, 3_600));
                RewriteFixture.sleep(200); // the watch has seen them before the first read
            }
        }

        @Override
        public void update(long rewritten) {
            if (rewriting() && rewritten >= 200 && !done) {
                done = true;
                RewriteFixture.sleep(100); // the landed batches' windows close
                later.run();
                RewriteFixture.sleep(200);
            }
        }
    }

    /**
     * Under a rate limit, a document's window no longer stays open while the rewrite waits for its rate (tester
     * session 25, F2: the reader read ahead of a throttled writer, and a landed batch closed its windows only after
     * the next wait). Right after the third batch landed, the application sets a time to live on every document not
     * rewritten yet; with the wait before the read, none of them has been read, so none is inside a window, and the
     * rewrite keeps all of them. With the wait after the write, the next batches were read already, and it stopped.
     * Batches of 250 at 500 a second: SCAN pages of 251 did not fit in a second beside one of 250, so each waited
     * about a second after its read, inside its windows, and the rewrite stopped in 2 of 5 runs (tester session 39
     * R27 F1).
     */
    @ParameterizedTest
    @CsvSource({"50, 250", "250, 500"})
    void underARateLimitDocumentsWaitingForTheRateAreNotInsideAWindow(int batch, int rate, RedisStackServer redis,
                                                                       @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            List<String> changed = new java.util.ArrayList<>();
            TaskProgress afterThirdBatch = new TaskProgress() {
                @Override
                public void update(long rewritten) {
                    if (!rewriting() || rewritten < 150 || !changed.isEmpty()) {
                        return;
                    }
                    // pipelined: the expiries must land before the next read, due a rate's wait after this batch
                    // (a CI run's 300 round trips, one per document, outlasted it: the rewrite rightly stopped)
                    redis.clients.jedis.Pipeline pipeline = application.pipelined();
                    List<redis.clients.jedis.Response<Long>> lengths = new java.util.ArrayList<>();
                    for (int i = 0; i < DOCS; i++) {
                        lengths.add(pipeline.hstrlen("doc:" + i, "emb"));
                    }
                    pipeline.sync();
                    for (int i = 0; i < DOCS; i++) {
                        if (lengths.get(i).get() == DIMS * 4L) {
                            changed.add("doc:" + i);
                        }
                    }
                    changed.forEach(key -> pipeline.expire(key, 3_600));
                    pipeline.sync();
                }
            };
            Slipway slipway = Slipway.configure().url(redis.url()).progress(afterThirdBatch).load();
            load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);

            // 200 ms or half a second between reads
            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                    .withAcceptDataLoss(true).withThroughput(batch, 1, rate, 3));

            assertThat(changed).hasSizeGreaterThan(DOCS / 2); // SCAN's pages hold about 50 keys, not exactly
            assertKept(report, changed.size());
            for (String key : changed) {
                assertThat(jedis.ttl(key)).as(key).isPositive();
                assertThat(jedis.hstrlen(key, "emb")).as(key).isEqualTo(DIMS * 2L);
            }
        }
    }

    /**
     * In a new pass, a batch's documents that are in the new form already are not rewritten, so a change to one of
     * them cannot be overwritten: their windows close once the batch is planned (tester session 26: a new pass over
     * converted documents stopped for a change to one it had skipped, saying it may have been overwritten). Just
     * before the writes of the batch that converts the one old document, the application sets a time to live on
     * every other document of that batch; the pass keeps them all.
     */
    @Test
    void inANewPassAChangeToADocumentTheBatchLeavesAsItIsDoesNotStopIt(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            RewriteSettings settings = new RewriteSettings(50, 0);
            RewriteFixture.rewriteWatchedSummary(redis.url(), plan, backup, settings, store -> store);
            application.hset(bytes("doc:500"), bytes("emb"), VectorCodec.encode(RewriteFixture.vector(5, 0),
                    VectorDataType.FLOAT32, null));
            try (BackupDirectory directory = BackupDirectory.openForPlan(backup, plan)) {
                directory.writeHeader(directory.header().restartPass()); // as validation's reopening does
            }
            List<String> changed = new java.util.ArrayList<>();
            List<List<byte[]>> read = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

            String summary = RewriteFixture.rewriteWatchedSummary(redis.url(), plan, backup, settings,
                    store -> new ForwardingDocumentStore(store) {
                        @Override
                        public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
                            read.add(List.copyOf(keys));
                            return delegate.readHashFields(keys, fields);
                        }

                        @Override
                        public List<Object> execute(List<Command> commands) {
                            if (changed.isEmpty() && commands.stream().anyMatch(c -> c.name().equals("HSET"))) {
                                String converted = AroundWrites.text(commands.get(0).key());
                                List<List<byte[]>> pages;
                                synchronized (read) { // the reader thread goes on adding
                                    pages = List.copyOf(read);
                                }
                                List<byte[]> batch = pages.stream().filter(keys -> keys.stream()
                                        .anyMatch(k -> AroundWrites.text(k).equals(converted))).findFirst()
                                        .orElseThrow();
                                batch.stream().map(AroundWrites::text).filter(k -> !k.equals(converted))
                                        .forEach(changed::add);
                                changed.forEach(key -> application.expire(key, 3_600));
                                RewriteFixture.sleep(200); // the watch has seen them before the batch lands
                            }
                            return delegate.execute(commands);
                        }
                    });

            assertThat(changed).hasSizeGreaterThan(10);
            assertThat(summary).contains("rewrote the 1 still in the old form")
                    .contains("no writes by other clients seen")
                    .contains("; " + changed.size() + " documents changed by others outside their rewrite");
            assertThat(jedis.hstrlen("doc:500", "emb")).isEqualTo(DIMS * 2L);
            changed.forEach(key -> assertThat(jedis.ttl(key)).as(key).isPositive());
        }
    }

    /** The apply succeeded, no write was seen, and {@code kept} changes outside the windows were counted. */
    private static void assertKept(MigrationReport report, int kept) {
        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                .contains("no writes by other clients seen")
                .contains("; " + kept + " documents changed by others outside their rewrite");
    }

    /**
     * Changes by the application outside a document's own rewrite that leave it in the new form, or that the
     * rewrite then brings into it, lose nothing and do not stop the rewrite: time to live set on documents not
     * rewritten yet, and on rewritten ones a time to live, a write to another field, a vector written in the new
     * type and a field that expires; and a key of another type under the prefix. The summary counts them; each is as
     * the application left it.
     */
    @Test
    void changesOutsideADocumentsRewriteThatLeaveItInTheNewFormDoNotStopIt(RedisStackServer redis,
                                                                           @TempDir Path dir) {
        byte[] newForm = VectorCodec.encode(RewriteFixture.vector(98, 0), VectorDataType.FLOAT16, null);
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            List<String> early = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                early.add("doc:" + i * 50);
            }
            List<String> later = new java.util.ArrayList<>();
            OutsideTheWindows changes = new OutsideTheWindows(application, early, () -> {
                for (int i = 0; i < DOCS && later.size() < 4; i++) {
                    if (!early.contains("doc:" + i) && application.hstrlen("doc:" + i, "emb") == DIMS * 2L) {
                        later.add("doc:" + i);
                    }
                }
                application.expire(later.get(0), 3_600);
                application.hset(later.get(1), "tag", "changed by the application");
                application.hset(bytes(later.get(2)), bytes("emb"), newForm);
                application.sendCommand(() -> bytes("HPEXPIRE"), later.get(3), "1", "FIELDS", "1", "tag");
                RewriteFixture.sleep(5);
                application.hget(later.get(3), "tag"); // expires it now, if the server has not yet
                application.set("doc:not-a-hash", "a key of another type, which the rewrite never touches");
            });
            Slipway slipway = Slipway.configure().url(redis.url()).progress(changes).load();
            load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")));

            assertKept(report, 25);
            for (int i = 0; i < DOCS; i++) {
                assertThat(jedis.hstrlen("doc:" + i, "emb")).as("doc:%d", i).isEqualTo(DIMS * 2L);
            }
            for (String key : early) {
                assertThat(jedis.ttl(key)).as(key).isPositive();
            }
            assertThat(jedis.ttl(later.get(0))).isPositive();
            assertThat(jedis.hget(later.get(1), "tag")).isEqualTo("changed by the application");
            assertThat(jedis.hget(bytes(later.get(2)), bytes("emb"))).isEqualTo(newForm);
            assertThat(jedis.hexists(later.get(3), "tag")).isFalse();
            assertThat(jedis.get("doc:not-a-hash")).startsWith("a key of another type");
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /**
     * The application refreshes the time to live of JSON documents that a field rename and a prefix move have not
     * reached yet (under their old names), and of moved ones (under their new names): each is looked at under the
     * name it has, found in the new form by the end of the pass, and kept.
     */
    @Test
    void renamesAndMovesAreJudgedUnderTheNameTheDocumentHasNow(RedisStackServer redis, @TempDir Path dir) {
        String move = "  index:\n    prefix: 'jitem:'\n  rename_fields:\n    - {old_name: title, new_name: name}\n";
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            RewriteFixture.createJsonIndex(jedis, "jdocs", "jdoc:");
            RewriteFixture.loadJson(jedis, "jdoc:", DOCS, SEED);
            RewriteFixture.waitIndexed(plain, "jdocs");
            List<String> moved = new java.util.ArrayList<>();
            List<String> early = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                early.add("jdoc:" + i * 50);
            }
            OutsideTheWindows changes = new OutsideTheWindows(application, early, () -> {
                RewriteFixture.keys(application, "jitem:*").stream().filter(key -> !key.endsWith("0")).limit(2)
                        .forEach(moved::add);
                moved.forEach(key -> application.expire(key, 3_600));
            });
            Slipway slipway = Slipway.configure().url(redis.url()).progress(changes).load();
            MigrationPlan plan = plan(slipway, "jdocs", dir, move);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")));

            assertKept(report, 12);
            assertThat(RewriteFixture.keys(jedis, "jdoc:*")).isEmpty();
            assertThat(RewriteFixture.keys(jedis, "jitem:*")).hasSize(DOCS);
            for (int i = 0; i < 10; i++) {
                assertThat(jedis.ttl("jitem:" + i * 50)).as("jitem:%d", i * 50).isPositive();
            }
            assertThat(moved).hasSize(2).allSatisfy(key -> assertThat(jedis.ttl(key)).isPositive());
        }
    }

    /**
     * A run killed just after a batch's writes, before its watch had judged them (here the killed run is not watched
     * at all, the widest such gap): a write that one of them overwrote would be lost without a report, and the
     * resumed run cannot judge them any more, so it says so instead of reporting a clean watch; once it has
     * finished, nothing is left to say.
     */
    @Test
    void aResumeAfterAKillSaysThatTheKilledRunsLastBatchesWereNeverJudged(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup,
                    new FaultyDocumentStore.Fault(FaultyDocumentStore.Point.AFTER_WRITE, 3, 0), 1, 50, 0);
            RewriteSettings settings = new RewriteSettings(50, 0);

            String summary = RewriteFixture.rewriteWatchedSummary(redis.url(), plan, backup, settings, s -> s);

            assertThat(summary).contains("no writes by other clients seen")
                    .containsPattern("an earlier run ended \\(killed, or unwatched\\) before its write watch had "
                            + "judged its last [1-9] batches \\([1-9][0-9]+ documents\\)");
            BackupHeader header = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(header.batchesWatched()).isEqualTo(header.batchesApplied()).isPositive();
            assertThat(RewriteFixture.rewriteWatchedSummary(redis.url(), plan, backup, settings, s -> s))
                    .doesNotContain("an earlier run ended");
        }
    }

    /**
     * The apply that resumes a rewrite whose killed run left batches unjudged has the warning among its report's
     * warnings, not only in the log and the step's detail (tester session 45 R40 F11); a resume stopped cleanly
     * judged its own batches, so the run after it reports the same gap, not one grown by them (tester session 46 R41
     * F4: 4 batches, then 16).
     */
    @Test
    void aResumedApplyReportsTheUnjudgedBatchesAmongItsWarnings(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            Crashes.applyAndCrashAt(redis.url(), plan, options(backup), "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup,
                    new FaultyDocumentStore.Fault(FaultyDocumentStore.Point.AFTER_WRITE, 3, 0), 1, 50, 0);
            StopSignal stop = new StopSignal();
            long[] atStart = {-1};
            Slipway stopping = Slipway.configure().url(redis.url()).stopSignal(stop).progress(new TaskProgress() {
                @Override
                public void update(long done) {
                    if (rewriting() && atStart[0] < 0) {
                        atStart[0] = done;
                    } else if (rewriting() && done >= atStart[0] + 200) { // four batches of its own
                        stop.request("test");
                    }
                }
            }).load();

            MigrationFailedException stopped = catchThrowableOfType(() -> stopping.apply(plan, options(backup)),
                    MigrationFailedException.class);
            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(stopped.report().result()).isEqualTo(MigrationReport.Result.STOPPED);
            String gap = stopped.report().warnings().stream().filter(w -> w.startsWith("An earlier run of this "
                    + "rewrite ended before its write watch had judged")).findFirst().orElseThrow();
            assertThat(gap).containsPattern("its last [1-9] batches \\([1-9][0-9]+ documents\\)");
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.warnings()).as("the same gap, not grown by the stopped run's judged batches")
                    .contains(gap);
        }
    }

    /**
     * The run that finishes the rewrite says that an earlier run left batches unjudged; when it is killed before its
     * report, the next run's report still says so (tester session 28: the warning was lost), since the checkpoint
     * keeps the figures with the finished step.
     */
    @Test
    void theUnjudgedBatchesWarningOutlivesARunKilledAfterTheRewrite(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            load(jedis, slipway);
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            Crashes.applyAndCrashAt(redis.url(), plan, options(backup), "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup,
                    new FaultyDocumentStore.Fault(FaultyDocumentStore.Point.AFTER_WRITE, 3, 0), 1, 50, 0);
            Crashes.applyAndCrashAt(redis.url(), plan, options(backup), "after", "rewrite-documents");

            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            StepReport rewrite = RewriteFixture.step(report, "rewrite-documents");
            assertThat(rewrite.status()).isEqualTo(StepReport.Status.ALREADY_DONE);
            assertThat(rewrite.detail()).startsWith("done by an earlier run; an earlier run ended (killed, or "
                    + "unwatched) before its write watch had judged its last ");
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
