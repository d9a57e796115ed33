package dev.slipway.rewrite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.IndexDescription;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.slipway.rewrite.RewriteFixture.DIMS;
import static dev.slipway.rewrite.RewriteFixture.call;
import static dev.slipway.rewrite.RewriteFixture.expectedHashes;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.jsons;
import static dev.slipway.rewrite.RewriteFixture.keys;
import static dev.slipway.rewrite.RewriteFixture.knn;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static dev.slipway.rewrite.RewriteFixture.reportedRecall;
import static dev.slipway.rewrite.RewriteFixture.unhex;
import static dev.slipway.rewrite.RewriteFixture.vectorType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Each kind of document rewrite end to end on a real server: plan, apply (several batches, two workers), the exact
 * bytes of every document afterwards, the new index, then {@code rollbackFromBackup} back to the exact original
 * bytes and the original index.
 */
@ExtendWith(RedisStackExtension.class)
class RewriteMigrationIT {
    /** Moves the JSON documents from jdoc: to jitem: and their path title to name. */
    private static final String JSON_KEY_AND_PATH_MOVE = "  index:\n    prefix: 'jitem:'\n"
            + "  rename_fields:\n    - {old_name: title, new_name: name}\n";
    private static final int DOCS = 300;
    /** title becomes name, emb becomes FLOAT16, doc: becomes item:. */
    private static final String RENAME_QUANTIZE_MOVE = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + "  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n  index:\n    prefix: 'item:'\n";
    private static final long SEED = 42;
    /** Converts the vector and moves the keys from 'doc:' to 'doc:v2:', a prefix that extends the old one. */
    private static final String TO_FLOAT16_UNDER_A_LONGER_PREFIX = "  update_fields:\n    - name: emb\n      attrs: "
            + "{datatype: float16}\n  index:\n    prefix: 'doc:v2:'\n";

