package dev.slipway.rewrite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.rewrite.FaultyDocumentStore.Fault;
import static dev.slipway.rewrite.FaultyDocumentStore.Point;
import static dev.slipway.rewrite.RewriteFixture.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server that restarts from a snapshot taken between a field move's write and its delete (and before the key's
 * move) holds the document under its old name with the value under both field names. The re-run's new pass backs it
 * up as it finds it, after its first record; the rollback restores the records in order, so the later one wrote the
 * new name back beside the old one, and the rollback exited 0 (tester session 51 R44 T1 H2: 71 to 100 JSON documents
 * with a member they never had). In a later pass such a document's backup records the new name as absent.
 *
 * <p>The snapshot is played by hand: after a killed run rewrote some batches, one moved document is put back in the
 * state the snapshot held, and the server restarts keeping its data, so that the re-run makes a new pass.
 */
@ExtendWith(RedisStackExtension.class)
class MoveCutShortByARestartIT {
    private static final String MOVE = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + "  index:\n    prefix: 'item:'\n";

    @Test
    void aJsonMoveCutShortIsRolledBackWithoutTheNewMember(RedisStackServer redis, @TempDir Path dir) {
        roundTrip(redis, dir, true, 51, NOTHING, (jedis, key) -> copyMember(jedis, key, "$.name", "$.title"), false);
    }

    @Test
    void aHashMoveCutShortIsRolledBackWithoutTheNewField(RedisStackServer redis, @TempDir Path dir) {
        roundTrip(redis, dir, false, 52, NOTHING, (jedis, key) -> copyField(jedis, key, "name", "title"), false);
    }

    /**
     * Documents that held the same value under both names before the migration: the first pass records both as
     * present, and the later pass the new name as cut short, which the rollback leaves as the first record restored
     * it. Recorded as plainly absent (session 51), the rollback deleted the new name these documents had.
     */
    @Test
    void aHashDocumentThatHeldBothNamesBeforeKeepsBothAfterTheRollback(RedisStackServer redis, @TempDir Path dir) {
        roundTrip(redis, dir, false, 53, (jedis, key) -> copyField(jedis, key, "title", "name"),
                (jedis, key) -> copyField(jedis, key, "name", "title"), false);
    }

    @Test
    void aJsonDocumentThatHeldBothNamesBeforeKeepsBothAfterTheRollback(RedisStackServer redis, @TempDir Path dir) {
        roundTrip(redis, dir, true, 54, (jedis, key) -> copyMember(jedis, key, "$.title", "$.name"),
                (jedis, key) -> copyMember(jedis, key, "$.name", "$.title"), false);
    }

    /**
     * A moved document a restart put back in the old form, whose title the application then deleted before the
     * re-run read it: the re-run's record holds both names as absent, and the rollback, which ends the document on
     * it, leaves the title deleted. Its record held no field, so the first record's title came back (tester session 52
     * R46 T1 F1: 40 of 40 JSON titles, exit 0); for a hash the rollback also took the earlier record's writes, which
     * met a document without the new name, for another client's change and exited 1.
     */
    @Test
    void aHashFieldTheApplicationDeletedAfterARestartStaysDeletedAfterTheRollback(RedisStackServer redis,
                                                                                   @TempDir Path dir) {
        roundTrip(redis, dir, false, 55, NOTHING, (jedis, key) -> jedis.hdel(key, "name"), true);
    }

    @Test
    void aJsonMemberTheApplicationDeletedAfterARestartStaysDeletedAfterTheRollback(RedisStackServer redis,
                                                                                    @TempDir Path dir) {
        roundTrip(redis, dir, true, 56, NOTHING, (jedis, key) -> call(jedis, "JSON.DEL", key, "$.name"), true);
    }

    /**
     * A document a restart put back after its field move and before its key move (the new name, under the old key):
     * the re-run only moves the key, and its record holds no field, so the rollback ends on the first record's
     * title. Recording the old name as absent there, since it is absent, deleted about 300 titles in the tester's
     * repro of F1 (a first try at its fix).
     */
    @Test
    void aKeyMoveCutShortAfterItsFieldMoveGetsTheOldNameBack(RedisStackServer redis, @TempDir Path dir) {
        roundTrip(redis, dir, false, 57, NOTHING, NOTHING, false);
    }

