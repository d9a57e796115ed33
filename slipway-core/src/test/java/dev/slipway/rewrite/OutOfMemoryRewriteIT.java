package dev.slipway.rewrite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import dev.slipway.testing.ServerEvictions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.call;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.jsons;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A server that reaches {@code maxmemory} while documents are rewritten, on a real server: it refuses every write
 * that could grow memory (HSET, JSON.SET) but still runs deletes (HDEL, JSON.DEL). A field move must then keep the
 * old field: pipelined after a refused write, its delete used to remove the only copy of the value from Redis,
 * and the resumed run, which plans from the live documents, finished with exit 0 and the field gone (51 of 20,000
 * documents in the reproduction). The same holds for a rollback's restore, which moves fields the other way.
 */
@ExtendWith(RedisStackExtension.class)
class OutOfMemoryRewriteIT {
    private static final int DOCS = 400;
    private static final int BATCH = 50;
    /** The documents of the index "wide" ({@link #wideningPlan}). */
    private static final int WIDE_DOCUMENTS = 10_000;

    @TempDir
    Path dir;

    /** Lowers maxmemory to 1 byte when the named task begins, so every write that could grow memory is refused. */
    private static final class FillUp extends TaskProgress {
        private final Jedis admin;
        private final String during;
        private boolean filled;

        FillUp(Jedis admin, String during) {
            this.admin = admin;
            this.during = during;
        }

        @Override
        public void begin(String name, long total, String unit) {
            super.begin(name, total, unit);
            if (name.equals(during)) {
                admin.configSet("maxmemory", "1");
                filled = true;
            }
        }

        @Override
        public void update(long done) {
        }

