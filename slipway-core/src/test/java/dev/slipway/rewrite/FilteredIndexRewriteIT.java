package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import dev.slipway.testing.ServerEvictions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A rewrite of an index with a FILTER, on a real server. The index holds only the documents its FILTER admits, and
 * the rewrite converts only those: a throwaway index with the same prefixes and FILTER tells apply which they are
 * ({@code FilterScope}), and the documents the FILTER leaves out keep their bytes. Before, every document under the
 * prefixes was converted (tester session 33 R15 M1: 2,000 planned, 20,000 converted). A patch that changes the FILTER
 * still converts every document under the prefixes: then the plan says so, and apply counts every document before
 * it changes anything, says how many more there are and checks memory against that count.
 */
@ExtendWith(RedisStackExtension.class)
class FilteredIndexRewriteIT {
    private static final int DOCS = 20_000;
    private static final int ADMITTED = 2_000;

    @TempDir
    Path dir;

    private static final String RENAME_TITLE = "  rename_fields:\n    - {old_name: title, new_name: name}\n";
    private static final String WIDEN = "  update_fields:\n    - name: emb\n      attrs: {datatype: float32}\n";
    private static final String CHANGED_FILTER = "  index:\n    filter: '@kind==\"admitted\" || @kind==\"extra\"'\n";

    /** 20,000 hashes under "f:" with 256-dim FLOAT16 vectors, of which the FILTER admits every tenth. */
    private MigrationPlan filteredWidening(Slipway slipway, Jedis jedis) {
        return filtered(slipway, jedis, WIDEN + CHANGED_FILTER);
    }

    /** The same documents and index, and a plan of the given changes. */
    private MigrationPlan filtered(Slipway slipway, Jedis jedis, String changes) {
        RewriteFixture.filteredHashDocs(jedis, slipway, "FLOAT16", 256, DOCS);
        return RewriteFixture.plan(slipway, "filtered", dir, changes);
    }

    private static final class Messages extends TaskProgress {
        final List<String> seen = new ArrayList<>();
        final Map<String, Long> totals = new java.util.HashMap<>();

        @Override
        public void begin(String name, long total, String unit) {
            super.begin(name, total, unit);
            totals.put(name, total);
        }

        @Override
        public void message(String text) {
            seen.add(text);
        }
    }

    /**
     * The patch keeps the FILTER: the plan, the estimate and apply count the 2,000 documents it admits, only those are
     * converted and backed up, the 18,000 others keep every byte, the throwaway index is gone afterwards, and the
     * rollback gives back exactly what was there.
     */
    @Test
    void onlyTheDocumentsTheFilterAdmitsAreRewritten(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            byte[] nul = RewriteFixture.bytes("f:\0other"); // INKEYS cannot name it: the index is listed instead
            jedis.hset(nul, Map.of(RewriteFixture.bytes("kind"), RewriteFixture.bytes("other"),
                    RewriteFixture.bytes("emb"), new byte[512]));
            MigrationPlan plan = filtered(slipway, jedis, WIDEN);
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashes(jedis, "f:*");
            assertThat(plan.rewrite().orElseThrow().documents()).isEqualTo(ADMITTED);
            assertThat(plan.steps()).anySatisfy(s -> assertThat(s.description()).startsWith("Rewrite about "
                    + ADMITTED + " documents (those the index's FILTER admits)"));
            assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("The index has a FILTER",
                    "converts only the documents it admits", "slipway-probe:filtered:<uuid>"));
            dev.slipway.api.plan.MigrationEstimate estimate = slipway.estimate(plan);
            assertThat(estimate.documentsToRewrite()).isEqualTo(ADMITTED);
            assertThat(estimate.basis()).contains("converts only the documents it admits");

