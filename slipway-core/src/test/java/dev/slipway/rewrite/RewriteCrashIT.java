package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.StepReport;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.BackupRecord;
import dev.slipway.internal.rewrite.DocumentStore;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.schema.FtCreateArguments;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.rewrite.FaultyDocumentStore.Fault;
import dev.slipway.rewrite.FaultyDocumentStore.Point;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.slipway.rewrite.RewriteFixture.expectedHashes;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.keys;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A rewrite killed anywhere, at a step boundary or inside a batch, and resumed by a plain {@code apply} with the
 * same plan and backup directory, ends exactly where an uninterrupted run ends: every document's bytes equal the
 * originals transformed once (a vector converted twice would not match), every document counted once, and the
 * backup still restores the exact originals.
 */
@ExtendWith(RedisStackExtension.class)
class RewriteCrashIT {
    private static final int DOCS = 240;
    private static final int BATCH = 40;
    private static final long SEED = 3;
    private static final Map<String, String> RENAMES = Map.of("title", "name");
    private static final String MOVE_AND_QUANTIZE = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + RewriteFixture.EMB_TO_FLOAT16;
    private static final String WITH_PREFIX = MOVE_AND_QUANTIZE + "  index:\n    prefix: 'item:'\n";
    private static final List<String> STEPS = List.of("drop-index", "rewrite-documents", "create-index",
            "wait-for-indexing", "validate");

