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
 * A rewrite of an index with a FILTER, on a real server. The index holds only the documents its FILTER admits, but
 * the rewrite converts every document under its prefixes that holds the fields (it cannot evaluate FILTER): the
 * plan's counts and memory estimate were of the 2,000 indexed documents while 20,000 were converted (tester session
 * 33 R15 M1). The plan now says so, and apply counts every document before it changes anything, says how many more
 * there are and checks memory against that count.
 */
@ExtendWith(RedisStackExtension.class)
class FilteredIndexRewriteIT {
    private static final int DOCS = 20_000;
    private static final int ADMITTED = 2_000;

    @TempDir
    Path dir;

    /** 20,000 hashes under "f:" with 256-dim FLOAT16 vectors, of which the FILTER admits every tenth. */
    private MigrationPlan filteredWidening(Slipway slipway, Jedis jedis) {
        call(jedis, "FT.CREATE", "filtered", "ON", "HASH", "PREFIX", "1", "f:", "FILTER", "@kind==\"admitted\"",
                "SCHEMA", "title", "TEXT", "emb", "VECTOR", "FLAT", "6", "TYPE", "FLOAT16", "DIM", 256,
                "DISTANCE_METRIC", "L2");
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < DOCS; i++) {
            pipeline.hset(RewriteFixture.bytes("f:" + i), Map.of(RewriteFixture.bytes("title"),
                    RewriteFixture.bytes("f" + i), RewriteFixture.bytes("kind"),
                    RewriteFixture.bytes(i % 10 == 0 ? "admitted" : "other"), RewriteFixture.bytes("emb"),
                    new byte[512]));
        }
        pipeline.sync();
        RewriteFixture.waitIndexed(slipway, "filtered");
        return RewriteFixture.plan(slipway, "filtered", dir,
                "  update_fields:\n    - name: emb\n      attrs: {datatype: float32}\n");
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

    @Test
    void thePlanWarnsAndApplyCountsEveryDocumentItConverts(RedisStackServer redis) throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            MigrationPlan plan = filteredWidening(slipway, jedis);
            assertThat(plan.rewrite().orElseThrow().documents()).isEqualTo(ADMITTED);
            assertThat(plan.steps()).anySatisfy(s -> assertThat(s.description()).startsWith("Rewrite about "
                    + ADMITTED + " documents (those the index holds; every document under its prefixes"));
            assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("The index has a FILTER",
                    "including those the FILTER leaves out", "apply counts every document"));

            dev.slipway.api.plan.MigrationEstimate estimate = slipway.estimate(plan);
            assertThat(estimate.documentsToRewrite()).as("estimate counts them all").isEqualTo(DOCS);
            assertThat(estimate.basis()).contains("the index has a FILTER", "20000 counted, against the 2000");
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
                    "FILTER"));
            assertThat(report.warnings()).as("the report keeps the warnings (tester session 34 R18 F4)")
                    .anySatisfy(w -> assertThat(w).startsWith("20000 documents under the prefixes"));
            assertThat(jedis.hstrlen("f:1", "emb")).as("a document the FILTER leaves out, converted too")
                    .isEqualTo(1024);
            assertThat(messages.totals).as("progress totals: not known while counting, then all of them (tester "
                    + "session 34 R18 F4: 2000, then 20000 done)").containsEntry("measuring documents", 0L)
                    .containsEntry("rewriting documents", (long) DOCS);
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