            Messages messages = new Messages();
            MigrationReport report = Slipway.configure().url(redis.url()).progress(messages).load().apply(plan,
                    ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.warnings()).noneSatisfy(w -> assertThat(w).contains("more than the"));
            assertThat(messages.totals).containsEntry("measuring documents", (long) ADMITTED)
                    .containsEntry("rewriting documents", (long) ADMITTED);
            TreeMap<String, TreeMap<String, String>> after = RewriteFixture.hashes(jedis, "f:*");
            long converted = 0;
            for (int i = 0; i < DOCS; i++) {
                String key = "f:" + i;
                if (i % 10 == 0) {
                    converted += jedis.hstrlen(key, "emb") == 1024 ? 1 : 0;
                } else {
                    assertThat(after.get(key)).as(key + ", which the FILTER leaves out").isEqualTo(before.get(key));
                }
            }
            assertThat(converted).isEqualTo(ADMITTED);
            assertThat(jedis.hstrlen(nul, RewriteFixture.bytes("emb"))).as("a key with a NUL byte the FILTER leaves "
                    + "out (tester session 36 R21 M2: converted)").isEqualTo(512);
            assertThat(slipway.describe("filtered").numDocs()).isEqualTo(ADMITTED);
            assertThat(RewriteFixture.indexes(jedis)).as("the throwaway index is dropped").containsExactly("filtered");
            assertThat(slipway.validate(plan, List.of()).passed()).isTrue();
            assertThat(RewriteFixture.indexes(jedis)).as("validate drops its own").containsExactly("filtered");

            slipway.rollbackFromBackup(dir.resolve("backup"), 1);