    private static ApplyOptions options(Path backup, boolean acceptLoss) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(acceptLoss)
                .withThroughput(64, 2, 0, 3);
    }

    // ---------------------------------------------------------------- HASH

    /**
     * The count of values that became infinity is kept in the backup's header, so a run killed half-way does not take
     * its part of the count with it (tester session 27: the resumed run reported only its own).
     */
    @Test
    void valuesThatBecameInfinityInAKilledRunAreStillCounted(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
            float[] huge = new float[RewriteFixture.DIMS];
            java.util.Arrays.fill(huge, -1e6f);
            for (int i = 0; i < DOCS; i += 2) {
                jedis.hset(RewriteFixture.bytes("doc:" + i), RewriteFixture.bytes("emb"), VectorCodec.encode(huge,
                        VectorDataType.FLOAT32, null));
            }
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan plan = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            Crashes.applyAndCrashAt(redis.url(), plan, options(backup, true), "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup, new FaultyDocumentStore.Fault(
                    FaultyDocumentStore.Point.BEFORE_WRITE, 3, 0), 1, 50);
            long beforeTheKill = BackupDirectory.readHeader(backup).orElseThrow().overflowed().getOrDefault("emb", 0L);
            assertThat(beforeTheKill).as("two batches of 50 hold some of the 150").isPositive();
            long all = (long) (DOCS / 2) * RewriteFixture.DIMS;

            MigrationReport report = slipway.apply(plan, options(backup, true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail()).contains("(emb: " + all
                    + " elements beyond FLOAT16's range (at most ±65504), " + (all - beforeTheKill)
                    + " of them this run)");
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().overflowed()).isEqualTo(Map.of("emb", all));
        }
    }

    /**
     * A killed run wrote its third batch of 50 but died before its header said so: the resumed run re-applies that
     * batch from its record and finds it converted, so it says it rewrote the rest, not those 50 too (tester session
     * 39 R27 F7: "3750 of them this run" where it wrote 3,500).
     */
    @Test
    void aBatchAKilledRunWroteIsNotCountedAsThisRuns(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
            MigrationPlan plan = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            Crashes.applyAndCrashAt(redis.url(), plan, options(backup, true), "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup, new FaultyDocumentStore.Fault(
                    FaultyDocumentStore.Point.AFTER_WRITE, 3, 0), 1, 50);
            BackupHeader killed = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(killed.batchesApplied()).as("the header").isEqualTo(2);
            assertThat(killed.batchesBackedUp()).isEqualTo(3);
            long written = killed.documentsBackedUp(); // the third batch too; SCAN pages hold about 50 keys

            MigrationReport report = slipway.apply(plan, options(backup, true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("rewrote " + DOCS + " documents (" + (DOCS - written) + " of them this run, ");
        }
    }

    /**
     * A FLOAT32 value beyond FLOAT16's range (±65504) becomes infinity, as IEEE rounding (and every converter) has
     * it; the rewrite says how many, and the original stays in the backup (tester session 27, #3: it was silent).
     */
    @Test
    void valuesTooLargeForFloat16AreReportedWhenTheyBecomeInfinity(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, SEED);
            float[] huge = new float[RewriteFixture.DIMS];
            java.util.Arrays.fill(huge, 1e5f);
            huge[0] = 1f;
            jedis.hset(RewriteFixture.bytes("doc:3"), RewriteFixture.bytes("emb"), VectorCodec.encode(huge,
                    VectorDataType.FLOAT32, null));
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan plan = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup"), true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail()).contains("values too large for the "
                    + "new datatype became infinity (emb: " + (RewriteFixture.DIMS - 1) + " elements beyond "
                    + "FLOAT16's range (at most ±65504))");
            assertThat(BackupDirectory.readHeader(dir.resolve("backup")).orElseThrow().overflowed())
                    .isEqualTo(Map.of("emb", (long) RewriteFixture.DIMS - 1));
            float[] stored = VectorCodec.decode(jedis.hget(RewriteFixture.bytes("doc:3"), RewriteFixture.bytes("emb")),
                    VectorDataType.FLOAT16);
            assertThat(stored[0]).isEqualTo(1f);
            assertThat(stored[1]).isInfinite();
        }
    }

    @Test
    void hashFieldMove(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            assertRewritePlan(plan, ChangeKind.MOVE_FIELD, false);
            assertThat(plan.rewrite().orElseThrow().fieldMoves())
                    .containsExactly(new RewriteSpec.FieldMove("title", "name"));

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expectedHashes(before, "doc:", "doc:",
                    Map.of("title", "name"), "emb", null, null));
            assertIndexHasAll(slipway, "docs");
            // the new attribute reads the moved field: word3 is in the titles of docs 3, 10, 17, ...
            List<?> found = (List<?>) call(jedis, "FT.SEARCH", "docs", "@name:word3", "NOCONTENT", "LIMIT", "0",
                    "0");
            assertThat((Long) found.get(0)).isEqualTo(DOCS / 7 + (DOCS % 7 > 3 ? 1 : 0));
            assertBackupComplete(backup);

            rollBackAndCheck(slipway, jedis, plan, backup, before, "doc:*", Optional.empty(), "FLOAT32");
            assertThat(jedis.hget("doc:5", "name")).isNull();
        }
    }

    /**
     * 'rollback --index' only switches indexes; after a rewrite it would leave the documents rewritten under an index
     * that expects the old ones. It refuses, names the backup and the command that undoes both, and changes nothing.
     * A re-run of the completed apply only validates, and the checkpoint lists each step once.
     */
    @Test
    void rollbackOfTheIndexAfterARewriteNamesTheBackup(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            Path backup = dir.resolve("backup");
            slipway.apply(plan, options(backup, false));
            slipway.apply(plan, options(backup, false));
            TreeMap<String, TreeMap<String, String>> migrated = hashes(jedis, "doc:*");
            IndexDescription index = slipway.describe("docs");

            SlipwayException e = catchThrowableOfType(() -> slipway.rollback("docs"), SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("rewrites documents", "Nothing was changed",
                    "'slipway rollback --backup-dir " + backup.toAbsolutePath().normalize() + "'");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(migrated);
            assertThat(slipway.describe("docs").schema()).isEqualTo(index.schema());
            List<String> steps = slipway.status(Optional.of("docs")).get(0).migration().orElseThrow()
                    .completedSteps();
            assertThat(steps).doesNotHaveDuplicates().hasSize(plan.steps().size());

            // refused before the lock too: a dead local process's lock is not taken over (tester session 24)
            String host = dev.slipway.internal.apply.MigrationLock.processOwner().split("/pid ")[0];
            String dead = host + "/pid 999999 since 2024-09-17T08:00:00Z plan " + plan.planId();
            jedis.set("slipway:lock:docs", dead);
            assertThat(catchThrowableOfType(() -> slipway.rollback("docs"), SlipwayException.class)).isNotNull();
            assertThat(jedis.get("slipway:lock:docs")).isEqualTo(dead);
        }
    }

    /**
     * An older backup is not rolled back while a later migration of another plan is unfinished: its index is
     * dropped, so the check against a later migration saw nothing, and the documents it had moved on were counted
     * as deleted (and its checkpoint replaced, so it could not be undone). Refused, nothing changed; status without
     * a name lists the index, whose migration is unfinished and whose index is missing.
     */
    @Test
    void anOlderBackupIsNotRolledBackWhileALaterMigrationIsUnfinished(RedisStackServer redis, @TempDir Path dir)
            throws IOException {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            Files.createDirectories(dir.resolve("a"));
            Files.createDirectories(dir.resolve("b"));
            Path first = migrate(slipway, "docs", dir.resolve("a"), "  rename_fields:\n"
                    + "    - {old_name: title, new_name: name}\n", false);
            MigrationPlan later = plan(slipway, "docs", dir.resolve("b"), "  rename_fields:\n"
                    + "    - {old_name: name, new_name: label}\n");
            Path laterBackup = dir.resolve("b/backup");
            Crashes.applyAndCrashAt(redis.url(), later, options(laterBackup, false), "before", "rewrite-documents");
            TreeMap<String, TreeMap<String, String>> crashed = hashes(jedis, "doc:*");

            SlipwayException e = catchThrowableOfType(() -> slipway.rollbackFromBackup(first, 1),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.exitCode()).isEqualTo(2);
            // crashed before its rewrite began, the later migration's backup holds no records yet, but it exists
            // (made before the first change), so undoing it is offered as well as finishing it
            assertThat(e.getMessage()).contains(later.planId(), "Nothing was changed", "'slipway apply' with that "
                    + "plan and --backup-dir " + laterBackup.toAbsolutePath().normalize(), "or undo it with 'slipway "
                    + "rollback --backup-dir " + laterBackup.toAbsolutePath().normalize() + "'");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(crashed);
            assertThat(slipway.status(Optional.empty())).singleElement().satisfies(status -> {
                assertThat(status.name()).isEqualTo("docs");
                assertThat(status.servedBy()).isEmpty();
                assertThat(status.migration()).hasValueSatisfying(m -> {
                    assertThat(m.planId()).isEqualTo(later.planId());
                    assertThat(m.status()).isEqualTo("RUNNING");
                });
            });
            // finishing the later migration and rolling it back, then the older one, brings the originals back
            slipway.apply(later, options(laterBackup, false));
            assertThat(slipway.status(Optional.empty())).as("a completed rewrite is listed: its backup can undo it "
                    + "(tester session 34 R18 F7)").singleElement().satisfies(status -> assertThat(status.migration())
                    .hasValueSatisfying(m -> assertThat(m.status()).isEqualTo("COMPLETED")));
            slipway.rollbackFromBackup(laterBackup, 1);
            slipway.rollbackFromBackup(first, 1);
            assertThat(hashes(jedis, "doc:*")).doesNotContainKey("doc:x").allSatisfy((key, fields) ->
                    assertThat(fields).containsKey("title").doesNotContainKeys("name", "label"));
        }
    }

    /**
     * A query check that expects a key under the prefix the migration moves away from is refused before anything
     * changes, naming where the key will be (tester session 44 R38 F10: found only by validation after the rewrite).
     */
    @Test
    void aQueryCheckExpectingAKeyTheMoveRenamesIsRefusedUpFront(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");
            dev.slipway.api.plan.QueryCheck check = new dev.slipway.api.plan.QueryCheck("all", "*", 2,
                    Optional.of(1L), Optional.empty(), List.of("doc:1", "item:2", "other:1"));
            ApplyOptions options = new ApplyOptions(java.time.Duration.ofHours(1), List.of(check))
                    .withBackupDir(dir.resolve("backup"));

            SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan, options),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).startsWith("2 keys that 1 query check expects cannot be documents of "
                    + "the migrated index: under a prefix this migration moves its documents away from, or under none "
                    + "of its prefixes; nothing was changed.");
            assertThat(refused.problems()).containsExactly("query 'all': key 'doc:1' will be 'item:1'",
                    "query 'all': key 'other:1' is under none of the prefixes [item:]");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(keys(jedis, "item:*")).isEmpty();
        }
    }

    @Test
    void hashPrefixChange(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");
            assertRewritePlan(plan, ChangeKind.CHANGE_PREFIX, false);

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(keys(jedis, "doc:*")).isEmpty();
            assertThat(hashes(jedis, "item:*")).isEqualTo(expectedHashes(before, "doc:", "item:", Map.of(), "emb",
                    null, null));
            assertIndexHasAll(slipway, "docs");
            assertThat(slipway.describe("docs").schema().prefixes()).containsExactly("item:");
            assertBackupComplete(backup);

            rollBackAndCheck(slipway, jedis, plan, backup, before, "doc:*", Optional.of("item:*"), "FLOAT32");
            // a rollback run again (say, after a lost connection) changes nothing
            assertThat(slipway.rollbackFromBackup(backup, 1).documentsRestored()).isEqualTo(DOCS);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(keys(jedis, "item:*")).isEmpty();
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /**
     * Keys that are not valid UTF-8 keep every byte through a prefix move and its rollback. Decoded as text, each
     * invalid byte became U+FFFD: the two keys below would both have moved to "item:\uFFFD\uFFFD\0b".
     */
    @Test
    void keysThatAreNotUtf8MoveByteForByte(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        byte[][] suffixes = {{(byte) 0xff, (byte) 0xfe, 0, 'b'}, {(byte) 0xfe, (byte) 0xff, 0, 'b'}};
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
            RewriteFixture.loadHash(jedis, "doc:", DOCS - suffixes.length, VectorDataType.FLOAT32, SEED);
            Map<String, TreeMap<String, String>> binaryBefore = new TreeMap<>();
            for (int i = 0; i < suffixes.length; i++) {
                byte[] key = withPrefix("doc:", suffixes[i]);
                jedis.hset(key, Map.of(RewriteFixture.bytes("title"), RewriteFixture.bytes("binary " + i),
                        RewriteFixture.bytes("emb"), VectorCodec.encode(RewriteFixture.vector(SEED, 1000 + i),
                                VectorDataType.FLOAT32, null)));
                binaryBefore.put(RewriteFixture.hex(key), hexHash(jedis, key));
            }
            RewriteFixture.waitIndexed(slipway, "docs");
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(keys(jedis, "doc:*")).isEmpty();
            for (byte[] suffix : suffixes) {
                byte[] moved = withPrefix("item:", suffix);
                assertThat(jedis.exists(moved)).as("item: + %s", RewriteFixture.hex(suffix)).isTrue();
                assertThat(hexHash(jedis, moved))
                        .isEqualTo(binaryBefore.get(RewriteFixture.hex(withPrefix("doc:", suffix))));
            }
            assertIndexHasAll(slipway, "docs");

            slipway.rollbackFromBackup(backup, 2);

            assertThat(keys(jedis, "item:*")).isEmpty();
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            for (byte[] suffix : suffixes) {
                byte[] key = withPrefix("doc:", suffix);
                assertThat(hexHash(jedis, key)).isEqualTo(binaryBefore.get(RewriteFixture.hex(key)));
            }
        }
    }

    private static byte[] withPrefix(String prefix, byte[] suffix) {
        byte[] head = RewriteFixture.bytes(prefix);
        byte[] key = java.util.Arrays.copyOf(head, head.length + suffix.length);
        System.arraycopy(suffix, 0, key, head.length, suffix.length);
        return key;
    }

    private static TreeMap<String, String> hexHash(Jedis jedis, byte[] key) {
        TreeMap<String, String> fields = new TreeMap<>();
        jedis.hgetAll(key).forEach((k, v) -> fields.put(RewriteFixture.hex(k), RewriteFixture.hex(v)));
        return fields;
    }

    @ParameterizedTest(name = "{0} -> {1} (lossy {2})")
    @CsvSource({"float32, float16, true", "float32, bfloat16, true", "float64, float32, true",
            "float32, float64, false", "float16, float32, false"})
    void hashVectorDatatype(String from, String to, boolean lossy, RedisStackServer redis, @TempDir Path dir) {
        VectorDataType source = VectorDataType.parse(from);
        VectorDataType target = VectorDataType.parse(to);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, source);
            MigrationPlan plan = plan(slipway, "docs", dir,
                    "  update_fields:\n    - name: emb\n      attrs: {datatype: " + to + "}\n");
            assertRewritePlan(plan, ChangeKind.CHANGE_VECTOR_DATATYPE, lossy);
            assertThat(plan.rewrite().orElseThrow().conversions())
                    .containsExactly(new RewriteSpec.VectorConversion("emb", from, to, DIMS));

            Path backup = dir.resolve("backup");
            // a conversion without loss must not need --accept-data-loss
            MigrationReport report = slipway.apply(plan, options(backup, lossy));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "doc:*");
            assertThat(after).isEqualTo(expectedHashes(before, "doc:", "doc:", Map.of(), "emb", source, target));
            assertThat(unhex(after.get("doc:0").get("emb"))).hasSize(DIMS * target.bytesPerElement());
            assertIndexHasAll(slipway, "docs");
            assertThat(vectorType(jedis, "docs", "emb")).isEqualTo(target.redisName());
            assertKnnFindsItself(jedis, "docs", after, "doc:7");
            double recall = reportedRecall(report, "emb");
            if (lossy) {
                assertThat(recall).isBetween(0.5, 1.0);
            } else {
                assertThat(recall).isEqualTo(1.0);
            }
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().recallAt10()).containsOnlyKeys("emb");
            assertBackupComplete(backup);

            rollBackAndCheck(slipway, jedis, plan, backup, before, "doc:*", Optional.empty(), source.redisName());
            assertKnnFindsItself(jedis, "docs", before, "doc:7");
        }
    }

    @Test
    void hashCombinedMoveQuantizeAndPrefix(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, RENAME_QUANTIZE_MOVE);
            assertRewritePlan(plan, ChangeKind.CHANGE_PREFIX, true);
            // the commands in the order they are sent: writes, then deletes, then the key move
            assertThat(plan.steps().stream().filter(st -> st.name().equals("rewrite-documents")).findFirst()
                    .orElseThrow().commands()).extracting(c -> c.get(0) + " " + c.get(2)).containsExactly(
                    "SCAN MATCH", "HSET name", "HSET emb", "HDEL title", "RENAMENX item:<key without 'doc:'>");
            assertThat(plan.steps().get(plan.steps().size() - 1).commands()).as("validate looks up the moved keys")
                    .filteredOn(c -> c.get(0).equals("EXISTS")).extracting(c -> c.get(1))
                    .hasSize(plan.source().keySample().size()).allMatch(key -> key.startsWith("item:"));

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(keys(jedis, "doc:*")).isEmpty();
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "item:*");
            assertThat(after).isEqualTo(expectedHashes(before, "doc:", "item:", Map.of("title", "name"), "emb",
                    VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            assertIndexHasAll(slipway, "docs");
            assertKnnFindsItself(jedis, "docs", after, "item:7");
            reportedRecall(report, "emb");
            assertBackupComplete(backup);

            rollBackAndCheck(slipway, jedis, plan, backup, before, "doc:*", Optional.of("item:*"), "FLOAT32");
        }
    }

    /**
     * A key is moved only after the document's deletes landed too. Here HDEL is taken from the user once the rewrite
     * has started (the permission probe before it would refuse otherwise): the RENAMENX used to be sent anyway, and
     * the resumed run (by a user allowed everything) took the moved keys as done, finished SUCCEEDED, and left their
     * old field on them for good.
     */
    @Test
    void aKeyIsNotMovedWhenTheDeleteOfItsOldFieldIsRefused(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, RENAME_QUANTIZE_MOVE);
            jedis.sendCommand(RedisStackServer.command("ACL"), "SETUSER", "app", "on", ">pw", "~*", "&*", "+@all");
            TaskProgress revokeHdel = new TaskProgress() {
                @Override
                public void update(long done) {
                    if (rewriting() && done > 0) {
                        try (Jedis admin = redis.newJedis()) {
                            admin.sendCommand(RedisStackServer.command("ACL"), "SETUSER", "app", "-hdel");
                        }
                    }
                }
            };
            Slipway restricted = Slipway.configure().url("redis://app:pw@127.0.0.1:" + redis.port())
                    .progress(revokeHdel).load();
            Path backup = dir.resolve("backup");

            MigrationFailedException failed = catchThrowableOfType(() -> restricted.apply(plan,
                    options(backup, true).withThroughput(50, 1, 0, 0)), MigrationFailedException.class);

            assertThat(failed).isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(keys(jedis, "doc:*")).as("the rewrite stopped part-way").isNotEmpty();
            assertThat(hashes(jedis, "item:*").values()).as("no key moved while its old field could not be deleted")
                    .noneMatch(fields -> fields.containsKey("title"));

            MigrationReport resumed = slipway.apply(plan, options(backup, true));

            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(keys(jedis, "doc:*")).isEmpty();
            assertThat(hashes(jedis, "item:*")).isEqualTo(expectedHashes(before, "doc:", "item:",
                    Map.of("title", "name"), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
        }
    }

    /** The vector field itself is renamed and quantized, and the new prefix extends the old one. */
    @Test
    void hashVectorMoveWithQuantizationAndExtendingPrefix(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n      attrs: "
                    + "{datatype: float16}\n  rename_fields:\n    - {old_name: emb, new_name: embedding}\n"
                    + "  index:\n    prefix: 'doc:v2:'\n");
            assertRewritePlan(plan, ChangeKind.MOVE_FIELD, true);
            RewriteSpec spec = plan.rewrite().orElseThrow();
            assertThat(spec.fieldMoves()).containsExactly(new RewriteSpec.FieldMove("emb", "embedding"));
            assertThat(spec.conversions()).containsExactly(
                    new RewriteSpec.VectorConversion("embedding", "float32", "float16", DIMS));

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "doc:*");
            assertThat(after).isEqualTo(expectedHashes(before, "doc:", "doc:v2:", Map.of("emb", "embedding"),
                    "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            assertIndexHasAll(slipway, "docs");
            assertThat(vectorType(jedis, "docs", "embedding")).isEqualTo("FLOAT16");
            List<String> nearest = knn(jedis, "docs", "embedding", unhex(after.get("doc:v2:7").get("embedding")),
                    10);
            assertThat(nearest).hasSize(10).startsWith("doc:v2:7");
            reportedRecall(report, "embedding");
            assertBackupComplete(backup);

            RestoreResult restored = slipway.rollbackFromBackup(backup, 2);
            assertThat(restored.documentsRestored()).isEqualTo(DOCS);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(keys(jedis, "doc:v2:*")).isEmpty();
            assertSourceIndexBack(slipway, jedis, plan, "FLOAT32");
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                    .isEqualTo(BackupHeader.Phase.ROLLED_BACK);
        }
    }

    /**
     * After a key move, validation finds a sampled document left under its old name (here moved back by hand) and
     * fails; one the application deleted does not fail it (the rewrite never deletes a document), it is named.
     */
    @Test
    void validationFailsForASampledDocumentUnderItsOldNameNotForADeletedOne(RedisStackServer redis,
                                                                           @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");
            assertThat(slipway.apply(plan, options(dir.resolve("backup"), false)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            List<String> sample = plan.source().keySample();
            String deleted = "item:" + sample.get(0).substring("doc:".length());
            jedis.del(deleted);

            ValidationResult withADeletion = slipway.validate(plan, List.of());

            assertThat(withADeletion.passed()).isTrue();
            ValidationCheck check = withADeletion.checks().stream().filter(c -> c.name().equals("sample-keys"))
                    .findFirst().orElseThrow();
            assertThat(check.actual()).isEqualTo((sample.size() - 1) + " exist, 1 missing since the plan");
            assertThat(check.detail()).contains(deleted, "deleted or expired since the plan");

            String movedBack = sample.get(1);
            jedis.rename("item:" + movedBack.substring("doc:".length()), movedBack);
            ValidationResult notMoved = slipway.validate(plan, List.of());

            assertThat(notMoved.passed()).isFalse();
            ValidationCheck failed = notMoved.checks().stream().filter(c -> c.name().equals("sample-keys"))
                    .findFirst().orElseThrow();
            assertThat(failed.passed()).isFalse();
            assertThat(failed.actual()).endsWith("1 still under their old names");
            assertThat(failed.detail()).contains("not moved: " + movedBack, "slipway apply");
        }
    }

    /**
     * A document of the source index whose key already starts with the new, longer prefix ("doc:v2:legacy" under
     * "doc:") keeps its key, but its fields must still be rewritten: the new index reads it with the new schema. The
     * plan warns of such keys, and apply counts them before it changes anything.
     */
    @Test
    void aDocumentAlreadyUnderTheExtendingPrefixIsStillRewritten(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
            RewriteFixture.loadHash(jedis, "doc:", 50, VectorDataType.FLOAT32, SEED);
            RewriteFixture.loadHash(jedis, "doc:v2:legacy", 1, VectorDataType.FLOAT32, SEED + 1);
            RewriteFixture.waitIndexed(slipway, "docs");
            TreeMap<String, String> legacy = RewriteFixture.hash(jedis, "doc:v2:legacy0");
            MigrationPlan plan = plan(slipway, "docs", dir, TO_FLOAT16_UNDER_A_LONGER_PREFIX);
            List<String> messages = new CopyOnWriteArrayList<>();
            Slipway told = collectingMessages(redis, messages);

            MigrationReport report = told.apply(plan, options(dir.resolve("backup"), true));

            assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("'doc:v2:' extends the old one "
                    + "'doc:'", "rewritten in place"));
            assertThat(messages).contains("Warning: 1 documents of 'docs' already have keys under the new prefix "
                    + "'doc:v2:' (such as doc:v2:legacy0); they are rewritten in place, not moved.");
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.hash(jedis, "doc:v2:legacy0")).isEqualTo(RewriteFixture.expectedHash(legacy,
                    Map.of(), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            assertThat(slipway.describe("docs").indexingFailures()).isZero();

            // the rollback restores it where it is, and succeeds: its last look found it under the migration's
            // prefix and failed an exact restore on every run (tester session 48 R43 T2 F1)
            assertThat(slipway.rollbackFromBackup(dir.resolve("backup"), 1).documentsRestored()).isEqualTo(51);
            assertThat(RewriteFixture.hash(jedis, "doc:v2:legacy0")).isEqualTo(legacy);
            assertThat(jedis.exists("doc:0")).isTrue();
        }
    }

    /**
     * A move to a longer prefix: the SCAN of the old prefix meets documents already moved (by this run, or by an
     * earlier one that was killed), in the new form; they are not reported as vectors the application wrote in the
     * new type (tester session 48 R43 T2 F3: a clean run reported about half its documents, a resumed one the killed
     * run's). Documents that were under the new prefix before the migration still are (the test above).
     */
    @Test
    void documentsThisMigrationMovedUnderALongerPrefixAreNotReportedAsAlreadyConverted(RedisStackServer redis,
                                                                                     @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
            RewriteFixture.loadHash(jedis, "doc:", 2_000, VectorDataType.FLOAT32, SEED);
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan plan = plan(slipway, "docs", dir, TO_FLOAT16_UNDER_A_LONGER_PREFIX);
            Path backup = dir.resolve("backup");
            Crashes.applyAndCrashAt(redis.url(), plan, options(backup, true), "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup,
                    new FaultyDocumentStore.Fault(FaultyDocumentStore.Point.BEFORE_SCAN, 20, 0), 1, 64);
            assertThat(RewriteFixture.keys(jedis, "doc:v2:*")).as("moved by the killed run").hasSizeGreaterThan(500);

            MigrationReport report = slipway.apply(plan, options(backup, true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.keys(jedis, "doc:v2:*")).hasSize(2_000);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail()).doesNotContain("already had");
            try (BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                assertThat(directory.header().alreadyConverted().vectors()).isZero();
            }
        }
    }

    /**
     * A hash field with an expiry of its own (HEXPIRE, Redis 7.4) keeps it: HSET clears a field's expiry, so the
     * rewrite reads the expiries and sets them again with the write, a moved field takes the expiry of the field it
     * moved from, and the rollback puts every original back with its expiry. A field the rewrite does not touch keeps
     * its own, and documents without expiries get none. (It used to warn that such expiries were lost.)
     */
    @Test
    void hashFieldExpiriesAreKeptByTheRewriteAndTheRollback(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, plain, VectorDataType.FLOAT32);
            call(jedis, "HEXPIRE", "doc:3", "100000", "FIELDS", "1", "emb");
            call(jedis, "HEXPIRE", "doc:4", "200000", "FIELDS", "2", "emb", "title");
            call(jedis, "HEXPIRE", "doc:5", "300000", "FIELDS", "1", "title");
            call(jedis, "HEXPIRE", "doc:6", "400000", "FIELDS", "1", "note");
            Map<String, Long> expiries = new TreeMap<>();
            for (int doc : new int[]{3, 4, 5, 6, 7}) {
                for (String field : List.of("emb", "title", "note")) {
                    expiries.put(doc + "/" + field, expiry(jedis, "doc:" + doc, field));
                }
            }
            assertThat(expiries.get("7/emb")).isEqualTo(-1L);
            MigrationPlan plan = plan(plain, "docs", dir, RENAME_QUANTIZE_MOVE);
            List<String> messages = new CopyOnWriteArrayList<>();
            Slipway told = collectingMessages(redis, messages);
            Path backup = dir.resolve("backup");

            assertThat(told.apply(plan, options(backup, true)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);

            assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("4 keys of this database have hash fields "
                    + "with an expiry of their own (HEXPIRE): the rewrite keeps the expiry of each field it writes"));
            assertThat(hashes(jedis, "item:*")).isEqualTo(expectedHashes(before, "doc:", "item:",
                    Map.of("title", "name"), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            for (int doc : new int[]{3, 4, 5, 6, 7}) {
                assertThat(expiry(jedis, "item:" + doc, "emb")).as("emb of %d", doc)
                        .isEqualTo(expiries.get(doc + "/emb"));
                assertThat(expiry(jedis, "item:" + doc, "name")).as("name of %d, moved from title", doc)
                        .isEqualTo(expiries.get(doc + "/title"));
                assertThat(expiry(jedis, "item:" + doc, "note")).as("note of %d, untouched", doc)
                        .isEqualTo(expiries.get(doc + "/note"));
            }

            rollBackAndCheck(plain, jedis, plan, backup, before, "doc:*", Optional.of("item:*"), "FLOAT32");
            for (int doc : new int[]{3, 4, 5, 6, 7}) {
                for (String field : List.of("emb", "title", "note")) {
                    assertThat(expiry(jedis, "doc:" + doc, field)).as("%s of %d after the rollback", field, doc)
                            .isEqualTo(expiries.get(doc + "/" + field));
                }
            }
        }
    }

    /**
     * A field whose own expiry, recorded in the backup, passed after the migration is gone because the server deleted
     * it, not because the application changed the document: the rollback goes ahead without --overwrite-changed
     * (tester session 28: 434 such documents refused it), and the field stays gone.
     */
    @Test
    void fieldsThatExpiredOnTheirOwnDoNotRefuseTheRollback(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, plain, VectorDataType.FLOAT32);
            call(jedis, "HPEXPIRE", "doc:3", "1500", "FIELDS", "1", "emb");
            call(jedis, "HPEXPIRE", "doc:4", "1500", "FIELDS", "1", "title"); // moved to name, with its expiry
            MigrationPlan plan = plan(plain, "docs", dir, RENAME_QUANTIZE_MOVE);
            Path backup = dir.resolve("backup");
            assertThat(plain.apply(plan, options(backup, true)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            long deadline = System.currentTimeMillis() + 10_000;
            while ((jedis.hexists("item:3", "emb") || jedis.hexists("item:4", "name"))
                    && System.currentTimeMillis() < deadline) {
                RewriteFixture.sleep(100);
            }
            assertThat(jedis.hexists("item:3", "emb")).as("expired").isFalse();
            assertThat(jedis.hexists("item:4", "name")).as("expired").isFalse();

            RestoreResult restored = plain.rollbackFromBackup(backup, 2);

            assertThat(restored.alreadyRolledBack()).isFalse();
            TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>(before);
            TreeMap<String, String> doc3 = new TreeMap<>(before.get("doc:3"));
            doc3.remove("emb");
            expected.put("doc:3", doc3);
            TreeMap<String, String> doc4 = new TreeMap<>(before.get("doc:4"));
            doc4.remove("title");
            expected.put("doc:4", doc4);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expected);
            assertThat(keys(jedis, "item:*")).isEmpty();
        }
    }

    /**
     * An estimate over an index that holds far fewer (or more) documents than the plan counted says so (tester session
     * 40 R30 F15: a plan made on another server estimated that server's documents without a word).
     */
    @Test
    void theEstimateSaysWhenTheIndexHoldsOtherDocumentsThanThePlanCounted(RedisStackServer redis,
                                                                          @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n      attrs: "
                    + "{datatype: float16}\n");
            assertThat(slipway.estimate(plan).basis()).doesNotContain("the plan counted");

            long planned = plan.source().numDocs();
            List<String> keys = List.copyOf(keys(jedis, "doc:*"));
            jedis.del(keys.subList(0, keys.size() / 2).toArray(String[]::new)); // the index forgets them at once

            assertThat(slipway.estimate(plan).basis()).contains("the index holds " + (planned - keys.size() / 2)
                    + " documents now, against the " + planned + " the plan counted", "Re-run 'slipway plan'");
        }
    }

    /**
     * An estimate measures the documents the plan would rewrite; for a plan already applied, or whose index is gone,
     * there are none, and it says the plan is stale instead of estimating zero bytes (tester session 28: exit 0 with
     * "20000 documents, ~0.5 s" for an index that did not exist on that server).
     */
    @Test
    void theEstimateOfAnAppliedPlanOrOfAMissingIndexIsRefusedAsStale(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n      attrs: "
                    + "{datatype: float16}\n");
            assertThat(slipway.estimate(plan).documents()).isPositive();
            assertThat(slipway.apply(plan, options(dir.resolve("backup"), true)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);

            StalePlanException applied = catchThrowableOfType(() -> slipway.estimate(plan), StalePlanException.class);
            call(jedis, "FT.DROPINDEX", "docs");
            StalePlanException gone = catchThrowableOfType(() -> slipway.estimate(plan), StalePlanException.class);

            assertThat(applied).isNotNull();
            assertThat(applied.exitCode()).isEqualTo(2);
            assertThat(applied.getMessage()).contains("changed since the plan was made (or the plan was applied)");
            assertThat(gone).isNotNull();
            assertThat(gone.getMessage()).contains("no longer exists");
        }
    }

    /**
     * Documents still in the migrated form after the restore have no original in the backup (a damaged or cut-off
     * backup, or a document the application created in the new form): the rollback restores the rest, then fails
     * naming them instead of reporting success (tester session 28: a zeroed backup tail left 8 documents rewritten
     * and the rollback exited 0).
     */
    @Test
    void aRollbackNamesDocumentsLeftInTheMigratedForm(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, plain, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(plain, "docs", dir, RENAME_QUANTIZE_MOVE);
            Path backup = dir.resolve("backup");
            assertThat(plain.apply(plan, options(backup, true)).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            jedis.hset(RewriteFixture.bytes("item:new"), Map.of(RewriteFixture.bytes("name"),
                    RewriteFixture.bytes("created after the migration"), RewriteFixture.bytes("emb"),
                    VectorCodec.encode(RewriteFixture.vector(1, 1), VectorDataType.FLOAT16, null)));
            String deleted = before.firstKey();
            jedis.del("item:" + deleted.substring("doc:".length()));
            before.remove(deleted);

            SlipwayException failed = catchThrowableOfType(() -> plain.rollbackFromBackup(backup, 2),
                    SlipwayException.class);

            assertThat(failed).isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).contains("1 document is still in the form the migration gave them")
                    .as("the deleted one is counted in the failure too, not only by a re-run (tester session 52 R46 "
                            + "T2 F13)").contains("recreated; 1 backed-up document was found deleted (or evicted) and "
                            + "left deleted, the originals kept in the backup), but");
            assertThat(failed.problems()).singleElement().asString().startsWith("item:new (under the migration's "
                    + "prefix 'item:', not moved back to 'doc:')");
            assertThat(hashes(jedis, "doc:*")).as("every backed-up document restored").isEqualTo(before);
            SlipwayException again = catchThrowableOfType(() -> plain.rollbackFromBackup(backup, 2),
                    SlipwayException.class);
            assertThat(again).as("a re-run of the finished rollback still fails while the document is left")
                    .isNotNull();
            assertThat(again.exitCode()).isEqualTo(1);
            jedis.del("item:new");
            assertThat(plain.rollbackFromBackup(backup, 2).alreadyRolledBack()).isTrue();
        }
    }

    /**
     * A hash holding a renamed field under its new name only, after a rollback of a rename (written so by the
     * application after the migration, or its record lost): the restored index does not read it, so the rollback
     * names it. A hash holding both names may hold them with the application's data and is not named.
     */
    @Test
    void aRollbackNamesHashesLeftWithTheNewFieldNameOnly(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway plain = Slipway.configure().url(redis.url()).load();
            hashSource(jedis, plain, VectorDataType.FLOAT32);
            Path backup = migrate(plain, "docs", dir, "  rename_fields:\n    - {old_name: title, new_name: name}\n",
                    false);
            jedis.hset("doc:new", Map.of("name", "created after the migration"));
            jedis.hset("doc:both", Map.of("name", "the application's", "title", "both names"));

            SlipwayException failed = catchThrowableOfType(() -> plain.rollbackFromBackup(backup, 2),
                    SlipwayException.class);

            assertThat(failed).isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).contains("1 document is still in the form the migration gave them");
            assertThat(failed.problems()).singleElement().asString()
                    .isEqualTo("doc:new (field 'name' and no field 'title')");
        }
    }

    /** A hash field's expiry in Unix milliseconds: -1 for none, -2 for no such field. */
    private static long expiry(Jedis jedis, String key, String field) {
        return (Long) ((List<?>) call(jedis, "HPEXPIRETIME", key, "FIELDS", "1", field)).get(0);
    }

    /**
     * A vector that already has the target length is left as it is (that is what makes a resume idempotent), but
     * counted and named in the summary: a float32 vector of half the dimensions has the float16 length too (tester
     * U5: it used to become a valid, meaningless float16 vector without a word).
     */
    @Test
    void aVectorAlreadyOfTheTargetLengthIsLeftAsItIsAndNamed(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 20, SEED);
            byte[] halfLength = new byte[RewriteFixture.DIMS * 2];
            java.nio.ByteBuffer.wrap(halfLength).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1000f)
                    .putFloat(-2000f).putFloat(3.5f).putFloat(7.25f);
            jedis.hset("doc:half".getBytes(StandardCharsets.UTF_8), Map.of("emb".getBytes(StandardCharsets.UTF_8),
                    halfLength, "title".getBytes(StandardCharsets.UTF_8), "half".getBytes(StandardCharsets.UTF_8)));
            MigrationPlan plan = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup"), true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.steps()).filteredOn(s -> s.name().equals("rewrite-documents")).singleElement()
                    .satisfies(s -> assertThat(s.detail()).contains("rewrote 20 documents", "; 1 vectors already had "
                            + "the float16 length when this migration first read them and were left as they are (such "
                            + "as doc:half)", "check them if the application never wrote float16"));
            assertThat(jedis.hget("doc:half".getBytes(StandardCharsets.UTF_8), "emb".getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(halfLength);
        }
    }

    /**
     * A document the application deleted after the migration stays deleted: the rollback writes originals back only
     * into documents that still exist (a HSET would have brought back a hash holding nothing but the vector).
     */
    @Test
    void rollbackLeavesHashDocumentsDeletedSinceTheMigrationDeleted(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            Path backup = migrate(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16, true);
            jedis.del("doc:3", "doc:250");

            RestoreResult restored = slipway.rollbackFromBackup(backup, 2);

            assertThat(restored.documentsRestored()).isEqualTo(DOCS - 2);
            assertThat(restored.documentsMissing()).isEqualTo(2);
            before.remove("doc:3");
            before.remove("doc:250");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS - 2);
            assertThat(slipway.describe("docs").indexingFailures()).isZero();
            assertThat(vectorType(jedis, "docs", "emb")).isEqualTo("FLOAT32");
            assertThat(restored.alreadyRolledBack()).isFalse();
            // run again (say, after a lost connection): the same outcome, still nothing recreated
            RestoreResult again = slipway.rollbackFromBackup(backup, 1);
            assertThat(again.alreadyRolledBack()).isTrue();
            assertThat(again.documentsRestored()).isEqualTo(DOCS - 2);
            assertThat(again.documentsMissing()).isEqualTo(2);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A finished rollback is never repeated: run again after the index was migrated anew, its steps would drop the
     * new index and recreate the old schema over the newly converted documents. It refuses instead, changing nothing.
     */
    @Test
    void aFinishedRollbackIsNotRepeatedOverALaterMigration(RedisStackServer redis, @TempDir Path dir)
            throws IOException {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            String change = RewriteFixture.EMB_TO_FLOAT16;
            Path first = migrate(slipway, "docs", Files.createDirectory(dir.resolve("first")), change, true);
            assertThat(slipway.rollbackFromBackup(first, 1).alreadyRolledBack()).isFalse();
            migrate(slipway, "docs", Files.createDirectory(dir.resolve("second")), change, true);
            TreeMap<String, TreeMap<String, String>> migratedAgain = hashes(jedis, "doc:*");

            assertThatThrownBy(() -> slipway.rollbackFromBackup(first, 1))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e).hasMessageContaining("already rolled back")
                                .hasMessageContaining("another schema").hasMessageContaining("nothing was changed");
                    });
            assertThat(hashes(jedis, "doc:*")).isEqualTo(migratedAgain);
            assertThat(vectorType(jedis, "docs", "emb")).isEqualTo("FLOAT16");
            assertIndexHasAll(slipway, "docs");
        }
    }

    /**
     * A backup is not rolled back over a later migration of its index: neither one that recreated the index with
     * another schema nor one that put it behind an alias (zero-downtime). Both refuse before changing anything.
     */
    @ParameterizedTest(name = "later migration {0}")
    @CsvSource({"DROP_RECREATE", "ZERO_DOWNTIME"})
    void aRollbackIsRefusedOverALaterMigration(String mode, RedisStackServer redis, @TempDir Path dir)
            throws IOException {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            Path first = migrate(slipway, "docs", Files.createDirectory(dir.resolve("first")),
                    RewriteFixture.EMB_TO_FLOAT16, true);
            MigrationPlan later = slipway.plan(PlanRequest.patch("docs", RewriteFixture.patch(dir,
                    "  add_fields:\n    - {name: extra, type: tag}\n")).withMode(MigrationMode.valueOf(mode)));
            assertThat(slipway.apply(later, ApplyOptions.DEFAULTS).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            TreeMap<String, TreeMap<String, String>> migratedAgain = hashes(jedis, "doc:*");
            List<String> indexes = RewriteFixture.indexes(jedis);

            assertThatThrownBy(() -> slipway.rollbackFromBackup(first, 1))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e).hasMessageContaining("another migration has changed it")
                                .hasMessageContaining("nothing was changed")
                                .hasMessageContaining(mode.equals("DROP_RECREATE") // no version to switch back to
                                        ? "undone by planning and applying the reverse change"
                                        : "'slipway rollback --index docs'");
                    });
            assertThat(hashes(jedis, "doc:*")).isEqualTo(migratedAgain);
            assertThat(RewriteFixture.indexes(jedis)).isEqualTo(indexes);
            assertThat(slipway.describe("docs").schema().fields()).anyMatch(f -> f.name().equals("extra"));
            assertIndexHasAll(slipway, "docs");
            assertThat(BackupDirectory.readHeader(first).orElseThrow().phase())
                    .isEqualTo(BackupHeader.Phase.REWRITTEN);
        }
    }

    /**
     * A document the application changed after the migration, in a field the rewrite touched, is not overwritten
     * silently: the rollback reads every document first and refuses with nothing changed; with
     * {@code overwriteChanged} it restores every original. A change to a field the rewrite did not touch is no
     * reason to refuse, and stays.
     */
    @Test
    void rollbackRefusesToOverwriteHashDocumentsChangedSinceTheMigration(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = hashSource(jedis, slipway, VectorDataType.FLOAT32);
            Path backup = migrate(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16, true);
            byte[] newer = VectorCodec.encode(new float[DIMS], VectorDataType.FLOAT16, null);
            jedis.hset("doc:5".getBytes(), "emb".getBytes(), newer);
            jedis.hset("doc:6", "title", "retitled after the migration");
            TreeMap<String, TreeMap<String, String>> migrated = hashes(jedis, "doc:*");

            assertThatThrownBy(() -> slipway.rollbackFromBackup(backup, 2))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED);
                        assertThat(e.exitCode()).isEqualTo(2);
                        assertThat(e.getMessage()).startsWith("1 backed-up document was changed since the "
                                + "rewrite backed it up").contains("nothing was changed", "--overwrite-changed");
                        assertThat(e.problems()).containsExactly("doc:5: field 'emb'");
                    });
            assertThat(hashes(jedis, "doc:*")).isEqualTo(migrated);
            assertThat(vectorType(jedis, "docs", "emb")).isEqualTo("FLOAT16");
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);

            RestoreResult restored = slipway.rollbackFromBackup(backup, 2, true);

            assertThat(restored.documentsRestored()).isEqualTo(DOCS);
            before.get("doc:6").put("title", RewriteFixture.hex("retitled after the migration".getBytes()));
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(vectorType(jedis, "docs", "emb")).isEqualTo("FLOAT32");
        }
    }

    /**
     * A renamed field the application deleted after the migration is a change too: with the old field gone (moved)
     * and the new one gone as well, the document is in a state the rewrite never leaves, though each field alone
     * looks like its original or its rewrite.
     */
    @Test
    void rollbackRefusesWhenTheApplicationDeletedARenamedField(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            Path backup = migrate(slipway, "docs", dir, "  rename_fields:\n    - {old_name: title, new_name: name}\n",
                    false);
            jedis.hdel("doc:7", "name");
            TreeMap<String, TreeMap<String, String>> migrated = hashes(jedis, "doc:*");

            assertThatThrownBy(() -> slipway.rollbackFromBackup(backup, 2))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(2);
                        assertThat(e.problems()).containsExactly("doc:7: field 'name'");
                    });
            assertThat(hashes(jedis, "doc:*")).isEqualTo(migrated);
        }
    }

    // ---------------------------------------------------------------- JSON

    @Test
    void jsonFieldMove(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, JsonNode> before = jsonSource(jedis, slipway);
            MigrationPlan plan = plan(slipway, "jdocs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            assertRewritePlan(plan, ChangeKind.MOVE_FIELD, false);
            assertThat(plan.rewrite().orElseThrow().fieldMoves())
                    .containsExactly(new RewriteSpec.FieldMove("$.title", "$.name"));

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jsons(jedis, "jdoc:*")).isEqualTo(expectedJson(before, "jdoc:", "jdoc:", true));
            assertIndexHasAll(slipway, "jdocs");
            List<?> found = (List<?>) call(jedis, "FT.SEARCH", "jdocs", "@name:word3", "NOCONTENT", "LIMIT", "0",
                    "0");
            assertThat((Long) found.get(0)).isEqualTo(DOCS / 7 + (DOCS % 7 > 3 ? 1 : 0));
            assertBackupComplete(backup);

            rollBackJsonAndCheck(slipway, jedis, plan, backup, before, Optional.empty());
        }
    }

    /**
     * A new name that dot notation cannot hold moves the value to a bracket path. A space used to make it
     * {@code $.a b}, blocked as a path "with a wildcard, an array index, a slice or a filter" (tester, session 21);
     * then {@code $.café} passed the plan and JSON.SET refused it after the drop, and {@code $['it\\'s']} created a
     * member named {@code it\\'s} (tester, session 22).
     */
    /**
     * Two vector fields converted in one plan: the report gives recall@10 for each (tester session 27: only the first
     * converted field had one), and the backup header keeps both.
     */
    @Test
    void everyConvertedFieldGetsItsOwnRecall(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            call(jedis, "FT.CREATE", "docs", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "emb", "VECTOR", "FLAT",
                    "6", "TYPE", "FLOAT32", "DIM", DIMS, "DISTANCE_METRIC", "COSINE", "emb2", "VECTOR", "FLAT", "6",
                    "TYPE", "FLOAT32", "DIM", DIMS, "DISTANCE_METRIC", "L2");
            for (int i = 0; i < 400; i++) {
                byte[] emb = VectorCodec.encode(RewriteFixture.vector(1, i), VectorDataType.FLOAT32, null);
                byte[] emb2 = VectorCodec.encode(RewriteFixture.vector(2, i), VectorDataType.FLOAT32, null);
                jedis.hset(RewriteFixture.bytes("doc:" + i),
                        Map.of(RewriteFixture.bytes("emb"), emb, RewriteFixture.bytes("emb2"), emb2));
            }
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan plan = plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n      attrs: "
                    + "{datatype: float16}\n    - name: emb2\n      attrs: {datatype: bfloat16}\n");
            Path backup = dir.resolve("backup");

            MigrationReport report = slipway.apply(plan, options(backup, true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(reportedRecall(report, "emb")).isBetween(0.5, 1.0);
            assertThat(reportedRecall(report, "emb2")).isBetween(0.5, 1.0);
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().recallAt10()).containsOnlyKeys("emb", "emb2");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"a b | $['a b'] | @a\\ b:word3", "café | $['café'] | @café:word3",
            "it's | $[\"it's\"] | @it\\'s:word3"})
    void jsonFieldMoveToANameThatNeedsBrackets(String name, String path, String query, RedisStackServer redis,
                                                @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, JsonNode> before = jsonSource(jedis, slipway);
            MigrationPlan plan = plan(slipway, "jdocs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: \"" + name + "\"}\n");
            assertRewritePlan(plan, ChangeKind.MOVE_FIELD, false);
            assertThat(plan.rewrite().orElseThrow().fieldMoves())
                    .containsExactly(new RewriteSpec.FieldMove("$.title", path));

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jsons(jedis, "jdoc:*")).isEqualTo(expectedJson(before, "jdoc:", "jdoc:", name));
            assertIndexHasAll(slipway, "jdocs");
            List<?> found = (List<?>) call(jedis, "FT.SEARCH", "jdocs", query, "NOCONTENT", "LIMIT", "0", "0");
            assertThat((Long) found.get(0)).isEqualTo(DOCS / 7 + (DOCS % 7 > 3 ? 1 : 0));

            rollBackJsonAndCheck(slipway, jedis, plan, backup, before, Optional.empty());
        }
    }

    /** A name no JSON path can hold so that RedisJSON reads it back is blocked at plan time, not after the drop. */
    @Test
    void jsonFieldMoveToANameWithABackslashIsBlocked(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            jsonSource(jedis, slipway);
            SlipwayException blocked = catchThrowableOfType(() -> plan(slipway, "jdocs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: 'back\\slash'}\n"), SlipwayException.class);

            assertThat(blocked).isNotNull();
            assertThat(blocked.exitCode()).isEqualTo(2);
            assertThat(blocked.describe()).contains("new_name 'back\\slash' of JSON field 'title' cannot be "
                    + "written as a JSON path");
        }
    }

    @Test
    void jsonPrefixChange(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, JsonNode> before = jsonSource(jedis, slipway);
            MigrationPlan plan = plan(slipway, "jdocs", dir, "  index:\n    prefix: 'jitem:'\n");
            assertRewritePlan(plan, ChangeKind.CHANGE_PREFIX, false);

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(keys(jedis, "jdoc:*")).isEmpty();
            assertThat(jsons(jedis, "jitem:*")).isEqualTo(expectedJson(before, "jdoc:", "jitem:", false));
            assertIndexHasAll(slipway, "jdocs");
            assertBackupComplete(backup);

            rollBackJsonAndCheck(slipway, jedis, plan, backup, before, Optional.of("jitem:*"));
        }
    }

    /** Move and prefix rewrite documents; the JSON vector datatype change rides along index-only. */
    @Test
    void jsonCombinedMovePrefixAndIndexOnlyQuantization(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, JsonNode> before = jsonSource(jedis, slipway);
            MigrationPlan plan = plan(slipway, "jdocs", dir, "  rename_fields:\n    - {old_name: title, new_name: "
                    + "name}\n  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n  index:\n"
                    + "    prefix: 'jitem:'\n");
            assertRewritePlan(plan, ChangeKind.CHANGE_PREFIX, false);
            assertThat(plan.rewrite().orElseThrow().conversions()).isEmpty();

            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(plan, options(backup, false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jsons(jedis, "jitem:*")).isEqualTo(expectedJson(before, "jdoc:", "jitem:", true));
            assertIndexHasAll(slipway, "jdocs");
            assertThat(vectorType(jedis, "jdocs", "emb")).isEqualTo("FLOAT16");
            float[] query = RewriteFixture.vector(SEED, 7);
            byte[] half = VectorCodec.encode(query, VectorDataType.FLOAT16, null);
            assertThat(knn(jedis, "jdocs", "emb", half, 10)).hasSize(10).startsWith("jitem:7");
            assertBackupComplete(backup);

            rollBackJsonAndCheck(slipway, jedis, plan, backup, before, Optional.of("jitem:*"));
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A record damaged on disk is found before the rollback changes anything, also when told to overwrite changed
     * documents (which skips the read of every document that would otherwise hit it first): it used to drop the new
     * index and restore the records before the damaged one, then stop, leaving no index at all.
     */
    @Test
    void rollbackRefusesADamagedBackupBeforeChangingAnything(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            Path backup = migrate(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16, true);
            Path records = backup.resolve("originals.bin");
            byte[] bytes = java.nio.file.Files.readAllBytes(records);
            bytes[bytes.length * 3 / 4] ^= 0x01; // inside a later record
            java.nio.file.Files.write(records, bytes);
            TreeMap<String, TreeMap<String, String>> migrated = hashes(jedis, "doc:*");
            String schema = vectorType(jedis, "docs", "emb");

            SlipwayException refused = catchThrowableOfType(() -> slipway.rollbackFromBackup(backup, 1, true),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("checksum mismatch", "Nothing was changed");
            assertThat(refused.getMessage().split("put it back|put back", -1)).as("the advice, once")
                    .hasSize(2);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(migrated);
            assertThat(vectorType(jedis, "docs", "emb")).isEqualTo(schema);
        }
    }

    /**
     * A resumed apply finds damaged records after the header's last recorded length before it sends anything to
     * Redis: it used to run its probes (a throwaway index created and dropped) first (tester session 28 R5 #3).
     */
    @Test
    void applyRefusesADamagedBackupBeforeSendingAnything(RedisStackServer redis, @TempDir Path dir) throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            // the header is written once (an interval of an hour), the records of four batches after it
            MigrationPlan plan = crashedInsideTheRewrite(redis, jedis, slipway, dir, FaultyDocumentStore.Point
                    .BEFORE_WRITE, 4, java.time.Duration.ofHours(1), null);
            Path backup = dir.resolve("backup");
            long recorded = BackupDirectory.readHeader(backup).orElseThrow().dataLength();
            Path records = backup.resolve("originals.bin");
            byte[] bytes = Files.readAllBytes(records);
            assertThat((long) bytes.length).as("records after the header's length").isGreaterThan(recorded + 4000);
            bytes[(int) recorded + 12] ^= 0x01; // inside the first record the header does not count
            Files.write(records, bytes);
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");
            long creates = commandCalls(jedis, "FT.CREATE");

            SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan, options(backup, true)),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(commandCalls(jedis, "FT.CREATE")).as("not even the schema probe").isEqualTo(creates);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A record the header counts, damaged before a resume, is refused before the resume changes anything (exit 2):
     * the run found it only when it read the record to redo it, failed with exit 1 part way, and its output said a
     * rollback would restore from the backup (tester session 53 R47 T1 M1).
     */
    @Test
    void applyRefusesADamagedRecordTheHeaderCountsBeforeChangingAnything(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            MigrationPlan plan = crashedInsideTheRewrite(redis, jedis, slipway, dir, FaultyDocumentStore.Point
                    .BEFORE_WRITE, 6, java.time.Duration.ZERO, null);
            Path backup = dir.resolve("backup");
            long recorded = BackupDirectory.readHeader(backup).orElseThrow().dataLength();
            assertThat(recorded).as("records the header counts").isGreaterThan(4000);
            Path records = backup.resolve("originals.bin");
            byte[] bytes = Files.readAllBytes(records);
            bytes[(int) recorded / 2] ^= 0x01;
            Files.write(records, bytes);
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");

            SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan, options(backup, true)),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            // the flipped bit lands in a value (the record's checksum fails) or in a length (the record runs past the
            // data the header counts), as the SCAN order placed the records: either is a damaged record, refused
            assertThat(refused.getMessage()).containsAnyOf("checksum mismatch", "ends before the length its header "
                    + "records").contains("Nothing was changed by this run").doesNotContain("restores them");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * The records a killed run appended after the header's last save, lost before the resume (a file system that did
     * not keep what fsync promised, a copy cut short): Redis says more batches landed than the backup holds, and the
     * resume is refused before it changes anything (exit 2). It went on, took the documents of the lost batches for
     * ones converted before the migration, and the rollback left them so, exit 0 (tester session 53 R47 T1 H4).
     */
    @Test
    void aResumeOverABackupThatLostRecordsAfterTheyWereWrittenIsRefused(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            // the header is written once (an interval of an hour), the records of the batches after it
            MigrationPlan plan = crashedInsideTheRewrite(redis, jedis, slipway, dir, FaultyDocumentStore.Point
                    .AFTER_WRITE, 4, java.time.Duration.ofHours(1), "slipway:rewrite-batches:docs");
            Path backup = dir.resolve("backup");
            long recorded = BackupDirectory.readHeader(backup).orElseThrow().dataLength();
            assertThat(jedis.get("slipway:rewrite-batches:docs")).as("what Redis says landed").endsWith(" 2");
            try (java.nio.channels.FileChannel records = java.nio.channels.FileChannel.open(
                    backup.resolve("originals.bin"), java.nio.file.StandardOpenOption.WRITE)) {
                assertThat(records.size()).as("records after the header's length").isGreaterThan(recorded + 4000);
                records.truncate(recorded);
            }
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");

            SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan, options(backup, true)),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("batches of this rewrite landed in Redis", "were lost after "
                    + "they were written", "Nothing was changed by this run");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A rewrite to float16 of the hash source, its apply killed before the rewrite step and its rewrite killed at
     * {@code point} of write call {@code call} (batches of 50, the header written at {@code headerInterval}, the
     * batches landed recorded under {@code batchesKey} unless null); the backup is {@code dir/backup}.
     */
    private static MigrationPlan crashedInsideTheRewrite(RedisStackServer redis, Jedis jedis, Slipway slipway, Path dir,
                                                         FaultyDocumentStore.Point point, int call,
                                                         java.time.Duration headerInterval, String batchesKey) {
        hashSource(jedis, slipway, VectorDataType.FLOAT32);
        MigrationPlan plan = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
        Path backup = dir.resolve("backup");
        Crashes.applyAndCrashAt(redis.url(), plan, options(backup, true), "before", "rewrite-documents");
        Crashes.rewriteAndCrashInside(redis.url(), plan, backup, new FaultyDocumentStore.Fault(point, call, 0),
                new dev.slipway.internal.rewrite.RewriteSettings(50, 0, headerInterval, 0), 1, batchesKey);
        return plan;
    }

    /**
     * Validation's search for the old form scans twice for a rename with a key move (the old prefix, then the old
     * field names); the second scan's progress goes on from the first instead of starting the bar again (tester
     * session 53 R47 T2 F6: 500 ... 20000, then 500 again, in one task).
     */
    @Test
    void theSearchForTheOldFormNeverGoesBackwards(RedisStackServer redis, @TempDir Path dir) {
        List<String> updates = new java.util.concurrent.CopyOnWriteArrayList<>();
        TaskProgress listener = new TaskProgress() {
            @Override
            public void update(long done) {
                if (task().startsWith("looking for documents")) {
                    updates.add(task() + " " + done);
                }
            }
        };
        Slipway slipway = Slipway.configure().url(redis.url()).progress(listener).load();
        try (Jedis jedis = redis.newJedis()) {
            hashSource(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, RENAME_QUANTIZE_MOVE);

            slipway.validate(plan, List.of()); // not applied: the old prefix and the old field names hold them all

            List<Long> done = updates.stream().map(u -> Long.parseLong(u.substring(u.lastIndexOf(' ') + 1)))
                    .toList();
            assertThat(done).as(String.join(", ", updates)).isNotEmpty().isSorted();
            assertThat(done.get(done.size() - 1)).as("both scans counted").isEqualTo(2L * DOCS);
        }
    }

    /** How often the server ran a command (INFO commandstats). */
    private static long commandCalls(Jedis jedis, String command) {
        String prefix = "cmdstat_" + command.toLowerCase(java.util.Locale.ROOT) + ":calls=";
        return jedis.info("commandstats").lines().filter(line -> line.toLowerCase(java.util.Locale.ROOT)
                .startsWith(prefix)).mapToLong(line -> Long.parseLong(line.substring(prefix.length())
                .split(",")[0])).sum();
    }

    private static TreeMap<String, TreeMap<String, String>> hashSource(Jedis jedis, Slipway slipway,
                                                                        VectorDataType type) {
        TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway, type, DOCS, SEED);
        assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        assertThat(before).hasSize(DOCS);
        return before;
    }

    private static TreeMap<String, JsonNode> jsonSource(Jedis jedis, Slipway slipway) {
        RewriteFixture.createJsonIndex(jedis, "jdocs", "jdoc:");
        RewriteFixture.loadJson(jedis, "jdoc:", DOCS, SEED);
        RewriteFixture.waitIndexed(slipway, "jdocs");
        assertThat(slipway.describe("jdocs").numDocs()).isEqualTo(DOCS);
        TreeMap<String, JsonNode> before = jsons(jedis, "jdoc:*");
        assertThat(before).hasSize(DOCS);
        return before;
    }

    /**
     * A JSON document deleted after a prefix move and field move stays deleted, and does not stop the rollback
     * ({@code JSON.SET} of a path in a missing key is an error: it used to fail every rollback run).
     */
    @Test
    void rollbackLeavesJsonDocumentsDeletedSinceTheMigrationDeleted(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, JsonNode> before = jsonSource(jedis, slipway);
            Path backup = migrate(slipway, "jdocs", dir, JSON_KEY_AND_PATH_MOVE, false);
            jedis.del("jitem:7");

            RestoreResult restored = slipway.rollbackFromBackup(backup, 2);

            assertThat(restored.documentsRestored()).isEqualTo(DOCS - 1);
            assertThat(restored.documentsMissing()).isEqualTo(1);
            before.remove("jdoc:7");
            assertThat(jsons(jedis, "jdoc:*")).isEqualTo(before);
            assertThat(keys(jedis, "jitem:*")).isEmpty();
            assertThat(slipway.describe("jdocs").numDocs()).isEqualTo(DOCS - 1);
        }
    }

    /**
     * JSON: a moved path the application changed after the migration is reported under the document's new key; a
     * document whose key moved but whose moved path was left alone is not.
     */
    @Test
    void rollbackRefusesToOverwriteJsonDocumentsChangedSinceTheMigration(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, JsonNode> before = jsonSource(jedis, slipway);
            Path backup = migrate(slipway, "jdocs", dir, JSON_KEY_AND_PATH_MOVE, false);
            call(jedis, "JSON.SET", "jitem:7", "$.name", "\"renamed by the application\"");
            call(jedis, "JSON.SET", "jitem:8", "$.tag", "\"retagged\""); // not a path the rewrite touched
            call(jedis, "JSON.SET", "jdoc:9", "$", "{\"title\":\"a new document under an old name\"}");
            TreeMap<String, JsonNode> migrated = jsons(jedis, "j*");

            assertThatThrownBy(() -> slipway.rollbackFromBackup(backup, 1))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED);
                        assertThat(e.problems()).containsExactlyInAnyOrder("jitem:7: field '$.name'",
                                "jdoc:9: created again beside the moved document 'jitem:9'");
                    });
            assertThat(jsons(jedis, "j*")).isEqualTo(migrated);

            // overwriting cannot move jitem:9 back onto the new jdoc:9: the rollback stops (exit 1), with nothing
            // written into jdoc:9, and continues once the user has resolved the pair
            JsonNode recreated = jsons(jedis, "jdoc:9").get("jdoc:9");
            assertThatThrownBy(() -> slipway.rollbackFromBackup(backup, 1, true))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
                        assertThat(e.getMessage()).startsWith("1 document could not be moved back").contains(
                                "run the same rollback again");
                        assertThat(e.problems()).containsExactly(
                                "'jitem:9' cannot move back to 'jdoc:9': both exist");
                    });
            assertThat(jsons(jedis, "jdoc:9").get("jdoc:9")).isEqualTo(recreated);
            assertThat(keys(jedis, "jitem:*")).contains("jitem:9");
            jedis.del("jdoc:9"); // the user resolves the pair

            slipway.rollbackFromBackup(backup, 1, true);

            assertThat(keys(jedis, "jitem:*")).isEmpty();
            TreeMap<String, JsonNode> after = jsons(jedis, "jdoc:*");
            assertThat(after.get("jdoc:8").get(0).get("tag").asText()).isEqualTo("retagged");
            ((ObjectNode) before.get("jdoc:8").get(0)).put("tag", "retagged");
            assertThat(after).isEqualTo(before);
        }
    }

    /** Plans the changes against the index and applies them with a backup; returns the backup directory. */
    private static Path migrate(Slipway slipway, String index, Path dir, String changes, boolean acceptDataLoss) {
        MigrationPlan plan = plan(slipway, index, dir, changes);
        Path backup = dir.resolve("backup");
        assertThat(slipway.apply(plan, options(backup, acceptDataLoss)).result())
                .isEqualTo(MigrationReport.Result.SUCCEEDED);
        return backup;
    }

    private static void assertRewritePlan(MigrationPlan plan, ChangeKind kind, boolean lossy) {
        assertThat(plan.blockedReasons()).isEmpty();
        assertThat(plan.supported()).isTrue();
        assertThat(plan.changes()).anyMatch(c -> c.kind() == kind && c.supported());
        assertThat(plan.rewrite()).isPresent();
        assertThat(plan.rewrite().get().lossy()).isEqualTo(lossy);
        assertThat(plan.steps()).extracting(s -> s.kind()).containsExactly(StepKind.DROP_INDEX,
                StepKind.REWRITE_DOCUMENTS, StepKind.CREATE_INDEX, StepKind.WAIT_FOR_INDEXING, StepKind.VALIDATE);
    }

    private static void assertIndexHasAll(Slipway slipway, String index) {
        IndexDescription described = slipway.describe(index);
        assertThat(described.numDocs()).isEqualTo(DOCS);
        assertThat(described.indexingFailures()).isZero();
        assertThat(described.percentIndexed()).isEqualTo(1.0);
    }

    private static void assertBackupComplete(Path backup) {
        BackupHeader header = BackupDirectory.readHeader(backup).orElseThrow();
        assertThat(header.phase()).isEqualTo(BackupHeader.Phase.REWRITTEN);
        assertThat(header.documentsRewritten()).isEqualTo(DOCS);
        assertThat(header.documentsBackedUp()).isEqualTo(DOCS);
        assertThat(header.conflicts()).isZero();
        assertThat(header.batchesApplied()).isEqualTo(header.batchesBackedUp()).isGreaterThan(1);
    }

    private static void assertKnnFindsItself(Jedis jedis, String index, Map<String, TreeMap<String, String>> docs,
                                             String key) {
        List<String> nearest = knn(jedis, index, "emb", unhex(docs.get(key).get("emb")), 10);
        assertThat(nearest).hasSize(10).startsWith(key);
    }

    private static void rollBackAndCheck(Slipway slipway, Jedis jedis, MigrationPlan plan, Path backup,
                                         Map<String, TreeMap<String, String>> before, String oldPattern,
                                         Optional<String> newPattern, String vectorType) {
        RestoreResult restored = slipway.rollbackFromBackup(backup, 2);
        assertThat(restored.documentsRestored()).isEqualTo(DOCS);
        assertThat(restored.indexRecreated()).isEqualTo(plan.source().schema().name());
        assertThat(hashes(jedis, oldPattern)).isEqualTo(before);
        newPattern.ifPresent(p -> assertThat(keys(jedis, p)).isEmpty());
        assertSourceIndexBack(slipway, jedis, plan, vectorType);
        assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                .isEqualTo(BackupHeader.Phase.ROLLED_BACK);
    }

    private static void assertSourceIndexBack(Slipway slipway, Jedis jedis, MigrationPlan plan, String vectorType) {
        IndexDescription described = slipway.describe(plan.source().indexName());
        assertThat(described.schema()).isEqualTo(plan.source().schema());
        assertThat(described.numDocs()).isEqualTo(DOCS);
        assertThat(described.indexingFailures()).isZero();
        assertThat(vectorType(jedis, plan.source().indexName(), "emb")).isEqualTo(vectorType);
        assertThat(jedis.exists(KeyNamespace.DEFAULT.checkpoint(plan.source().indexName()))).isFalse();
        assertThat(jedis.exists(KeyNamespace.DEFAULT.lock(plan.source().indexName()))).isFalse();
    }

    private static TreeMap<String, JsonNode> expectedJson(Map<String, JsonNode> before, String fromPrefix,
                                                          String toPrefix, boolean moveTitle) {
        return expectedJson(before, fromPrefix, toPrefix, moveTitle ? "name" : null);
    }

    /** The documents after a rewrite: moved to {@code toPrefix}, and title renamed to {@code newTitle} unless null. */
    private static TreeMap<String, JsonNode> expectedJson(Map<String, JsonNode> before, String fromPrefix,
                                                          String toPrefix, String newTitle) {
        TreeMap<String, JsonNode> expected = new TreeMap<>();
        before.forEach((key, doc) -> {
            ArrayNode copy = doc.deepCopy();
            ObjectNode object = (ObjectNode) copy.get(0);
            if (newTitle != null) {
                object.set(newTitle, object.remove("title"));
            }
            expected.put(toPrefix + key.substring(fromPrefix.length()), copy);
        });
        return expected;
    }

    private static void rollBackJsonAndCheck(Slipway slipway, Jedis jedis, MigrationPlan plan, Path backup,
                                             Map<String, JsonNode> before, Optional<String> newPattern) {
        RestoreResult restored = slipway.rollbackFromBackup(backup, 2);
        assertThat(restored.documentsRestored()).isEqualTo(DOCS);
        assertThat(jsons(jedis, "jdoc:*")).isEqualTo(before);
        newPattern.ifPresent(p -> assertThat(keys(jedis, p)).isEmpty());
        assertSourceIndexBack(slipway, jedis, plan, "FLOAT32");
        assertThat(BackupDirectory.readHeader(backup).orElseThrow().phase())
                .isEqualTo(BackupHeader.Phase.ROLLED_BACK);
    }

    /** A facade whose progress messages (the warnings apply prints before it changes anything) go to {@code into}. */
    private static Slipway collectingMessages(RedisStackServer redis, List<String> into) {
        return Slipway.configure().url(redis.url()).progress(new ProgressListener() {
            @Override
            public void message(String text) {
                into.add(text);
            }
        }).load();
    }
}
