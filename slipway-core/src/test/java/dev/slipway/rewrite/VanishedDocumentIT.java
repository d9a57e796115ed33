package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupRestorer;
import dev.slipway.internal.rewrite.DocumentStore;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.rewrite.FaultyDocumentStore.Fault;
import dev.slipway.rewrite.FaultyDocumentStore.Point;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static dev.slipway.rewrite.RewriteFixture.DIMS;
import static dev.slipway.rewrite.RewriteFixture.EMB_TO_FLOAT16;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Documents that are deleted or expire while a rewrite runs, on a real server: one that vanishes between the
 * rewrite's read and its write must stay gone. HSET would otherwise bring it back holding only the rewritten field,
 * with no TTL (a document nobody stored, which never expires).
 */
@ExtendWith(RedisStackExtension.class)
class VanishedDocumentIT {
    private static final int DOCS = 1_000;
    private static final int BATCH = 50;

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(BATCH, 2, 0, 3);
    }

    /**
     * When the first batch has landed (the next one is read and backed up, not yet written), every document not
     * yet rewritten goes: even ones expire (a TTL of 1 ms), odd ones are deleted. Records which documents were
     * rewritten by then; they are the ones that must be left, with the plan's sampled keys, which validation
     * expects to find and which are therefore spared.
     */
    private static final class Vanish extends TaskProgress {
        private final Jedis application;
        private final Set<String> kept = new TreeSet<>();
        private final Set<String> gone = new TreeSet<>();
        private final Predicate<String> rewritten;
        private final Set<String> spared = new TreeSet<>();
        private final String strip;

        Vanish(Jedis application, Predicate<String> rewritten) {
            this(application, rewritten, null);
        }

        /** Removes only the field {@code strip} from the documents not yet rewritten, when not null. */
        Vanish(Jedis application, Predicate<String> rewritten, String strip) {
            this.application = application;
            this.rewritten = rewritten;
            this.strip = strip;
        }

        /** Plans the change, sparing the documents the plan samples. */
        MigrationPlan plan(Slipway slipway, Path dir, String changes) {
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, changes);
            spared.addAll(plan.source().keySample());
            return plan;
        }

        /** The documents that must be left: those rewritten before the others went, and the spared ones. */
        Set<String> left() {
            Set<String> left = new TreeSet<>(kept);
            left.addAll(spared);
            return left;
        }

        @Override
        public void update(long done) {
            if (!rewriting() || done < BATCH || !gone.isEmpty()) {
                return;
            }
            for (int i = 0; i < DOCS; i++) {
                String key = "doc:" + i;
                if (spared.contains(key)) {
                    continue;
                }
                if (rewritten.test(key)) {
                    kept.add(key);
                } else if (strip != null) {
                    application.hdel(key, strip);
                    gone.add(key);
                } else if (i % 2 == 0) {
                    application.pexpire(key, 1);
                    gone.add(key);
                } else {
                    application.del(key);
                    gone.add(key);
                }
            }
            RewriteFixture.sleep(20); // the TTLs run out before the next batch is written
        }
    }

    /** Whether a document's {@code emb} already holds FLOAT16 bytes, read through the application's connection. */
    private static Predicate<String> converted(Jedis application) {
        return key -> application.hstrlen(key, "emb") == DIMS * 2L;
    }

    private static Vanish load(Jedis jedis, Jedis application, RedisStackServer redis, Predicate<String> rewritten) {
        return load(new Vanish(application, rewritten), jedis, redis);
    }

    private static Vanish load(Vanish vanish, Jedis jedis, RedisStackServer redis) {
        RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
        RewriteFixture.loadHash(jedis, "doc:", DOCS, VectorDataType.FLOAT32, 3);
        RewriteFixture.waitIndexed(Slipway.configure().url(redis.url()).load(), "docs");
        return vanish;
    }

    @Test
    void aConvertedDocumentThatVanishesIsNotBroughtBack(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Vanish vanish = load(jedis, application, redis, converted(application));
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");
            Slipway slipway = Slipway.configure().url(redis.url()).progress(vanish).load();
            MigrationPlan plan = vanish.plan(slipway, dir, EMB_TO_FLOAT16);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")).withWriteWatch(false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            Set<String> left = vanish.left();
            assertThat(left).hasSizeBetween(BATCH, 3 * BATCH);
            assertThat(new TreeSet<>(hashes(jedis, "doc:*").keySet())).as("only documents nobody removed")
                    .isEqualTo(left);
            for (String key : left) {
                assertThat(jedis.hgetAll(key).keySet()).as(key).isEqualTo(before.get(key).keySet());
                assertThat(jedis.ttl(key)).isEqualTo(-1);
            }
            // the batch read before the documents went was written after: its documents vanished in between
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .containsPattern("; (\\d{2,}) documents deleted or expired while being rewritten were left "
                            + "deleted");
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(left.size());
        }
    }

    /**
     * Another client removes just the vector field (the documents stay): the conversion's HSET that created it again
     * is taken back as well, and those documents are counted apart from deleted ones, since they were not deleted.
     */
    @Test
    void aConvertedFieldAnotherClientRemovedIsLeftRemovedAndNotCountedAsADeletion(RedisStackServer redis,
                                                                                @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Vanish vanish = load(new Vanish(application, converted(application), "emb"), jedis, redis);
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");
            Slipway slipway = Slipway.configure().url(redis.url()).progress(vanish).load();
            MigrationPlan plan = vanish.plan(slipway, dir, EMB_TO_FLOAT16);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")).withWriteWatch(false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "doc:*");
            assertThat(after.keySet()).as("every document is still there").isEqualTo(before.keySet());
            assertThat(vanish.gone).isNotEmpty().allSatisfy(key -> {
                TreeMap<String, String> expected = new TreeMap<>(before.get(key));
                expected.remove("emb");
                assertThat(after.get(key)).as(key).isEqualTo(expected);
            });
            assertThat(vanish.left()).allSatisfy(key -> assertThat(jedis.hstrlen(key, "emb")).isEqualTo(DIMS * 2L));
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .containsPattern("; (\\d{2,}) documents whose rewritten field another client removed while "
                            + "they were rewritten were left without it")
                    .doesNotContain("deleted or expired");
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    @Test
    void aMovedFieldOfAVanishedDocumentIsNotBroughtBack(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Vanish vanish = load(jedis, application, redis, key -> application.hexists(key, "name"));
            Slipway slipway = Slipway.configure().url(redis.url()).progress(vanish).load();
            MigrationPlan plan = vanish.plan(slipway, dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")).withWriteWatch(false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "doc:*");
            assertThat(after.keySet()).as("no document came back").doesNotContainAnyElementsOf(vanish.gone);
            assertThat(after).isNotEmpty().allSatisfy((key, fields) -> assertThat(fields).containsKey("name")
                    .doesNotContainKey("title").containsKey("emb"));
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("documents deleted or expired while being rewritten were left deleted");
        }
    }

    @Test
    void aJsonDocumentThatVanishesDoesNotFailTheRewrite(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            // JSON.SET below the root of a missing key is refused: the document cannot come back, and that refusal
            // must not fail the migration
            Vanish vanish = new Vanish(application, key -> !"[]".equals(RewriteFixture.text(
                    RewriteFixture.call(application, "JSON.GET", key, "$.name"))));
            RewriteFixture.createJsonIndex(jedis, "docs", "doc:");
            RewriteFixture.loadJson(jedis, "doc:", DOCS, 3);
            Slipway slipway = Slipway.configure().url(redis.url()).progress(vanish).load();
            RewriteFixture.waitIndexed(slipway, "docs");
            MigrationPlan plan = vanish.plan(slipway, dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")).withWriteWatch(false));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            Set<String> left = vanish.left();
            assertThat(new TreeSet<>(RewriteFixture.jsons(jedis, "doc:*").keySet())).isEqualTo(left);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("documents deleted or expired while being rewritten were left deleted");
        }
    }

    /**
     * Documents that expire after their rewrite, while the new index is being built and validated (an index of
     * expiring documents, such as a cache), do not fail the migration: the document count and the indexing failures
     * account for keys that no longer exist, and the plan samples no key with a time to live.
     */
    @Test
    void documentsExpiringWhileTheNewIndexIsBuiltDoNotFailValidation(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            load(jedis, application, redis, key -> false);
            for (int i = 0; i < DOCS; i += 4) {
                application.pexpire("doc:" + i, 600_000); // has a TTL at plan time: not a key to sample
            }
            ProgressListener expireAtTheEnd = new TaskProgress() {
                @Override
                public void end() {
                    if (rewriting()) { // rewritten and watched; the new index comes next
                        for (int i = 0; i < DOCS; i += 4) {
                            application.pexpire("doc:" + i, 1 + i % 150);
                        }
                    }
                    forgetTask();
                }
            };
            Slipway slipway = Slipway.configure().url(redis.url()).progress(expireAtTheEnd).load();
            MigrationPlan plan = plan(slipway, "docs", dir, EMB_TO_FLOAT16);
            assertThat(plan.source().keySample()).isNotEmpty()
                    .allSatisfy(key -> assertThat(Integer.parseInt(key.substring(4)) % 4).isNotZero());

            MigrationReport report;
            try {
                report = slipway.apply(plan, options(dir.resolve("backup")));
            } catch (dev.slipway.api.MigrationFailedException e) {
                throw new AssertionError(String.valueOf(e.report().validation()), e);
            }

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            RewriteFixture.sleep(200);
            assertThat(hashes(jedis, "doc:*")).hasSize(DOCS - DOCS / 4);
        }
    }

    @Test
    void withTheWatchOnDeletionsAndExpiriesDoNotStopTheRewrite(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Vanish vanish = load(jedis, application, redis, converted(application));
            Slipway slipway = Slipway.configure().url(redis.url()).progress(vanish).load();
            MigrationPlan plan = vanish.plan(slipway, dir, EMB_TO_FLOAT16);

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")));

            // a deletion or an expiry loses nothing, so it is not a write the rewrite must stop for; the documents
            // whose write brought them back are gone again
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            Set<String> left = vanish.left();
            assertThat(new TreeSet<>(hashes(jedis, "doc:*").keySet())).isEqualTo(left);
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .containsPattern("no writes by other clients seen \\((\\d{3,}) documents deleted or expired by "
                            + "others meanwhile\\)")
                    .contains("documents deleted or expired while being rewritten were left deleted");
        }
    }

    @Test
    void movedAndConvertedDocumentsThatVanishAreNotBroughtBackUnderEitherName(RedisStackServer redis,
                                                                            @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            Vanish vanish = load(jedis, application, redis,
                    key -> application.exists(key.replace("doc:", "item:")));
            Slipway slipway = Slipway.configure().url(redis.url()).progress(vanish).load();
            MigrationPlan plan = vanish.plan(slipway, dir, EMB_TO_FLOAT16 + "  index:\n    prefix: 'item:'\n");

            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")));

            // watched: the deletions and expiries, reported under either name, do not stop it
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hashes(jedis, "doc:*")).as("nothing left or brought back under the old prefix").isEmpty();
            Set<String> left = new TreeSet<>();
            vanish.left().forEach(key -> left.add(key.replace("doc:", "item:")));
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "item:*");
            assertThat(after.keySet()).as("only documents nobody removed, under the new prefix").isEqualTo(left);
            assertThat(after.values()).allSatisfy(fields -> assertThat(fields).containsKeys("title", "emb"));
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail())
                    .contains("documents deleted or expired by others meanwhile");
        }
    }

    /**
     * A run killed right after sending a batch's writes, in which two documents had vanished since its read (one
     * deleted, one expired), before it could take back what its writes brought back of them: they exist again,
     * holding only the rewritten fields, without a TTL. The resumed run deletes them again, under whichever name
     * they are, and counts them (tester session 48 R43 T2 F4: they stayed, and never expired).
     */
    @ParameterizedTest
    @ValueSource(strings = {"doc:", "item:"})
    void documentsAKilledRunBroughtBackInPartAreDeletedByTheResumedRun(String newPrefix, RedisStackServer redis,
                                                                       @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            load(jedis, application, redis, key -> false);
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            String changes = "  rename_fields:\n    - {old_name: title, new_name: name}\n" + EMB_TO_FLOAT16
                    + (newPrefix.equals("doc:") ? "" : "  index:\n    prefix: '" + newPrefix + "'\n");
            MigrationPlan plan = plan(slipway, "docs", dir, changes);
            Path backup = dir.resolve("backup");
            List<String> vanished = new java.util.ArrayList<>();
            Fault fault = new Fault(Point.AFTER_WRITE, 1, 0).beforeTheWrite(commands -> commands.stream()
                    .filter(c -> c.name().equals("HSET")).map(c -> AroundWrites.text(c.key())).distinct()
                    .filter(key -> !plan.source().keySample().contains(key)).limit(2).forEach(key -> {
                        if (vanished.isEmpty()) {
                            application.del(key);
                        } else {
                            application.pexpire(key, 1);
                            RewriteFixture.sleep(10);
                        }
                        vanished.add(key);
                    }));
            Crashes.applyAndCrashAt(redis.url(), plan, options(backup), "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup, fault, 1, BATCH);
            assertThat(vanished).hasSize(2).allSatisfy(key -> {
                // under its old name: the killed run's RENAMENX would have gone out after the writes
                String name = jedis.exists(key) ? key : key.replace("doc:", newPrefix);
                assertThat(jedis.hgetAll(name).keySet()).as("brought back in part by the killed run")
                        .containsExactlyInAnyOrder("name", "emb");
                assertThat(jedis.ttl(name)).isEqualTo(-1);
            });

            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.resumed()).isTrue();
            assertThat(vanished).allSatisfy(key -> {
                assertThat(jedis.exists(key)).as(key).isFalse();
                assertThat(jedis.exists(key.replace("doc:", newPrefix))).as(key).isFalse();
            });
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, newPrefix + "*");
            assertThat(after).hasSize(DOCS - 2);
            assertThat(after.values()).allSatisfy(fields -> assertThat(fields.keySet())
                    .containsExactlyInAnyOrder("name", "tag", "emb", "note"));
            assertThat(RewriteFixture.step(report, "rewrite-documents").detail()).contains("; 2 documents deleted or "
                    + "expired while being rewritten were left deleted (2 of them brought back in part by an earlier "
                    + "run's writes before it was killed, and deleted again)");
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS - 2);
        }
    }

    /**
     * The application deletes a document the rewrite has read, and stores it again once the rewrite's write (which
     * brought it back, and is taken back) has been sent: it exists again, written by another client while the
     * rewrite could overwrite it, so the watch stops the rewrite; the document is as the application stored it.
     */
    @Test
    void withTheWatchOnAWriteAfterADeletionStillStopsTheRewrite(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            load(jedis, application, redis, key -> false);
            MigrationPlan plan = RewriteFixture.plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    EMB_TO_FLOAT16);
            AroundWrites storedAgain = new AroundWrites(3, command -> application.del(command.key()),
                    command -> application.hset(AroundWrites.text(command.key()), "title",
                            "stored again by the application"));

            RuntimeException failed = RewriteFixture.rewriteWatched(redis.url(), plan, dir.resolve("backup"),
                    new RewriteSettings(BATCH, 0), storedAgain::wrap);

            assertThat(failed).as("a document that exists again was written: the watch stops")
                    .isInstanceOf(SlipwayException.class).hasMessageContaining("Another client changed documents");
            assertThat(((SlipwayException) failed).problems()).containsExactly(storedAgain.key());
            assertThat(jedis.hgetAll(storedAgain.key())).as("the application's document, nothing of the rewrite's")
                    .isEqualTo(java.util.Map.of("title", "stored again by the application"));
        }
    }

    /**
     * A store that, on the restore's third call that writes fields back, deletes every document that call is about
     * to write just before sending it: after the rollback checked that they exist.
     */
    private static class DeleteBeforeRestore extends ForwardingDocumentStore {
        private final Jedis application;
        private final AtomicInteger restores;
        private final Set<String> deleted;

        DeleteBeforeRestore(DocumentStore delegate, Jedis application, AtomicInteger restores, Set<String> deleted) {
            super(delegate);
            this.application = application;
            this.restores = restores;
            this.deleted = deleted;
        }

        @Override
        public List<Object> execute(List<Command> commands) {
            if (commands.stream().anyMatch(c -> c.name().equals("HSET")) && restores.incrementAndGet() == 3) {
                synchronized (application) {
                    for (Command command : commands) {
                        String key = new String(command.key(), StandardCharsets.UTF_8);
                        if (deleted.add(key)) {
                            application.del(key);
                        }
                    }
                }
            }
            return delegate.execute(commands);
        }
    }

    private static void rollbackDeletingOneBatch(RedisStackServer redis, String changes, Path dir,
                                                 Predicate<TreeMap<String, String>> restored) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = migrated(redis, jedis, changes, dir);
            Path backup = dir.resolve("backup");

            Set<String> deleted = Collections.synchronizedSet(new TreeSet<>());
            RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
            RestoreResult result;
            try (RedisSession session = RedisSession.open(endpoint, 10_000);
                 BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                AtomicInteger restores = new AtomicInteger();
                result = new BackupRestorer(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                        .withConnector(() -> new DeleteBeforeRestore(JedisDocumentStore.open(endpoint), application,
                                restores, deleted))
                        .restore(directory, 1, 0, false);
            }

            assertThat(deleted).as("one record's documents (a SCAN page: about a batch)").hasSizeBetween(BATCH / 2,
                    2 * BATCH);
            TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>(before);
            expected.keySet().removeAll(deleted);
            TreeMap<String, TreeMap<String, String>> after = hashes(jedis, "doc:*");
            assertThat(after.keySet()).as("the deleted documents stay deleted").isEqualTo(expected.keySet());
            assertThat(after).isEqualTo(expected);
            assertThat(after.values()).allMatch(restored);
            assertThat(result.documentsMissing()).isEqualTo(deleted.size());
            assertThat(result.documentsRestored()).isEqualTo(DOCS - deleted.size());
        }
    }

    /** Loads the index "docs", applies {@code changes} with its backup in {@code dir}/backup; the documents before. */
    private static TreeMap<String, TreeMap<String, String>> migrated(RedisStackServer redis, Jedis jedis,
                                                                     String changes, Path dir) {
        RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
        RewriteFixture.loadHash(jedis, "doc:", DOCS, VectorDataType.FLOAT32, 3);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        RewriteFixture.waitIndexed(slipway, "docs");
        TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");
        MigrationPlan plan = plan(slipway, "docs", dir, changes);
        assertThat(slipway.apply(plan, options(dir.resolve("backup"))).result())
                .isEqualTo(MigrationReport.Result.SUCCEEDED);
        return before;
    }

    /**
     * A rollback killed right after a record's writes, in which documents deleted after its check that they exist
     * came back holding only the restored fields, before it could take them back: the resumed rollback deletes them
     * again before it restores that record once more, and counts them as missing (the rollback's side of tester
     * session 48 R43 T2 F4).
     */
    @Test
    void documentsAKilledRollbackBroughtBackInPartAreDeletedByTheResumedOne(RedisStackServer redis,
                                                                            @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = migrated(redis, jedis, EMB_TO_FLOAT16, dir);
            Path backup = dir.resolve("backup");
            Set<String> deleted = Collections.synchronizedSet(new TreeSet<>());
            RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
            try (RedisSession session = RedisSession.open(endpoint, 10_000);
                 BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                AtomicInteger restores = new AtomicInteger();
                BackupRestorer killed = new BackupRestorer(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                        .withConnector(() -> new DeleteBeforeRestore(JedisDocumentStore.open(endpoint), application,
                                restores, deleted) {
                            @Override
                            public List<Object> execute(List<Command> commands) {
                                List<Object> replies = super.execute(commands);
                                if (restores.get() == 3) { // the writes landed; the take-back is never sent
                                    throw new FaultyDocumentStore.Crash("after a record's writes");
                                }
                                return replies;
                            }
                        });
                catchThrowableOfType(() -> killed.restore(directory, 1, 0, false), FaultyDocumentStore.Crash.class);
            }
            assertThat(deleted).isNotEmpty().allSatisfy(key -> {
                assertThat(jedis.hgetAll(key).keySet()).as("brought back in part").containsExactly("emb");
                assertThat(jedis.ttl(key)).isEqualTo(-1);
            });

            RestoreResult result;
            try (RedisSession session = RedisSession.open(endpoint, 10_000);
                 BackupDirectory directory = BackupDirectory.openExisting(backup)) {
                result = new BackupRestorer(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                        .restore(directory, 1, 0, false);
            }

            assertThat(deleted).allSatisfy(key -> assertThat(jedis.exists(key)).as(key).isFalse());
            TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>(before);
            expected.keySet().removeAll(deleted);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expected);
            assertThat(result.documentsMissing()).isEqualTo(deleted.size());
        }
    }

    @Test
    void aDocumentDeletedWhileTheRollbackRestoresAVectorStaysDeleted(RedisStackServer redis, @TempDir Path dir) {
        rollbackDeletingOneBatch(redis, EMB_TO_FLOAT16, dir, fields -> fields.containsKey("emb"));
    }

    @Test
    void aDocumentDeletedWhileTheRollbackMovesAFieldBackStaysDeleted(RedisStackServer redis, @TempDir Path dir) {
        rollbackDeletingOneBatch(redis, "  rename_fields:\n    - {old_name: title, new_name: name}\n", dir,
                fields -> fields.containsKey("title") && !fields.containsKey("name"));
    }

    /**
     * Documents deleted (or expired) between the rollback's existence check and its read of their fields are not
     * "changed since the migration": they are left deleted and counted (tester session 53 R47 T2 F3: documents with
     * a TTL refused the rollback, exit 2, as changed in field 'emb').
     */
    @Test
    void aDocumentDeletedBetweenTheChecksExistenceCheckAndItsReadIsNotAChange(RedisStackServer redis,
                                                                              @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis(); Jedis application = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = migrated(redis, jedis, EMB_TO_FLOAT16, dir);
            Set<String> deleted = Collections.synchronizedSet(new TreeSet<>());
            RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
            AtomicInteger reads = new AtomicInteger();
            RestoreResult result;
            try (RedisSession session = RedisSession.open(endpoint, 10_000);
                 BackupDirectory directory = BackupDirectory.openExisting(dir.resolve("backup"))) {
                result = new BackupRestorer(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                        .withConnector(() -> new ForwardingDocumentStore(JedisDocumentStore.open(endpoint)) {
                            @Override
                            public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
                                if (reads.incrementAndGet() == 1) { // the change check's first read
                                    synchronized (application) {
                                        for (int i = 0; i < 3; i++) {
                                            String key = new String(keys.get(i), StandardCharsets.UTF_8);
                                            deleted.add(key);
                                            application.del(key);
                                        }
                                    }
                                }
                                return super.readHashFields(keys, fields);
                            }
                        })
                        .restore(directory, 1, 0, false);
            }

            assertThat(deleted).hasSize(3);
            TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>(before);
            expected.keySet().removeAll(deleted);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(expected);
            assertThat(result.documentsMissing()).isEqualTo(3);
        }
    }
}