            assertThat(RewriteFixture.hashes(jedis, "f:*")).isEqualTo(before);
            assertThat(slipway.describe("filtered").schema()).isEqualTo(plan.source().schema());
        }
    }

    /**
     * Stopped at a step boundary like a kill (no checkpoint update) and re-run: the re-run makes its own throwaway
     * index, converts what is left of the admitted documents (or only validates) and still leaves every other
     * document as it was.
     */
    @ParameterizedTest(name = "crash {0} {1}")
    @CsvSource({"before,rewrite-documents", "after,rewrite-documents", "before,validate"})
    void aReRunAfterACrashConvertsOnlyTheAdmittedDocuments(String when, String step, RedisStackServer redis)
            throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filtered(slipway, jedis, WIDEN);
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashes(jedis, "f:*");
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"));
            Crashes.applyAndCrashAt(redis.url(), plan, options, when, step);

            MigrationReport report = slipway.apply(plan, options);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            TreeMap<String, TreeMap<String, String>> after = RewriteFixture.hashes(jedis, "f:*");
            for (int i = 0; i < DOCS; i++) {
                String key = "f:" + i;
                if (i % 10 == 0) {
                    assertThat(jedis.hstrlen(key, "emb")).as(key).isEqualTo(1024);
                } else {
                    assertThat(after.get(key)).as(key + ", which the FILTER leaves out").isEqualTo(before.get(key));
                }
            }
            assertThat(RewriteFixture.indexes(jedis)).containsExactly("filtered");
        }
    }

    /**
     * A server whose MAXSEARCHRESULTS (100) is below the keys looked up at once (500): plan and apply ask in parts
     * the server allows (tester session 36 R21 M4: every look-up was refused, and apply advised a re-run that could not
     * help).
     */
    @Test
    void aSmallMaxSearchResultsIsAskedInParts(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            call(jedis, "FT.CONFIG", "SET", "MAXSEARCHRESULTS", "100");
            try {
                MigrationPlan plan = filtered(slipway, jedis, WIDEN);
                TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashes(jedis, "f:*");

                MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withThroughput(500, 1, 0, 3)
                        .withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true));

                assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
                assertThat(RewriteFixture.hash(jedis, "f:1")).isEqualTo(before.get("f:1"));
                assertThat(jedis.hstrlen("f:10", "emb")).isEqualTo(1024);
            } finally {
                call(jedis, "FT.CONFIG", "SET", "MAXSEARCHRESULTS", "1000000");
            }
        }
    }

    /**
     * A key move alone (no field read) under a FILTER the patch changes moves every document under the prefix: the
     * estimate counts them all (tester session 36 R22 L7: it counted the 2,000 the index holds, as none "held a field
     * the rewrite reads").
     */
    @Test
    void aKeyMoveUnderAChangedFilterIsCountedWhole(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filtered(slipway, jedis, CHANGED_FILTER + "    prefix: 'g:'\n");
            assertThat(plan.supported()).as(String.join("; ", plan.blockedReasons())).isTrue();

            assertThat(slipway.estimate(plan).documentsToRewrite()).isEqualTo(DOCS);
        }
    }

    /**
     * A FILTER that reads the key, kept by a patch that moves the keys: the new index would judge every moved
     * document by its new key and hold none, so the plan is blocked (tester session 36 R21 M1: apply ran, and
     * validation failed on an empty index after the downtime).
     */
    @Test
    void aFilterOnTheKeyBlocksAKeyMove(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            call(jedis, "FT.CREATE", "keyed", "ON", "HASH", "PREFIX", "1", "k:", "FILTER",
                    "startswith(@__key, \"k:1\")", "SCHEMA", "title", "TEXT");
            jedis.hset("k:1", "title", "one");
            RewriteFixture.waitIndexed(slipway, "keyed");

            MigrationPlan plan = RewriteFixture.plan(slipway, "keyed", dir, "  index:\n    prefix: 'g:'\n");

            assertThat(plan.supported()).isFalse();
            assertThat(plan.blockedReasons()).anySatisfy(r -> assertThat(r).contains("reads the key (@__key)",
                    "the move to prefix 'g:'"));
        }
    }

    /**
     * A key move under a FILTER moves only the admitted documents; the others stay under the old prefix, and the
     * scan for documents in the old form (which validation makes after every key move) does not count them. Left
     * behind before the plan and apply: a throwaway index a killed run did not drop, which neither takes for another
     * index over the same keys, and apply drops.
     */
    @Test
    void aKeyMoveMovesOnlyTheAdmittedDocumentsAndValidates(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            call(jedis, "FT.CREATE", "slipway-probe:filtered:00000000-0000-0000-0000-000000000000", "ON", "HASH",
                    "PREFIX", "1", "f:", "FILTER", "@kind==\"admitted\"", "SCHEMA", "x", "TAG");
            MigrationPlan plan = filtered(slipway, jedis, "  index:\n    prefix: 'g:'\n");
            assertThat(plan.supported()).as(String.join("; ", plan.blockedReasons())).isTrue();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashes(jedis, "f:*");

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.validation().orElseThrow().checks()).anySatisfy(c -> {
                assertThat(c.name()).isEqualTo("old-form");
                assertThat(c.passed()).isTrue();
            });
            assertThat(RewriteFixture.keys(jedis, "g:*")).hasSize(ADMITTED);
            assertThat(RewriteFixture.keys(jedis, "f:*")).hasSize(DOCS - ADMITTED);
            assertThat(RewriteFixture.hash(jedis, "g:10")).isEqualTo(before.get("f:10"));
            assertThat(RewriteFixture.hash(jedis, "f:11")).isEqualTo(before.get("f:11"));
            assertThat(RewriteFixture.indexes(jedis)).containsExactly("filtered");
            assertThat(slipway.describe("filtered").numDocs()).isEqualTo(ADMITTED);

            // near maxmemory validate builds no throwaway index: the scan that needs it is not checked (R36 F1)
            long used = ServerEvictions.settledUsedMemory(jedis);
            jedis.configSet("maxmemory", Long.toString(used + 1024));
            dev.slipway.api.plan.ValidationResult cramped;
            try {
                cramped = slipway.validate(plan, List.of());
            } finally {
                jedis.configSet("maxmemory", "0");
            }
            assertThat(cramped.passed()).isFalse();
            assertThat(cramped.checks()).filteredOn(c -> c.name().equals("old-form")).singleElement().satisfies(c -> {
                assertThat(c.actual()).isEqualTo("not checked");
                assertThat(c.detail()).contains("could not be told: the throwaway index that tells which documents "
                        + "the FILTER admits would need about");
            });
            assertThat(RewriteFixture.indexes(jedis)).containsExactly("filtered");
            assertThat(slipway.validate(plan, List.of()).passed()).as("with room").isTrue();
        }
    }

    /**
     * A JSON index whose FILTER reads an attribute of the schema (a JSON FILTER reads attributes, not paths): a
     * rename of another field moves it in the admitted documents only, and validation passes.
     */
    @Test
    void aJsonRenameUnderAFilterRenamesOnlyTheAdmittedDocuments(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            call(jedis, "FT.CREATE", "jf", "ON", "JSON", "PREFIX", "1", "j:", "FILTER", "@kind==\"admitted\"",
                    "SCHEMA", "$.kind", "AS", "kind", "TAG", "$.title", "AS", "title", "TEXT");
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < 2_000; i++) {
                pipeline.sendCommand(RedisStackServer.command("JSON.SET"), "j:" + i, "$", "{\"kind\":\""
                        + (i % 4 == 0 ? "admitted" : "other") + "\",\"title\":\"t" + i + "\"}");
            }
            pipeline.sync();
            RewriteFixture.waitIndexed(slipway, "jf");
            MigrationPlan plan = RewriteFixture.plan(slipway, "jf", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.jsons(jedis, "j:*").get("j:4").toString()).isEqualTo("[{\"kind\":\"admitted\","
                    + "\"name\":\"t4\"}]");
            assertThat(RewriteFixture.jsons(jedis, "j:*").get("j:5").toString()).isEqualTo("[{\"kind\":\"other\","
                    + "\"title\":\"t5\"}]");
            assertThat(slipway.describe("jf").numDocs()).isEqualTo(500);
        }
    }

    @Test
    void aPatchThatChangesTheFilterRewritesEveryDocumentAndSaysSo(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filteredWidening(slipway, jedis);
            assertThat(plan.rewrite().orElseThrow().documents()).isEqualTo(ADMITTED);
            assertThat(plan.steps()).anySatisfy(s -> assertThat(s.description()).startsWith("Rewrite about "
                    + ADMITTED + " documents (those the index holds; the patch changes its FILTER, so every document "
                    + "under its prefixes"));
            assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("The index has a FILTER",
                    "and the patch changes its FILTER", "including those the FILTER leaves out now",
                    "apply counts every document"));

            dev.slipway.api.plan.MigrationEstimate estimate = slipway.estimate(plan);
            assertThat(estimate.documentsToRewrite()).as("estimate counts them all").isEqualTo(DOCS);
            assertThat(estimate.basis()).contains("the patch changes its FILTER", "20000 counted, against "
                    + "the 2000");
            assertThat(estimate.extraMemoryBytes()).as("their growth too")
                    .isGreaterThan(plan.estimate().extraMemoryBytes() + 18_000L * 512);
            assertThat(Math.abs(estimate.indexMemorySavedBytes())).as("the index's share: the 2,000 it holds, 512 "
                    + "bytes more each (tester session 34 R18 F2)").isPositive().isLessThan(ADMITTED * 1024L);

            Messages messages = new Messages();
            MigrationReport report = Slipway.configure().url(redis.url()).progress(messages).load().apply(plan,
                    ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(messages.seen).anySatisfy(m -> assertThat(m).contains("20000 documents under the prefixes "
                    + "of 'filtered' hold the fields this rewrite changes, 18000 more than the 2000 the plan counted",
                    "FILTER", "but the patch changes its FILTER"));
            assertThat(report.warnings()).as("the report keeps the warnings (tester session 34 R18 F4)")
                    .anySatisfy(w -> assertThat(w).startsWith("20000 documents under the prefixes"));
            assertThat(plan.warnings()).isNotEmpty();
            assertThat(report.warnings()).as("the plan's warnings first, which apply went ahead despite (tester "
                    + "session 51 R44 T2 F5)").startsWith(plan.warnings().toArray(String[]::new));
            assertThat(jedis.hstrlen("f:1", "emb")).as("a document the old FILTER leaves out, converted too")
                    .isEqualTo(1024);
            assertThat(messages.totals).as("progress totals: not known while counting, then all of them (tester "
                    + "session 34 R18 F4: 2000, then 20000 done)").containsEntry("measuring documents", 0L)
                    .containsEntry("rewriting documents", (long) DOCS);
        }
    }

    /**
     * The plan's estimate of a rename (nothing) fits under the limit, but not the throwaway index that tells which of
     * the 20,000 documents the FILTER admits (about 180 bytes for each of the 2,000 it admits, R37 F4), which apply
     * builds before its rewrite: refused with nothing changed, as validation's is (tester session 43 R36 F1: that
     * index evicted the user's keys); --ignore-maxmemory builds it.
     */
    @Test
    void applyRefusesWhenTheThrowawayIndexDoesNotFit(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filtered(slipway, jedis, RENAME_TITLE);
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashes(jedis, "f:*");
            long used = ServerEvictions.settledUsedMemory(admin);
            long extra = plan.estimate().extraMemoryBytes();
            // room for the plan's estimate (a rename adds nothing) and 64 KiB, not for the throwaway index over the
            // 2,000 admitted documents (about 350 KiB)
            admin.configSet("maxmemory", Long.toString((long) ((used + extra + (64 << 10)) / 0.9)));
            SlipwayException refused;
            MigrationReport ignoring;
            try {
                refused = catchThrowableOfType(SlipwayException.class, () -> slipway.apply(plan,
                        ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))));
                assertThat(RewriteFixture.hashes(jedis, "f:*")).isEqualTo(before);
                assertThat(RewriteFixture.indexes(jedis)).containsExactly("filtered");
                ignoring = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))
                        .withIgnoreMaxmemory(true));
            } finally {
                admin.configSet("maxmemory", "0");
            }

            assertThat(refused).as("extra %d", extra).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("Not starting: the index has a FILTER, and the throwaway index "
                    + "that tells which documents the FILTER admits would need about", "(2000 documents its FILTER "
                    + "admits)",
                    "Nothing was changed", "--ignore-maxmemory");
            assertThat(ignoring.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(ignoring.warnings()).anySatisfy(w -> assertThat(w).startsWith("Going on with "
                    + "--ignore-maxmemory although the index has a FILTER, and the throwaway index"));
        }
    }

    /**
     * The plan's estimate (2,000 documents growing 640 bytes each) fits under the limit, the growth of all 20,000
     * does not: apply refuses once it has counted them, with nothing changed.
     */
    @Test
    void applyRefusesWhenEveryDocumentItWouldConvertDoesNotFit(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis(); Jedis admin = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filteredWidening(slipway, jedis);
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashes(jedis, "f:*");
            long used = ServerEvictions.settledUsedMemory(admin);
            admin.configSet("maxmemory", Long.toString((long) ((used + (4 << 20)) / 0.9)));
            SlipwayException refused;
            try {
                refused = catchThrowableOfType(SlipwayException.class, () -> slipway.apply(plan,
                        ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup"))));
            } finally {
                admin.configSet("maxmemory", "0");
            }

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("Not starting: counting all 20000 documents to rewrite (the "
                    + "plan counted 2000)", "Nothing was changed");
            assertThat(RewriteFixture.hashes(jedis, "f:*")).isEqualTo(before);
            assertThat(RewriteFixture.indexes(jedis)).contains("filtered");
        }
    }
}