        @Override
        public void end() {
        }
    }

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(BATCH, 2, 0, 3);
    }

    /** Applies the plan with the server full from the start of the rewrite; returns the failure. */
    private static SlipwayException applyWhileFull(RedisStackServer redis, Jedis admin, MigrationPlan plan,
                                                   Path backup) {
        FillUp fill = new FillUp(admin, "rewriting documents");
        SlipwayException failed = catchThrowableOfType(SlipwayException.class, () -> Slipway.configure()
                .url(redis.url()).progress(fill).load().apply(plan, options(backup)));
        admin.configSet("maxmemory", "0");
        assertThat(fill.filled).isTrue();
        assertThat(failed).as("a refused write fails the migration").isNotNull();
        assertThat(failed.exitCode()).isEqualTo(1);
        return failed;
    }

    /** Rolls back with the server full from the start of the restore, then again with room. */
    private static void rollBackWhileFullThenAgain(RedisStackServer redis, Jedis admin, Path backup) {
        FillUp fill = new FillUp(admin, "restoring originals");
        SlipwayException failed = catchThrowableOfType(SlipwayException.class, () -> Slipway.configure()
                .url(redis.url()).progress(fill).load().rollbackFromBackup(backup, 2));
        admin.configSet("maxmemory", "0");
        assertThat(fill.filled).isTrue();
        assertThat(failed).as("a refused restore fails the rollback").isNotNull();
        Slipway.configure().url(redis.url()).load().rollbackFromBackup(backup, 2);
    }

    @Test
    void hashFieldMovesKeepTheirValuesWhenTheServerRefusesWrites(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis,
                    Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32, DOCS, 5);
            Path backup = dir.resolve("backup");
            MigrationPlan plan = RewriteFixture.plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n    - {old_name: emb, new_name: "
                            + "embedding}\n  update_fields:\n    - name: emb\n      attrs: {datatype: "
                            + "float16}\n");

            SlipwayException failed = applyWhileFull(redis, admin, plan, backup);

            assertThat(failed.getMessage()).contains("OOM").doesNotContain("..");
            assertThat(jedis.hgetAll("doc:0")).as("nothing is deleted once a write before it was refused")
                    .containsKey("title");
            MigrationReport resumed = Slipway.configure().url(redis.url()).load().apply(plan, options(backup));
            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(RewriteFixture.expectedHashes(before, "doc:", "doc:",
                    Map.of("title", "name", "emb", "embedding"), "emb", VectorDataType.FLOAT32,
                    VectorDataType.FLOAT16));

            rollBackWhileFullThenAgain(redis, admin, backup);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A server past 90% of its maxmemory under a policy that evicts, for a rewrite whose plan adds nothing (float16
     * shrinks what a rename and a key move keep): the plan warns and apply refuses (exit 2, nothing changed). Both
     * went ahead without a word, and the reads of the plan, the estimate and apply's checks made the server evict 216
     * to 719 keys, documents among them, while the evictions check passed with "0 keys" (tester session 53 R47 T1 H3).
     */
    @Test
    void aServerPastTheLineIsRefusedEvenForARewriteThatAddsNothing(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis,
                    Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32, DOCS, 5);
            long used = Long.parseLong(admin.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                    .findFirst().orElseThrow().substring("used_memory:".length()).strip());
            admin.configSet("maxmemory-policy", "allkeys-lru");
            admin.configSet("maxmemory", Long.toString(used * 100 / 95));
            try {
                Slipway slipway = Slipway.configure().url(redis.url()).load();
                MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, "  rename_fields:\n    - {old_name: "
                        + "title, new_name: name}\n  update_fields:\n    - name: emb\n      attrs: {datatype: "
                        + "float16}\n  index:\n    prefix: 'item:'\n");

                assertThat(plan.estimate().extraMemoryBytes()).isNotPositive();
                assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).startsWith("Memory limit: the server uses")
                        .contains("beyond 90% of the limit already", "evict keys, documents included"));
                SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan, options(dir.resolve(
                        "backup"))), SlipwayException.class);
                assertThat(refused).isNotNull();
                assertThat(refused.exitCode()).isEqualTo(2);
                assertThat(refused.getMessage()).startsWith("Not starting: the server uses");
            } finally {
                admin.configSet("maxmemory", "0");
                admin.configSet("maxmemory-policy", "noeviction");
            }
            assertThat(hashes(jedis, "doc:*")).as("nothing changed").isEqualTo(before);
        }
    }

    /**
     * A key move must wait for the document's conversion too: a key moved to a new prefix with its vector still
     * float32 is never scanned again (the resumed pass scans the old prefix), so the new index could not read it.
     */
    @Test
    void keysMoveOnlyOnceTheirConversionLanded(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis,
                    Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32, DOCS, 7);
            Path backup = dir.resolve("backup");
            MigrationPlan plan = RewriteFixture.plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    RewriteFixture.EMB_TO_FLOAT16 + "  index:\n    prefix: 'item:'\n");

            applyWhileFull(redis, admin, plan, backup);

            assertThat(RewriteFixture.keys(jedis, "item:*")).as("no key moved with its vector unconverted")
                    .isEmpty();
            MigrationReport resumed = Slipway.configure().url(redis.url()).load().apply(plan, options(backup));
            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "item:*")).isEqualTo(RewriteFixture.expectedHashes(before, "doc:", "item:",
                    Map.of(), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
        }
    }

    @Test
    void jsonFieldMovesKeepTheirValuesWhenTheServerRefusesWrites(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            RewriteFixture.createJsonIndex(jedis, "docs", "doc:");
            RewriteFixture.loadJson(jedis, "doc:", DOCS, 6);
            RewriteFixture.waitIndexed(Slipway.configure().url(redis.url()).load(), "docs");
            TreeMap<String, JsonNode> before = jsons(jedis, "doc:*");
            Path backup = dir.resolve("backup");
            MigrationPlan plan = RewriteFixture.plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n    - {old_name: tag, new_name: "
                            + "label}\n");

            applyWhileFull(redis, admin, plan, backup);

            MigrationReport resumed = Slipway.configure().url(redis.url()).load().apply(plan, options(backup));
            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            TreeMap<String, JsonNode> expected = new TreeMap<>();
            before.forEach((key, doc) -> {
                ObjectNode moved = (ObjectNode) doc.get(0).deepCopy();
                moved.set("name", moved.remove("title"));
                moved.set("label", moved.remove("tag"));
                expected.put(key, RewriteFixture.JSON.createArrayNode().add(moved));
            });
            assertThat(jsons(jedis, "doc:*")).isEqualTo(expected);

            rollBackWhileFullThenAgain(redis, admin, backup);
            assertThat(jsons(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A rollback during which the server evicts a key finishes (originals restored, index back), but fails (exit 1)
     * naming the evictions: restored documents may be among the keys evicted. Here the key evicted is an unrelated
     * cache entry, so every original is back.
     */
    @Test
    void aRollbackDuringWhichTheServerEvictsFailsNamingTheEvictions(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis,
                    Slipway.configure().url(redis.url()).load(), VectorDataType.FLOAT32, DOCS, 5);
            Path backup = dir.resolve("backup");
            MigrationPlan plan = RewriteFixture.plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    "  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n");
            assertThat(Slipway.configure().url(redis.url()).load().apply(plan, options(backup)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            long[] evicted = {0};
            TaskProgress pressure = TaskProgress.atBegin("restoring originals",
                    () -> evicted[0] = ServerEvictions.evictOneKey(redis));

            SlipwayException failed = catchThrowableOfType(SlipwayException.class, () -> Slipway.configure()
                    .url(redis.url()).progress(pressure).load().rollbackFromBackup(backup, 2));

            assertThat(evicted[0]).as("the server evicted a key").isEqualTo(1);
            assertThat(failed).as("evictions fail the rollback").isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).contains("The rollback finished (originals restored, index 'docs' "
                    + "recreated), but the server evicted 1 key since it began", "the backup in " + backup);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A rewrite that widens vectors grows every document: near the maxmemory of a server that evicts, it stops between
     * batches (exit 1) before the server evicts anything, and a re-run with room finishes it. Without the stop, the
     * server evicted documents as the rewrite went on.
     */
    @Test
    void aWideningRewriteStopsBeforeAServerThatEvictsReachesItsLimit(RedisStackServer redis) throws Exception {
        // 2 MB below the stop, about 3,000 documents' growth, at 4,000 documents a second in batches of 100
        wideningStopsInTime(redis, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                .withThroughput(100, 1, 4000, 3), 2 << 20);
    }

    /**
     * One batch can grow the documents by more than the 10% of maxmemory above the line: the next batch is
     * projected, at the planned growth per document and the measured one, before it is sent (tester session 33 R14
     * H1: batches of 5,000 documents each grew 8.5 MB past a line 4 MB below the limit, 3,300 documents were evicted
     * and the message said nothing was lost). Here a batch grows 3.2 MB, the line is 3 MB above the memory in use.
     */
    @Test
    void aWideningRewriteInLargeBatchesStopsBeforeABatchCouldCrossTheLimit(RedisStackServer redis) throws Exception {
        wideningStopsInTime(redis, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                .withThroughput(5000, 1, 0, 3), 3 << 20);
    }

    /**
     * An operator lowers maxmemory while the rewrite runs, to 1 MiB above the memory in use: the rewrite sees it
     * before its next batch and stops with nothing evicted (tester session 34 R17 f9: looking at most every 50 ms,
     * the rewrite went on for some 2,000 documents past the new limit, and the server evicted 2,049 keys).
     */
    @Test
    void aLimitLoweredDuringAWideningRewriteStopsItBeforeTheNextBatch(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = wideningPlan(slipway, jedis);
            long evicted = ServerEvictions.evictedKeys(admin);
            TaskProgress lowered = new TaskProgress() {
                private boolean done;

                @Override
                public void update(long rewritten) {
                    if (rewriting() && rewritten >= 2000 && !done) {
                        done = true;
                        long used = ServerEvictions.usedMemory(admin);
                        admin.configSet("maxmemory-policy", "allkeys-lru");
                        admin.configSet("maxmemory", Long.toString(used + (1 << 20)));
                    }
                }
            };
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                    .withThroughput(500, 4, 0, 3);

            SlipwayException failed = ServerEvictions.failureThenNoLimit(admin, () -> Slipway.configure()
                    .url(redis.url()).progress(lowered).load().apply(plan, options));

            assertThat(ServerEvictions.evictedKeys(admin)).as("nothing evicted").isEqualTo(evicted);
            assertThat(failed).as("stopped near the limit").isNotNull();
            assertThat(failed.getMessage()).contains("near the server's maxmemory", "Nothing was lost");
            assertThat(slipway.apply(plan, options).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jedis.keys("w:*")).hasSize(WIDE_DOCUMENTS);
        }
    }

    /**
     * Keys the server evicted before the stop may be documents: the stop then says how many, and not that nothing
     * was lost (tester session 33 R14 H1: "Nothing was lost" after 3,300 documents were evicted). Here the server
     * evicts cache keys (volatile-lru) as the rewrite begins, and its first look stops it.
     */
    @Test
    void aStopAfterTheServerEvictedSaysSo(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = wideningPlan(slipway, jedis);
            TaskProgress evicting = new TaskProgress() {
                @Override
                public void begin(String name, long total, String unit) {
                    super.begin(name, total, unit);
                    if (name.equals("rewriting documents")) {
                        Pipeline cache = admin.pipelined();
                        for (int i = 0; i < 2000; i++) {
                            cache.psetex("cache:" + i, 600_000, "x".repeat(1000));
                        }
                        cache.sync();
                        long used = ServerEvictions.settledUsedMemory(admin);
                        admin.configSet("maxmemory-policy", "volatile-lru");
                        admin.configSet("maxmemory", Long.toString(used - (1 << 20)));
                    }
                }
            };
            SlipwayException failed = ServerEvictions.failureThenNoLimit(admin, () -> Slipway.configure()
                    .url(redis.url()).progress(evicting).load().apply(plan, ApplyOptions.DEFAULTS.withBackupDir(
                            dir.resolve("backup"))));

            assertThat(failed).isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).contains("near the server's maxmemory", "The server EVICTED",
                    "keys since the migration began", "documents with a time to live (TTL) may be among them "
                    + "(maxmemory-policy volatile-lru evicts only keys that have one)")
                    .doesNotContain("Nothing was lost");
            assertThat(jedis.keys("w:*")).as("documents kept (the cache keys went)").hasSize(WIDE_DOCUMENTS);
            assertThat(slipway.status(java.util.Optional.of("wide")).get(0).migration().orElseThrow().evictedSince())
                    .as("status says so too (tester session 33 R15 L2)").isPositive();
        }
    }

    /** A HASH index "wide" of {@value #WIDE_DOCUMENTS} documents, and the plan widening their vectors. */
    private MigrationPlan wideningPlan(Slipway slipway, Jedis jedis) {
        call(jedis, "FT.CREATE", "wide", "ON", "HASH", "PREFIX", "1", "w:", "SCHEMA", "title", "TEXT", "emb",
                "VECTOR", "FLAT", "6", "TYPE", "FLOAT16", "DIM", 256, "DISTANCE_METRIC", "L2");
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < WIDE_DOCUMENTS; i++) {
            pipeline.hset(RewriteFixture.bytes("w:" + i), Map.of(RewriteFixture.bytes("title"),
                    RewriteFixture.bytes("w" + i), RewriteFixture.bytes("emb"), new byte[512]));
        }
        pipeline.sync();
        RewriteFixture.waitIndexed(slipway, "wide");
        return RewriteFixture.plan(slipway, "wide", dir,
                "  update_fields:\n    - name: emb\n      attrs: {datatype: float32}\n");
    }

    /**
     * Widens 10,000 documents' 256-dim FLOAT16 vectors (each grows 640 bytes), with maxmemory set, once the rewrite
     * begins, so that its line is {@code room} bytes above the memory in use; checks the stop, that nothing was
     * evicted, and that a re-run with room finishes.
     */
    private void wideningStopsInTime(RedisStackServer redis, ApplyOptions options, long room) throws Exception {
        int docs = WIDE_DOCUMENTS;
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = wideningPlan(slipway, jedis);
            long evicted = ServerEvictions.evictedKeys(admin);
            TaskProgress tight = TaskProgress.atBegin("rewriting documents",
                    () -> ServerEvictions.evictingWithLineAbove(admin, room));

            SlipwayException failed = ServerEvictions.failureThenNoLimit(admin, () -> Slipway.configure()
                    .url(redis.url()).progress(tight).load().apply(plan, options));

            assertThat(ServerEvictions.evictedKeys(admin)).as("nothing evicted").isEqualTo(evicted);
            assertThat(failed).as("stopped near the limit").isNotNull();
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.getMessage()).contains("near the server's maxmemory", "maxmemory-policy allkeys-lru",
                    "Nothing was lost", "re-run 'slipway apply'");
            long left = java.util.stream.IntStream.range(0, docs).filter(i -> jedis.hstrlen("w:" + i, "emb") == 512)
                    .count();
            assertThat(left).as("documents not rewritten yet").isPositive();
            MigrationReport resumed = slipway.apply(plan, options);
            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            for (int i = 0; i < docs; i += 997) {
                assertThat(jedis.hstrlen("w:" + i, "emb")).isEqualTo(1024);
            }
        }
    }
}