    private static ApplyOptions options(Path backup, int workers) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                .withThroughput(BATCH, workers, 0, 2);
    }

    /** The documents and the plan of one run. */
    private record Scenario(Slipway slipway, MigrationPlan plan, TreeMap<String, TreeMap<String, String>> before,
                            String newPrefix) {
        TreeMap<String, TreeMap<String, String>> expected() {
            return expectedHashes(before, "doc:", newPrefix, RENAMES, "emb", VectorDataType.FLOAT32,
                    VectorDataType.FLOAT16);
        }
    }

    private static Scenario scenario(RedisStackServer redis, Jedis jedis, Path dir, boolean movePrefix) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis,
                slipway, VectorDataType.FLOAT32, DOCS, SEED);
        MigrationPlan plan = plan(slipway, "docs", dir, movePrefix ? WITH_PREFIX : MOVE_AND_QUANTIZE);
        assertThat(plan.supported()).isTrue();
        assertThat(plan.steps()).extracting(s -> s.name()).containsExactlyElementsOf(STEPS);
        return new Scenario(slipway, plan, before, movePrefix ? "item:" : "doc:");
    }

    private static void applyAndCrashAt(RedisStackServer redis, MigrationPlan plan, ApplyOptions options,
                                        String when, String step) {
        Crashes.applyAndCrashAt(redis.url(), plan, options, when, step);
    }

    private static void rewriteAndCrashInside(RedisStackServer redis, MigrationPlan plan, Path backup, Fault fault,
                                              int workers) {
        Crashes.rewriteAndCrashInside(redis.url(), plan, backup, fault, workers, BATCH);
    }

    /** Applies the scenario's plan up to its rewrite, then runs the rewrite until {@code fault} kills it. */
    private static void crashInsideTheRewrite(RedisStackServer redis, Scenario s, Path backup, Fault fault,
                                              int workers) {
        applyAndCrashAt(redis, s.plan(), options(backup, workers), "before", "rewrite-documents");
        rewriteAndCrashInside(redis, s.plan(), backup, fault, workers);
    }

    /** The resumed apply succeeds and everything is as after a clean run; the backup still restores exactly. */
    private static MigrationReport resumeAndCheck(RedisStackServer redis, Jedis jedis, Scenario s, Path backup,
                                                  int workers) {
        MigrationReport report = s.slipway().apply(s.plan(), options(backup, workers));

        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.resumed()).isTrue();
        assertThat(report.steps()).extracting(StepReport::name).containsExactlyElementsOf(STEPS);
        String pattern = s.newPrefix() + "*";
        assertThat(hashes(jedis, pattern)).isEqualTo(s.expected());
        if (!s.newPrefix().equals("doc:")) {
            assertThat(keys(jedis, "doc:*")).isEmpty();
        }
        assertThat(s.slipway().describe("docs").numDocs()).isEqualTo(DOCS);
        assertThat(s.slipway().describe("docs").indexingFailures()).isZero();
        BackupHeader header = progress(backup);
        assertThat(header.phase()).isEqualTo(BackupHeader.Phase.REWRITTEN);
        assertThat(header.documentsRewritten()).isEqualTo(DOCS);
        assertThat(header.documentsBackedUp()).isEqualTo(DOCS);
        assertThat(header.conflicts()).isZero();
        assertThat(backedUpKeys(backup)).hasSize(DOCS).doesNotHaveDuplicates();

        s.slipway().rollbackFromBackup(backup, workers);
        assertThat(hashes(jedis, "doc:*")).isEqualTo(s.before());
        assertThat(s.slipway().describe("docs").schema()).isEqualTo(s.plan().source().schema());
        assertThat(s.slipway().describe("docs").numDocs()).isEqualTo(DOCS);
        return report;
    }

    /** Every document under the old and the new prefix. */
    private static TreeMap<String, TreeMap<String, String>> documents(Jedis jedis) {
        TreeMap<String, TreeMap<String, String>> all = hashes(jedis, "doc:*");
        all.putAll(hashes(jedis, "item:*"));
        return all;
    }

    private static List<String> backedUpKeys(Path backup) {
        List<String> keys = new ArrayList<>();
        try (BackupDirectory directory = BackupDirectory.openExisting(backup)) {
            directory.forEachRecord(0, r -> r.documents().forEach(d -> keys.add(new String(d.key()))));
        }
        return keys;
    }

    // ------------------------------------------------------------ step boundaries

    static Stream<Arguments> boundaries() {
        return STEPS.stream().flatMap(step -> Stream.of(Arguments.of("before", step), Arguments.of("after", step)));
    }

    @ParameterizedTest(name = "crash {0} {1}")
    @MethodSource("boundaries")
    void crashAtStepBoundaryThenResume(String when, String step, RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            Path backup = dir.resolve("backup");

            applyAndCrashAt(redis, s.plan(), options(backup, 2), when, step);

            resumeAndCheck(redis, jedis, s, backup, 2);
        }
    }

    /**
     * Killed after the drop and before the rewrite step, whose backup records nothing yet: the backup directory is
     * there from before the first change, so 'rollback --backup-dir' restores nothing and recreates the source index.
     * It used to be created by the rewrite step, and every rollback route was refused while the index stayed down
     * (tester session 23).
     */
    @Test
    void aKillBetweenTheDropAndTheRewriteCanBeRolledBack(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, 1), "after", "drop-index");
            assertThat(s.slipway().listIndexes()).isEmpty();

            s.slipway().rollbackFromBackup(backup, 1);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(s.before());
            assertThat(s.slipway().describe("docs").schema()).isEqualTo(s.plan().source().schema());
            assertThat(s.slipway().describe("docs").numDocs()).isEqualTo(DOCS);
            assertThat(progress(backup).phase()).isEqualTo(BackupHeader.Phase.ROLLED_BACK);
        }
    }

    /**
     * The original index back while the documents are rewritten (as after a server restart from a snapshot taken
     * before the drop): it counts every rewritten document as an indexing failure, and the server keeps counting them
     * after the rollback restores them. The rollback builds it again, so it reports what fails now: none (tester
     * session 35 R19 L4: it reused the index with its 2,000 stale failures).
     */
    @Test
    void aRollbackRebuildsAnOriginalIndexThatCountedTheRewrittenDocumentsAsFailures(RedisStackServer redis,
                                                                                     @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, 1), "before", "create-index");
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), FtCreateArguments.arguments(
                    s.plan().source().schema()).toArray(String[]::new));
            RewriteFixture.waitIndexed(s.slipway(), "docs");
            assertThat(s.slipway().describe("docs").indexingFailures()).isEqualTo(DOCS);

            s.slipway().rollbackFromBackup(backup, 1);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(s.before());
            assertThat(s.slipway().describe("docs").indexingFailures()).isZero();
            assertThat(s.slipway().describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /**
     * The checkpoint evicted (here deleted) after a kill between the rewrite and the new index: the re-run used to
     * say the plan was stale and to make a new one, with the index dropped (tester session 29 R6 M3). It now names
     * the missing checkpoint and the backup's state, changes nothing, and the rollback from the backup restores
     * everything without a checkpoint.
     */
    @Test
    void aMissingCheckpointOfAStartedRewriteIsNamedAndTheBackupRollsBack(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, 1), "before", "create-index");
            assertThat(jedis.del("slipway:checkpoint:docs")).isEqualTo(1);
            TreeMap<String, TreeMap<String, String>> rewritten = hashes(jedis, "doc:*");

            assertThatThrownBy(() -> s.slipway().apply(s.plan(), options(backup, 1)))
                    .isInstanceOfSatisfying(StalePlanException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(2);
                        assertThat(e.getMessage()).startsWith("No checkpoint of this migration was found (key "
                                + "slipway:checkpoint:docs), but " + backup.toAbsolutePath().normalize()
                                + " holds its rewrite, started ").contains("documents rewritten: the checkpoint was "
                                + "evicted or deleted. Without it apply cannot tell which steps ran, so nothing was "
                                + "changed. Undo the migration with 'slipway rollback --backup-dir ");
                    });
            assertThat(hashes(jedis, "doc:*")).isEqualTo(rewritten);
            assertThat(s.slipway().listIndexes()).isEmpty();

            s.slipway().rollbackFromBackup(backup, 1);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(s.before());
            assertThat(s.slipway().describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    // ------------------------------------------------------------ inside a batch

    /**
     * Crashes as {@code POINT:call:keep} separated by {@code ;} (each a separate run of the rewrite, killed there),
     * then a plain resume. A batch is sent in a write call per phase and worker (see {@code WritesBeforeDeletes}):
     * first each document's writes (HSET name, HSET emb: 2 commands), then its delete (HDEL title), then, with a
     * prefix move, its key move (RENAMENX). With one worker and no move, odd calls are a batch's writes and even
     * calls its deletes (a cut at 17 stops inside the ninth document's writes); with a move, every third call is a
     * batch's key moves.
     */
    @ParameterizedTest(name = "prefix move {0}: {1}, {2} workers")
    @CsvSource({
            "false, BEFORE_SCAN:1:0, 1",
            "false, BEFORE_SCAN:4:0, 1",
            "false, BEFORE_WRITE:1:0, 1",
            "false, BEFORE_WRITE:3:0, 1",
            "false, PARTIAL_WRITE:3:17, 1",
            "false, PARTIAL_WRITE:2:7, 2",
            "false, AFTER_WRITE:3:0, 1",
            "false, PARTIAL_WRITE:2:9;PARTIAL_WRITE:1:17, 1",
            "false, PARTIAL_WRITE:4:3, 1",
            "false, AFTER_WRITE:3:0, 2",
            "true, BEFORE_SCAN:1:0, 1",
            "true, BEFORE_SCAN:4:0, 2",
            "true, BEFORE_WRITE:1:0, 1",
            "true, BEFORE_WRITE:4:0, 1",
            "true, BEFORE_WRITE:2:0;BEFORE_SCAN:3:0, 1"})
    void crashInsideTheRewriteThenResume(boolean movePrefix, String crashes, int workers, RedisStackServer redis,
                                         @TempDir Path dir) {
        crashInsideAndResume(movePrefix, crashes, workers, redis, dir);
    }

    /** As above, but the crash comes after some keys of the batch were already renamed. */
    @ParameterizedTest(name = "prefix move {0}: {1}, {2} workers")
    @CsvSource({
            "true, PARTIAL_WRITE:6:7, 1",
            "true, PARTIAL_WRITE:5:5, 2",
            "true, AFTER_WRITE:6:0, 1",
            "true, PARTIAL_WRITE:3:9;PARTIAL_WRITE:3:5, 1"})
    void crashAfterKeysOfABatchWereRenamedThenResume(boolean movePrefix, String crashes, int workers,
                                                     RedisStackServer redis, @TempDir Path dir) {
        crashInsideAndResume(movePrefix, crashes, workers, redis, dir);
    }

    private static void crashInsideAndResume(boolean movePrefix, String crashes, int workers,
                                             RedisStackServer redis, Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, movePrefix);
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, workers), "before", "rewrite-documents");

            String[] all = crashes.split(";");
            for (String crash : all) {
                String[] parts = crash.split(":");
                rewriteAndCrashInside(redis, s.plan(), backup, new Fault(Point.valueOf(parts[0]),
                        Integer.parseInt(parts[1]), Integer.parseInt(parts[2])), workers);
            }
            if (all.length == 1) {
                assertCrashedWhereIntended(backup, all[0], workers, movePrefix ? 3 : 2);
            }

            resumeAndCheck(redis, jedis, s, backup, workers);
        }
    }

    /**
     * Killed in the middle of a document's writes, between the conversion's {@code HSET} and the {@code HPEXPIREAT}
     * that gives the field its expiry back: they are one transaction, so the server ran neither, and the resumed run
     * converts that document with its expiries. Sent one after the other, the field was left converted without its
     * expiry, and the resumed run, finding it converted, did not know.
     */
    @Test
    void fieldExpiriesSurviveAKillInsideADocumentsWrites(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            for (int i = 0; i < DOCS; i++) {
                RewriteFixture.call(jedis, "HPEXPIREAT", "doc:" + i, 4_102_444_800_000L + i, "FIELDS", "2", "emb",
                        "title");
            }
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, 1), "before", "rewrite-documents");
            // a document's writes: MULTI, HSET name, HPEXPIREAT name, HSET emb, HPEXPIREAT emb, EXEC. Killed after
            // the first document's six and the second's first four (up to its converted vector), then at other
            // places of the documents still to do
            for (int keep : new int[]{10, 7, 9, 8, 11}) {
                Crashes.rewriteAndCrashInside(redis.url(), s.plan(), backup, new Fault(Point.PARTIAL_WRITE, 1, keep),
                        new RewriteSettings(BATCH, 0, java.time.Duration.ZERO, 0, true), 1);
            }

            MigrationReport report = s.slipway().apply(s.plan(), options(backup, 1));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(s.expected());
            for (int i = 0; i < DOCS; i++) {
                for (String field : List.of("emb", "name")) {
                    assertThat(RewriteFixture.call(jedis, "HPEXPIRETIME", "doc:" + i, "FIELDS", "1", field))
                            .as("%s of doc:%d after the resume", field, i).isEqualTo(List.of(4_102_444_800_000L + i));
                }
            }
            s.slipway().rollbackFromBackup(backup, 1);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(s.before());
            for (int i = 0; i < DOCS; i++) {
                for (String field : List.of("emb", "title")) {
                    assertThat(RewriteFixture.call(jedis, "HPEXPIRETIME", "doc:" + i, "FIELDS", "1", field))
                            .as("%s of doc:%d after the rollback", field, i).isEqualTo(List.of(4_102_444_800_000L + i));
                }
            }
        }
    }

    /**
     * With a limit of bytes per batch (documents too large for {@code --batch-size} of them to fit in memory), a
     * SCAN page is cut into several batches; each records its page's own cursor ("0+" for the first page) except the
     * last, so a run killed between them reads the page again. Killed in such batches, once or twice (the second
     * run re-applies the first one's pending record in parts), then resumed by a plain apply.
     */
    @ParameterizedTest(name = "prefix move {0}: {1}")
    @CsvSource({
            "false, BEFORE_WRITE:1:0",
            "false, AFTER_WRITE:2:0",
            "false, PARTIAL_WRITE:5:3",
            "false, AFTER_WRITE:4:0;PARTIAL_WRITE:3:1",
            "true, AFTER_WRITE:3:0",
            "true, PARTIAL_WRITE:8:2;AFTER_WRITE:6:0"})
    void batchesCutByBytesResumeWhereTheyStopped(boolean movePrefix, String crashes, RedisStackServer redis,
                                                 @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, movePrefix);
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, 1), "before", "rewrite-documents");
            long budget = 300; // a few documents of title and emb per batch
            for (String crash : crashes.split(";")) {
                String[] parts = crash.split(":");
                Crashes.rewriteAndCrashInside(redis.url(), s.plan(), backup, new Fault(Point.valueOf(parts[0]),
                        Integer.parseInt(parts[1]), Integer.parseInt(parts[2])), 1, BATCH, budget);
            }
            BackupHeader crashed = progress(backup);
            assertThat(crashed.batchesBackedUp()).as("batches backed up").isGreaterThan(0);

            resumeAndCheck(redis, jedis, s, backup, 1);
        }
    }

    /**
     * A vector found with the target length already is still named after the run that found it was killed: the count
     * is kept in the header (tester F2: it lived in memory, and the resumed run, which does not read that page
     * again, said nothing).
     */
    @Test
    void vectorsFoundAlreadyConvertedAreStillNamedAfterAKill(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            String first = jedis.scan("0", new redis.clients.jedis.params.ScanParams().match("doc:*").count(BATCH))
                    .getResult().get(0);
            byte[] halfLength = new byte[RewriteFixture.DIMS * 2];
            Arrays.fill(halfLength, (byte) 0x3c);
            jedis.hset(first.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "emb".getBytes(java.nio.charset.StandardCharsets.UTF_8), halfLength);
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, 1), "before", "rewrite-documents");
            rewriteAndCrashInside(redis, s.plan(), backup, new Fault(Point.PARTIAL_WRITE, 3, 1), 1);
            assertThat(progress(backup).alreadyConverted().vectors()).as("counted before the kill").isEqualTo(1);

            MigrationReport report = s.slipway().apply(s.plan(), options(backup, 1));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.steps()).filteredOn(r -> r.name().equals("rewrite-documents")).singleElement()
                    .satisfies(r -> assertThat(r.detail()).contains("; 1 vectors already had the float16 length "
                            + "when this migration first read them and were left as they are (such as " + first
                            + ")"));
            // the rollback leaves it as it was, and succeeds (tester session 48 R43 T2 F2: it exited 1 for good)
            assertThat(s.slipway().rollbackFromBackup(backup, 1).documentsRestored()).isPositive();
            assertThat(jedis.hget(first.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "emb".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(halfLength);
        }
    }

    @Test
    void batchesCutByBytesHoldNoMoreThanTheLimit(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            Path backup = dir.resolve("backup");
            applyAndCrashAt(redis, s.plan(), options(backup, 1), "before", "rewrite-documents");
            long budget = 300;
            try (BackupDirectory directory = BackupDirectory.openForPlan(backup, s.plan());
                 WorkerPool pool = WorkerPool.open(RedisEndpoint.parse(redis.url()), 1, 0)) {
                new RewriteEngine(s.plan(), directory, pool, ProgressListener.NONE,
                        new RewriteSettings(BATCH, 0, java.time.Duration.ZERO, budget)).run();
            }
            List<Long> recordBytes = new ArrayList<>();
            try (BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                directory.forEachRecord(0, r -> recordBytes.add(r.documents().stream()
                        .mapToLong(d -> d.fields().stream().mapToLong(f -> f.value() == null ? 0 : f.value().length)
                                .sum()).sum()));
            }
            // 240 documents in pages of 40 would be about 6 batches; cut by bytes there are many more
            assertThat(recordBytes).hasSizeGreaterThan(DOCS / BATCH * 3).allMatch(bytes -> bytes <= budget);

            resumeAndCheck(redis, jedis, s, backup, 1);
        }
    }

    /**
     * Killed while appending a batch's originals: the data file ends in a torn record the header does not count.
     * Resume must cut it off (a later append must not be read after garbage) and finish like a clean run.
     */
    @Test
    void tornAppendIsCutOffOnResume(RedisStackServer redis, @TempDir Path dir) throws IOException {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            Path backup = dir.resolve("backup");
            crashInsideTheRewrite(redis, s, backup, new Fault(Point.BEFORE_SCAN, 3, 0), 1);
            long counted = progress(backup).dataLength();
            // a torn tail longer than everything the rest of the rewrite appends, so that it would outlive it
            byte[] torn = new byte[256 * 1024];
            Arrays.fill(torn, (byte) 42);
            torn[2] = 1;
            Files.write(backup.resolve("originals.bin"), torn, StandardOpenOption.APPEND);
            assertThat(Files.size(backup.resolve("originals.bin"))).isGreaterThan(counted);

            resumeAndCheck(redis, jedis, s, backup, 1);
            assertThat(Files.size(backup.resolve("originals.bin")))
                    .isEqualTo(progress(backup).dataLength());
        }
    }

    /** Giving up after a crash in the middle of a batch: the backup alone puts every document back. */
    @Test
    void rollbackAfterACrashInsideABatchRestoresEverything(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            Path backup = dir.resolve("backup");
            crashInsideTheRewrite(redis, s, backup, new Fault(Point.PARTIAL_WRITE, 5, 11), 2);
            assertThat(keys(jedis, "item:*")).isNotEmpty();
            assertThat(keys(jedis, "doc:*")).isNotEmpty();

            s.slipway().rollbackFromBackup(backup, 2);

            assertThat(documents(jedis)).isEqualTo(s.before());
            assertThat(s.slipway().describe("docs").schema()).isEqualTo(s.plan().source().schema());
            assertThat(s.slipway().describe("docs").numDocs()).isEqualTo(DOCS);
            assertThat(jedis.exists(KeyNamespace.DEFAULT.checkpoint("docs"))).isFalse();
            // and the migration can start over, from a fresh plan and directory
            MigrationPlan again = plan(s.slipway(), "docs", dir, WITH_PREFIX);
            MigrationReport report = s.slipway().apply(again, options(dir.resolve("again"), 2));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "item:*")).isEqualTo(s.expected());
        }
    }

    /**
     * A lossy conversion's report shows recall@10 even when the run was resumed: here the only batch (all keys
     * fit one SCAN page) was planned by the crashed run and re-applied by the resumed one.
     */
    @Test
    void recallIsReportedAfterAResume(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            Path backup = dir.resolve("backup");
            ApplyOptions oneBatch = ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                    .withThroughput(5000, 1, 0, 2);
            applyAndCrashAt(redis, s.plan(), oneBatch, "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), s.plan(), backup, new Fault(Point.BEFORE_WRITE, 1, 0), 1,
                    5000);
            assertThat(progress(backup).batchesBackedUp()).isEqualTo(1);

            MigrationReport report = s.slipway().apply(s.plan(), oneBatch);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(s.expected());
            RewriteFixture.reportedRecall(report, "emb");
            assertThat(progress(backup).recallAt10()).containsKey("emb");
        }
    }

    /**
     * The progress a resumed run would see: the header plus the complete records appended after it (per-batch header
     * writes are not forced to disk, the records are).
     */

    /**
     * A SCAN cursor does not carry over a server restart (tester session 28: a restart between a killed run and its
     * resume left 4,138 of 20,000 documents in the old form, and validation blamed the application). The resumed run
     * sees another run_id than the one its cursor came from and starts the pass again from the first page; it ends
     * as a clean run.
     */
    @Test
    void aResumeAfterTheServerRestartedReadsEveryDocumentAgain(RedisStackServer redis, @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        Scenario s;
        try (Jedis jedis = redis.newJedis()) {
            s = scenario(redis, jedis, dir, false);
            crashInsideTheRewrite(redis, s, backup, new Fault(Point.AFTER_WRITE, 3, 0), 1);
        }
        BackupHeader killed = progress(backup);
        assertThat(killed.serverRunId()).isNotBlank();
        assertThat(killed.laterPass()).isFalse();

        redis.restartKeepingData();

        try (Jedis jedis = redis.newJedis()) {
            MigrationReport report = resumeAndCheck(redis, jedis, s, backup, 1);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail()).as("every document read again")
                    .startsWith("read " + DOCS + " documents again");
            assertThat(RewriteFixture.step(report, "validate").detail()).as("nothing left for a repair pass")
                    .doesNotContain("vectors of the old datatype");
            BackupHeader header = progress(backup);
            assertThat(header.laterPass()).as("the pass started again from the first page").isTrue();
            assertThat(header.serverRunId()).isNotEqualTo(killed.serverRunId());
        }
    }

    /**
     * A server that restarts from its last snapshot loses the writes it acknowledged after it. When that happens
     * between a batch's phases (tester session 28: between the conversions and the key moves), the connection that
     * comes back finds another run_id and the batch is worked out again from the live documents, instead of sending
     * the key moves alone, which moved 407 documents in the old form to the new prefix, where no later pass looks.
     * Here the snapshot is taken just before the first batch's writes, and the server restarts from it just before
     * that batch's key moves.
     */
    @Test
    void aServerRestartThatLosesABatchsWritesBeforeItsKeyMovesRewritesItAgain(RedisStackServer redis,
                                                                              @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        Scenario s;
        try (Jedis jedis = redis.newJedis()) {
            s = scenario(redis, jedis, dir, true);
        }
        applyAndCrashAt(redis, s.plan(), options(backup, 1), "before", "rewrite-documents");
        boolean[] saved = {false};
        boolean[] restarted = {false};
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        try (BackupDirectory directory = BackupDirectory.openForPlan(backup, s.plan());
             WorkerPool pool = new WorkerPool(() -> new ForwardingDocumentStore(JedisDocumentStore.open(endpoint)) {
                 @Override
                 public List<Object> execute(List<DocumentStore.Command> commands) {
                     List<String> names = commands.stream().map(DocumentStore.Command::name).toList();
                     if (!saved[0] && names.contains("HSET")) {
                         saved[0] = true;
                         try (Jedis jedis = redis.newJedis()) {
                             jedis.save(); // the first batch's documents in their old form
                         }
                     } else if (saved[0] && !restarted[0] && names.contains("RENAMENX")) {
                         restarted[0] = true;
                         redis.restartFromLastSave(); // its conversions and deletes are lost
                     }
                     return delegate.execute(commands);
                 }
             }, 1, 6)) {
            new RewriteEngine(s.plan(), directory, pool, ProgressListener.NONE,
                    new RewriteSettings(BATCH, 0, java.time.Duration.ZERO, 0)).run();
        }
        assertThat(restarted[0]).isTrue();

        try (Jedis jedis = redis.newJedis()) {
            MigrationReport report = s.slipway().apply(s.plan(), options(backup, 1));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "item:*")).as("every document in the new form").isEqualTo(s.expected());
            assertThat(keys(jedis, "doc:*")).isEmpty();
            s.slipway().rollbackFromBackup(backup, 1);
            assertThat(hashes(jedis, "doc:*")).as("the rollback restores every original").isEqualTo(s.before());
            assertThat(keys(jedis, "item:*")).isEmpty();
        }
    }

    /**
     * A server that restarts from its last snapshot during a rollback loses the restores it acknowledged after it.
     * The rollback sees the other run_id when it has restored every record and restores them all again, instead of
     * ending with documents left in the migrated form (the restore of each record is idempotent). Here the snapshot
     * holds the migrated documents, and the restart comes after two records were restored.
     */
    @Test
    void aServerRestartDuringTheRollbackThatLosesRestoresRestoresEveryRecordAgain(RedisStackServer redis,
                                                                                 @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        Scenario s;
        try (Jedis jedis = redis.newJedis()) {
            s = scenario(redis, jedis, dir, true);
            assertThat(s.slipway().apply(s.plan(), options(backup, 1)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            jedis.save(); // the migrated documents
        }
        boolean[] restarted = {false};
        TaskProgress restartAfterTwoRecords = new TaskProgress() {
            @Override
            public void update(long done) {
                if (task().equals("restoring originals") && done >= 2 * BATCH && !restarted[0]) {
                    restarted[0] = true;
                    redis.restartFromLastSave();
                }
            }
        };
        Slipway restarting = Slipway.configure().url(redis.url()).progress(restartAfterTwoRecords).load();

        // the restart broke the write watch's listener: every record is restored, but the rollback cannot say that
        // no other client's write was overwritten meanwhile, so it fails (exit 1) after finishing
        SlipwayException unwatched = catchThrowableOfType(() -> restarting.rollbackFromBackup(backup, 1),
                SlipwayException.class);

        assertThat(restarted[0]).isTrue();
        assertThat(unwatched.code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
        assertThat(unwatched).hasMessageContaining("The rollback finished (originals restored, index 'docs' "
                + "recreated), but its write watch stopped (");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(hashes(jedis, "doc:*")).as("every original restored").isEqualTo(s.before());
            assertThat(keys(jedis, "item:*")).as("nothing left under the new prefix").isEmpty();
        }
        assertThat(progress(backup).phase()).isEqualTo(BackupHeader.Phase.ROLLED_BACK);
    }

    /**
     * A backup directory that vanished while its rewrite was unfinished (a reboot that wiped /tmp) is not started
     * anew under the same path: the resume is refused, nothing changed (tester session 29: it exited 0, and the
     * rollback from the new backup could not restore the documents rewritten before). A new, empty directory given
     * on purpose is taken, and the rollback from it names the documents it has no original for.
     */
    @Test
    void aResumeWhoseBackupDirectoryVanishedIsRefused(RedisStackServer redis, @TempDir Path dir) throws IOException {
        Path backup = dir.resolve("backup");
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            crashInsideTheRewrite(redis, s, backup, new Fault(Point.BEFORE_WRITE, 4, 0), 1);
            try (Stream<Path> files = Files.walk(backup)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
            TreeMap<String, TreeMap<String, String>> halfDone = documents(jedis);

            SlipwayException refused = catchThrowableOfType(() -> s.slipway().apply(s.plan(), options(backup, 1)),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("holds no backup now", "Nothing was changed");
            assertThat(documents(jedis)).isEqualTo(halfDone);
            assertThat(Files.exists(backup)).as("no new backup started there").isFalse();

            Path fresh = dir.resolve("fresh");
            MigrationReport report = s.slipway().apply(s.plan(), options(fresh, 1));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "item:*")).isEqualTo(s.expected());
            SlipwayException rollback = catchThrowableOfType(() -> s.slipway().rollbackFromBackup(fresh, 1),
                    SlipwayException.class);
            assertThat(rollback).as("the documents rewritten before the loss have no original").isNotNull();
            assertThat(rollback.exitCode()).isEqualTo(1);
            assertThat(rollback.getMessage()).contains("still in the form the migration gave them");
        }
    }

    private static BackupHeader progress(Path backup) {
        try (BackupDirectory directory = BackupDirectory.openExisting(backup)) {
            return directory.header();
        }
    }

    /**
     * The progress shows the crash hit the intended batch: a write call per worker and phase of a batch. Stages overlap
     * (batch n+2 is read while batch n+1 is backed up and batch n is written), so a crash before the n-th SCAN (on the
     * reader thread) leaves the batches before it in any of the states the pipeline allows. A crash in batch n's
     * writes may find batch n+1 backed up too.
     */
    private static void assertCrashedWhereIntended(Path backup, String crash, int workers, int phases) {
        String[] parts = crash.split(":");
        int call = Integer.parseInt(parts[1]);
        BackupHeader header = progress(backup);
        if (Point.valueOf(parts[0]) == Point.BEFORE_SCAN) {
            // the reader is at most two pages ahead of the page being backed up, which is one ahead of the batch
            // being written; batches read before the crash are backed up unless a write that failed with the crash
            // stopped the pass first
            assertThat(header.batchesBackedUp()).as("batches backed up").isBetween((long) Math.max(0, call - 2),
                    (long) call - 1);
            assertThat(header.batchesApplied()).as("batches applied").isBetween((long) Math.max(0, call - 4),
                    (long) Math.max(0, call - 2));
        } else {
            int callsPerBatch = phases * workers; // writes, then deletes, then key moves, on each worker
            int batch = (call + callsPerBatch - 1) / callsPerBatch;
            assertThat(header.batchesBackedUp()).as("batches backed up").isBetween((long) batch, batch + 1L);
            assertThat(header.batchesApplied()).as("batches applied").isEqualTo(batch - 1);
        }
    }

    // ------------------------------------------------------------ refusals on resume

    /** A progress listener that kills the rollback once it has restored some documents. */
    private static final class CrashDuringRestore extends TaskProgress {
        private final List<String> ends = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void update(long done) {
            // after the first record: a SCAN page holds fewer keys than the batch size asks for, so a count of
            // documents can lie beyond what the crashed rewrite backed up
            if (task().equals("restoring originals") && done > 0) {
                throw new FaultyDocumentStore.Crash("during the restore");
            }
        }

        @Override
        public void end() {
            ends.add(task() + ": done");
        }

        @Override
        public void stop() {
            ends.add(task() + ": stopped");
        }
    }

    /** The documents counts a task reported, in order. */
    private static final class RestoreCounts extends TaskProgress {
        private final List<Long> counts = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void update(long done) {
            if (task().equals("restoring originals")) {
                counts.add(done);
            }
        }
    }

    /**
     * A change the application makes between a stopped rollback and its re-run, to a document the stopped run had not
     * restored yet, is found by the re-run's check, which reads the records not restored yet: the re-run refuses
     * (exit 2) and changes nothing, the document keeps the application's value, and {@code --overwrite-changed}
     * finishes the rollback. Before, the re-run skipped the check and overwrote the change unseen, exit 0 (tester
     * session 37 R23 F2).
     */
    @Test
    void aResumedRollbackRefusesADocumentChangedSinceTheStoppedRun(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, false);
            Path backup = dir.resolve("backup");
            assertThat(s.slipway().apply(s.plan(), options(backup, 1)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            catchThrowableOfType(() -> Slipway.configure().url(redis.url()).progress(new CrashDuringRestore()).load()
                    .rollbackFromBackup(backup, 1), FaultyDocumentStore.Crash.class);
            assertThat(progress(backup).phase()).isEqualTo(BackupHeader.Phase.ROLLING_BACK);
            String notRestored = jedis.keys("doc:*").stream().sorted()
                    .filter(k -> jedis.hstrlen(k, "emb") == RewriteFixture.DIMS * 2L).findFirst().orElseThrow();
            byte[] written = new byte[RewriteFixture.DIMS * 2];
            java.util.Arrays.fill(written, (byte) 0x3c); // float16 1.0 (0x3c3c): the application's own value
            jedis.hset(RewriteFixture.bytes(notRestored), RewriteFixture.bytes("emb"), written);
            TreeMap<String, TreeMap<String, String>> beforeReRun = documents(jedis);

            SlipwayException refused = catchThrowableOfType(() -> s.slipway().rollbackFromBackup(backup, 1),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("1 backed-up document was changed since the rewrite backed it up",
                    "this run changed nothing (the stopped rollback before it restored 1 of ");
            assertThat(documents(jedis)).as("nothing changed by the refused re-run").isEqualTo(beforeReRun);

            s.slipway().rollbackFromBackup(backup, 1, true);

            TreeMap<String, TreeMap<String, String>> after = documents(jedis);
            assertThat(after).as("every original, the changed one too, with --overwrite-changed").isEqualTo(s.before());
        }
    }

    /**
     * An interrupted rollback has to be finished before the migration is applied again: the rollback counts the
     * records it restored, and an apply that rewrote their documents again made the finishing rollback skip them
     * (it then reported every document restored while many stayed migrated).
     */
    @Test
    void applyAfterAnInterruptedRollbackIsRefused(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            Path backup = dir.resolve("backup");
            // two or more batches applied (see assertCrashedWhereIntended), so that the rollback stops half-way
            crashInsideTheRewrite(redis, s, backup, new Fault(Point.BEFORE_SCAN, 6, 0), 1);
            assertThat(progress(backup).batchesApplied()).as("batches applied").isGreaterThanOrEqualTo(2);
            CrashDuringRestore crash = new CrashDuringRestore();
            Slipway crashing = Slipway.configure().url(redis.url()).progress(crash).load();
            catchThrowableOfType(() -> crashing.rollbackFromBackup(backup, 1), FaultyDocumentStore.Crash.class);
            assertThat(crash.ends).as("a stopped restore is not reported done")
                    .endsWith("restoring originals: stopped");
            assertThat(progress(backup).phase()).isEqualTo(BackupHeader.Phase.ROLLING_BACK);
            TreeMap<String, TreeMap<String, String>> halfRestored = documents(jedis);
            assertThat(halfRestored).as("half restored").isNotEqualTo(s.before());
            Map<String, String> backupFiles = RewriteFixture.fileContents(backup);

            SlipwayException e = catchThrowableOfType(() -> s.slipway().apply(s.plan(), options(backup, 1)),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("did not finish", "slipway rollback --backup-dir");
            assertThat(documents(jedis)).isEqualTo(halfRestored);
            assertThat(RewriteFixture.fileContents(backup)).isEqualTo(backupFiles);
            // status says so, and switching or pruning indexes is refused too
            String dirName = backup.toAbsolutePath().normalize().toString();
            assertThat(s.slipway().status(Optional.of("docs")).get(0).migration()).hasValueSatisfying(m -> {
                assertThat(m.status()).isEqualTo("ROLLING_BACK");
                assertThat(m.backupDir()).isEqualTo(dirName);
            });
            for (Runnable refused : List.<Runnable>of(() -> s.slipway().rollback("docs"),
                    () -> s.slipway().prune("docs", Optional.empty()))) {
                SlipwayException r = catchThrowableOfType(refused::run, SlipwayException.class);
                assertThat(r).isNotNull();
                assertThat(r.exitCode()).isEqualTo(2);
                assertThat(r.getMessage()).contains("did not finish",
                        "'slipway rollback --backup-dir " + dirName + "'");
            }
            assertThat(documents(jedis)).isEqualTo(halfRestored);

            long restoredBefore = progress(backup).recordsRestored();
            assertThat(restoredBefore).isPositive();
            RestoreCounts counts = new RestoreCounts();
            Slipway.configure().url(redis.url()).progress(counts).load().rollbackFromBackup(backup, 1);
            assertThat(documents(jedis)).isEqualTo(s.before());
            assertThat(s.slipway().status(Optional.of("docs")).get(0).migration()).isEmpty();
            assertThat(counts.counts).as("the resumed restore counts what the first run restored").isNotEmpty();
            assertThat(counts.counts.get(0)).isPositive().isLessThan(progress(backup).documentsBackedUp());
            assertThat(counts.counts.get(counts.counts.size() - 1)).isEqualTo(progress(backup).documentsBackedUp());
        }
    }

    @Test
    void resumeWithAnotherBackupDirIsRefused(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            Path backup = dir.resolve("backup");
            crashInsideTheRewrite(redis, s, backup, new Fault(Point.BEFORE_SCAN, 3, 0), 1);
            TreeMap<String, TreeMap<String, String>> crashed = documents(jedis);
            Map<String, String> backupFiles = RewriteFixture.fileContents(backup);
            Path other = dir.resolve("other");

            SlipwayException e = catchThrowableOfType(() -> s.slipway().apply(s.plan(), options(other, 1)),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains(backup.toAbsolutePath().normalize().toString());
            assertThat(other).doesNotExist();
            assertThat(documents(jedis)).isEqualTo(crashed);
            assertThat(RewriteFixture.fileContents(backup)).isEqualTo(backupFiles);

            resumeAndCheck(redis, jedis, s, backup, 1);
        }
    }

    @Test
    void reApplyAfterRollbackWithTheSameBackupDirIsRefused(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            Path backup = dir.resolve("backup");
            s.slipway().apply(s.plan(), options(backup, 2));
            s.slipway().rollbackFromBackup(backup, 2);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(s.before());

            SlipwayException e = catchThrowableOfType(() -> s.slipway().apply(s.plan(), options(backup, 2)),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("rolled back");
            assertThat(documents(jedis)).isEqualTo(s.before());
            assertThat(s.slipway().describe("docs").schema()).isEqualTo(s.plan().source().schema());
            assertThat(progress(backup).phase())
                    .isEqualTo(BackupHeader.Phase.ROLLED_BACK);
            // the same plan with a fresh directory is a new, allowed migration
            MigrationReport again = s.slipway().apply(s.plan(), options(dir.resolve("fresh"), 2));
            assertThat(again.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "item:*")).isEqualTo(s.expected());
        }
    }

    /** Another plan for the same index, made before the crash, may not take over the interrupted one's backup. */
    @Test
    void anotherPlanWithTheSameBackupDirIsRefused(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            MigrationPlan otherPlan = plan(s.slipway(), "docs", dir, "  update_fields:\n    - name: emb\n"
                    + "      attrs: {datatype: float64}\n");
            assertThat(otherPlan.planId()).isNotEqualTo(s.plan().planId());
            Path backup = dir.resolve("backup");
            crashInsideTheRewrite(redis, s, backup, new Fault(Point.BEFORE_SCAN, 2, 0), 1);
            TreeMap<String, TreeMap<String, String>> crashed = documents(jedis);

            SlipwayException e = catchThrowableOfType(() -> s.slipway().apply(otherPlan, options(backup, 1)),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains(s.plan().planId());
            assertThat(documents(jedis)).isEqualTo(crashed);
            assertThat(progress(backup).planId()).isEqualTo(s.plan().planId());

            // an edited copy of the interrupted plan (other conversion, same id) is refused as well
            RewriteSpec spec = s.plan().rewrite().orElseThrow();
            RewriteSpec changed = new RewriteSpec(spec.storage(), spec.sourcePrefixes(), spec.targetPrefix(),
                    spec.fieldMoves(), List.of(new RewriteSpec.VectorConversion("emb", "float32", "float64",
                    RewriteFixture.DIMS)), spec.documents(), false);
            MigrationPlan p = s.plan();
            MigrationPlan edited = new MigrationPlan(p.formatVersion(), p.planId(), p.createdAt(), p.source(),
                    p.requestedPatch(), p.targetSchema(), p.changes(), p.supported(), p.blockedReasons(), p.mode(),
                    p.modeReason(), p.warnings(), p.steps(), p.estimate(), p.validation(), Optional.of(changed));
            SlipwayException edit = catchThrowableOfType(() -> s.slipway().apply(edited, options(backup, 1)),
                    SlipwayException.class);
            assertThat(edit).isNotNull();
            assertThat(edit.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
            assertThat(edit.exitCode()).isEqualTo(2);
            assertThat(documents(jedis)).isEqualTo(crashed);

            resumeAndCheck(redis, jedis, s, backup, 1);
        }
    }

    /** After a completed migration, a new plan (of the migrated index) must not reuse the finished backup. */
    @Test
    void aNewPlanAfterACompletedMigrationMayNotReuseItsBackupDir(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Scenario s = scenario(redis, jedis, dir, true);
            Path backup = dir.resolve("backup");
            s.slipway().apply(s.plan(), options(backup, 2));
            BackupHeader finished = progress(backup);
            MigrationPlan next = plan(s.slipway(), "docs", dir,
                    "  rename_fields:\n    - {old_name: name, new_name: label}\n");
            assertThat(next.supported()).isTrue();

            SlipwayException e = catchThrowableOfType(() -> s.slipway().apply(next, options(backup, 2)),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(hashes(jedis, "item:*")).isEqualTo(s.expected());
            assertThat(progress(backup)).isEqualTo(finished);
        }
    }
}