    /** What a case does to a document: every one before the plan, or the one moved back as the snapshot held it. */
    @FunctionalInterface
    private interface Change {
        void apply(Jedis jedis, String key) throws Exception;
    }

    private static final Change NOTHING = (jedis, key) -> { };

    /**
     * One case: 300 documents (JSON or hash) changed by {@code before} each, the plan of {@link #MOVE}, a killed run,
     * the first moved document moved back and changed by {@code cutShort} as the snapshot and then the application
     * left it, the re-run after a restart, and the rollback: every document as before, but the title of the one cut
     * short when {@code titleDeleted}.
     */
    private static void roundTrip(RedisStackServer redis, Path dir, boolean json, int seed, Change before,
                                  Change cutShort, boolean titleDeleted) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            if (json) {
                RewriteFixture.createJsonIndex(jedis, "docs", "doc:");
                RewriteFixture.loadJson(jedis, "doc:", 300, seed);
            } else {
                RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 300, seed);
            }
            for (String key : RewriteFixture.keys(jedis, "doc:*")) {
                run(before, jedis, key);
            }
            RewriteFixture.waitIndexed(slipway, "docs");
            Map<String, Object> expected = documents(jedis, json);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, MOVE);
            Path backup = dir.resolve("backup");
            String[] cut = new String[1];
            cutShortAndResume(redis, jedis, plan, backup, "doc:", key -> {
                run(cutShort, jedis, key);
                cut[0] = key;
            });

            slipway.rollbackFromBackup(backup, 1);

            if (titleDeleted && expected.get(cut[0]) instanceof JsonNode document) {
                ((ObjectNode) document.get(0)).remove("title");
            } else if (titleDeleted && expected.get(cut[0]) instanceof Map<?, ?> fields) {
                fields.remove("title");
            }
            try (Jedis after = redis.newJedis()) {
                assertThat(documents(after, json)).isEqualTo(expected);
                assertThat(RewriteFixture.keys(after, "item:*")).isEmpty();
            }
        }
    }

    private static void run(Change change, Jedis jedis, String key) {
        try {
            change.apply(jedis, key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> documents(Jedis jedis, boolean json) {
        return new TreeMap<>(json ? RewriteFixture.jsons(jedis, "doc:*") : RewriteFixture.hashes(jedis, "doc:*"));
    }

    private static void copyField(Jedis jedis, String key, String from, String to) {
        jedis.hset(RewriteFixture.bytes(key), RewriteFixture.bytes(to), jedis.hget(RewriteFixture.bytes(key),
                RewriteFixture.bytes(from)));
    }

    private static void copyMember(Jedis jedis, String key, String from, String to) throws Exception {
        JsonNode value = RewriteFixture.JSON.readTree((byte[]) call(jedis, "JSON.GET", key, from));
        call(jedis, "JSON.SET", key, to, value.get(0).toString());
    }

    /** What puts a moved document, back under its old name, in the state the snapshot held. */
    @FunctionalInterface
    private interface CutShort {
        void restore(String key) throws Exception;
    }

    /**
     * Kills a run after some batches, puts the first moved document back as the snapshot held it, restarts the
     * server keeping its data and finishes the migration.
     */
    private static void cutShortAndResume(RedisStackServer redis, Jedis jedis, MigrationPlan plan, Path backup,
                                          String oldPrefix, CutShort cutShort) {
        ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(backup).withThroughput(50, 1, 0, 3);
        Crashes.applyAndCrashAt(redis.url(), plan, options, "before", "rewrite-documents");
        Crashes.rewriteAndCrashInside(redis.url(), plan, backup, new Fault(Point.BEFORE_SCAN, 7, 0), 1, 50);
        String moved = RewriteFixture.keys(jedis, "item:*").first();
        String key = oldPrefix + moved.substring("item:".length());
        jedis.rename(moved, key);
        try {
            cutShort.restore(key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        redis.restartKeepingData(); // another run_id: the re-run makes a new pass, which meets the document

        MigrationReport report = Slipway.configure().url(redis.url()).load().apply(plan, options);

        assertThat(report.result()).as("%s", report.error()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        try (Jedis after = redis.newJedis()) {
            assertThat(RewriteFixture.keys(after, "doc:*")).isEmpty();
        }
    }
}
