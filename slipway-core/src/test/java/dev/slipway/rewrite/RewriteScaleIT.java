package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.DocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static dev.slipway.rewrite.RewriteFixture.bytes;
import static dev.slipway.rewrite.RewriteFixture.expectedHash;
import static dev.slipway.rewrite.RewriteFixture.hex;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Evidence that a rewrite streams: on 50,000 documents with batches of 500, no single SCAN page, read or pipeline
 * the engine asks for holds more than a small multiple of the batch size, and the work is spread over about
 * documents / batch size pages, whatever the total. Not a timing test.
 */
@ExtendWith(RedisStackExtension.class)
class RewriteScaleIT {
    private static final int DOCS = 50_000;
    private static final int BATCH = 500;
    private static final int WORKERS = 4;
    private static final long SEED = 11;
    /** SCAN's COUNT is a hint: a page can hold a few more keys than asked for, never many times more. */
    private static final int MAX_PAGE = 2 * BATCH;

    /** What the engine asked of its connections. */
    private static final class Stats {
        volatile boolean countChecked = true;
        final AtomicInteger scans = new AtomicInteger();
        final AtomicLong keysScanned = new AtomicLong();
        final AtomicInteger largestPage = new AtomicInteger();
        final AtomicInteger largestRead = new AtomicInteger();
        final AtomicInteger largestPipeline = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger largestInFlight = new AtomicInteger();
    }

    /** Counts, per call, the keys and commands passing through a connection. */
    private static final class CountingStore implements DocumentStore {
        private final DocumentStore delegate;
        private final Stats stats;

        CountingStore(DocumentStore delegate, Stats stats) {
            this.delegate = delegate;
            this.stats = stats;
        }

        private <T> T counted(int size, AtomicInteger largest, Supplier<T> call) {
            largest.accumulateAndGet(size, Math::max);
            stats.largestInFlight.accumulateAndGet(stats.inFlight.addAndGet(size), Math::max);
            try {
                return call.get();
            } finally {
                stats.inFlight.addAndGet(-size);
            }
        }

        @Override
        public ScanPage scan(String cursor, String pattern, int count, String type) {
            if (stats.countChecked) { // a paced reader's COUNT follows the density it finds
                assertThat(count).isEqualTo(BATCH);
            }
            ScanPage page = delegate.scan(cursor, pattern, count, type);
            stats.scans.incrementAndGet();
            stats.keysScanned.addAndGet(page.keys().size());
            stats.largestPage.accumulateAndGet(page.keys().size(), Math::max);
            return page;
        }

        @Override
        public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
            return counted(keys.size(), stats.largestRead, () -> delegate.readHashFields(keys, fields));
        }

        @Override
        public List<String> readJson(List<byte[]> keys, List<String> paths) {
            return counted(keys.size(), stats.largestRead, () -> delegate.readJson(keys, paths));
        }

        @Override
        public List<Object> execute(List<Command> commands) {
            return counted(commands.size(), stats.largestPipeline, () -> delegate.execute(commands));
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Test
    void fiftyThousandDocumentsAreRewrittenOneBatchAtATime(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
            RewriteFixture.loadHash(jedis, "doc:", DOCS, VectorDataType.FLOAT32, SEED);
            RewriteFixture.waitIndexed(slipway, "docs");
            List<Integer> sample = sample();
            Map<Integer, TreeMap<String, String>> before = read(jedis, "doc:", sample);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, "  rename_fields:\n    - {old_name: "
                    + "title, new_name: name}\n  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n"
                    + "  index:\n    prefix: 'item:'\n");
            Path backup = dir.resolve("backup");
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                    .withThroughput(BATCH, WORKERS, 0, 2);
            Crashes.applyAndCrashAt(redis.url(), plan, options, "before", "rewrite-documents");

            Stats stats = rewriteCounting(redis, plan, backup);

            System.out.printf("rewrite of %d documents: %d SCAN pages, largest page %d keys, largest read %d keys, "
                    + "largest pipeline %d commands, most in flight at once %d%n", DOCS, stats.scans.get(),
                    stats.largestPage.get(), stats.largestRead.get(), stats.largestPipeline.get(),
                    stats.largestInFlight.get());
            assertThat(stats.keysScanned.get()).isGreaterThanOrEqualTo(DOCS);
            assertThat(stats.scans.get()).isGreaterThanOrEqualTo(DOCS / MAX_PAGE);
            assertThat(stats.largestPage.get()).isBetween(1, MAX_PAGE);
            assertThat(stats.largestRead.get()).isBetween(1, MAX_PAGE);
            // 4 commands per document (HSET, HDEL, HSET, RENAMENX), a batch's documents spread over the workers
            assertThat(stats.largestPipeline.get()).isBetween(1, 4 * MAX_PAGE);
            assertThat(stats.largestInFlight.get()).isLessThanOrEqualTo(4 * MAX_PAGE);
            BackupHeader header = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(header.documentsRewritten()).isEqualTo(DOCS);
            assertThat(header.documentsBackedUp()).isEqualTo(DOCS);
            // a batch per page, or per few pages where pages hold fewer keys than half a batch
            assertThat(header.batchesBackedUp()).isBetween((long) DOCS / (BATCH + BATCH / 4), (long) stats.scans.get());

            MigrationReport report = slipway.apply(plan, options);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(RewriteFixture.step(report, "rewrite-documents").status())
                    .isEqualTo(StepReport.Status.DONE);
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
            assertThat(slipway.describe("docs").indexingFailures()).isZero();
            assertThat(RewriteFixture.keys(jedis, "doc:*")).isEmpty();
            assertThat(RewriteFixture.keys(jedis, "item:*")).hasSize(DOCS);
            Map<Integer, TreeMap<String, String>> after = read(jedis, "item:", sample);
            for (int doc : sample) {
                assertThat(after.get(doc)).as("item:" + doc).isEqualTo(expectedHash(before.get(doc),
                        Map.of("title", "name"), "emb", VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            }
        }
    }

    /**
     * Where the index's documents are few among many other keys, one SCAN page holds few documents; the reader takes
     * whole pages until they hold a batch, so the rewrite still works in about documents / batch size batches, none
     * much larger than the batch size (tester session 37 R23 L6: 3,148 batches of about 16 documents). A crash part-way
     * and a resume end as a clean run does.
     */
    @Test
    void documentsAmongManyOtherKeysAreRewrittenInFullBatches(RedisStackServer redis, @TempDir Path dir) {
        int docs = 5_000;
        int others = 100_000;
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            loadAmongOthers(jedis, slipway, docs, others);
            List<Integer> sample = List.of(0, 1, 2500, docs - 1);
            Map<Integer, TreeMap<String, String>> before = read(jedis, "doc:", sample);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n"
                    + "      attrs: {datatype: float16}\n");
            Path backup = dir.resolve("backup");
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true)
                    .withThroughput(BATCH, WORKERS, 0, 2);
            Crashes.applyAndCrashAt(redis.url(), plan, options, "before", "rewrite-documents");
            FaultyDocumentStore.Fault fault = new FaultyDocumentStore.Fault(FaultyDocumentStore.Point.PARTIAL_WRITE,
                    3 * WORKERS, 50);
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup, fault, WORKERS, BATCH);
            BackupHeader crashed = BackupDirectory.readHeader(backup).orElseThrow();
            assertThat(crashed.documentsRewritten()).isBetween(1L, docs - 1L);

            Stats stats = rewriteCounting(redis, plan, backup);

            BackupHeader header = BackupDirectory.readHeader(backup).orElseThrow();
            System.out.printf("rewrite of %d documents among %d other keys: %d SCAN pages, %d batches, largest read "
                    + "%d keys%n", docs, others, stats.scans.get(), header.batchesBackedUp(), stats.largestRead.get());
            assertThat(stats.scans.get()).as("SCAN pages").isGreaterThan(5 * docs / BATCH);
            assertThat(header.batchesBackedUp()).as("batches, of the crashed run and of this one")
                    .isLessThanOrEqualTo(docs / BATCH + 4);
            assertThat(stats.largestRead.get()).isBetween(1, BATCH + BATCH / 4);
            assertThat(header.documentsRewritten()).isEqualTo(docs);
            assertThat(header.documentsBackedUp()).isEqualTo(docs);

            MigrationReport report = slipway.apply(plan, options);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(docs);
            assertThat(RewriteFixture.keys(jedis, "other:*")).hasSize(others);
            Map<Integer, TreeMap<String, String>> after = read(jedis, "doc:", sample);
            for (int doc : sample) {
                assertThat(after.get(doc)).as("doc:" + doc).isEqualTo(expectedHash(before.get(doc), Map.of(), "emb",
                        VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            }
            for (int doc = 0; doc < docs; doc++) {
                assertThat(jedis.hstrlen("doc:" + doc, "emb")).as("doc:" + doc).isEqualTo(RewriteFixture.DIMS * 2L);
            }
        }
    }

    /** Runs the rewrite of a crashed apply to its end over connections that count what it asks of them. */
    /**
     * The same under a rate limit: the reader asks SCAN for as many keys as should hold nine tenths of a batch at
     * the density it finds, so the documents come in few full batches from few SCAN pages, none over the batch size
     * (one page a batch made 45-57% of the rate, tester session 39 R27 F4; gathering only small pages, a prefix
     * move's shrinking pages made 65%, R28 N2).
     */
    @Test
    void underARateLimitDocumentsAmongManyOtherKeysComeInFewFullBatches(RedisStackServer redis, @TempDir Path dir) {
        int docs = 5_000;
        int others = 100_000;
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            loadAmongOthers(jedis, slipway, docs, others);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n"
                    + "      attrs: {datatype: float16}\n");
            Path paced = dir.resolve("backup");
            Crashes.applyAndCrashAt(redis.url(), plan, ApplyOptions.DEFAULTS.withBackupDir(paced)
                    .withAcceptDataLoss(true), "before", "rewrite-documents");

            Stats stats = rewriteCounting(redis, plan, paced, new RewriteSettings(BATCH, 50_000));

            BackupHeader header = BackupDirectory.readHeader(paced).orElseThrow();
            System.out.printf("paced rewrite of %d documents among %d other keys: %d SCAN pages, %d batches, largest "
                    + "read %d keys%n", docs, others, stats.scans.get(), header.batchesBackedUp(),
                    stats.largestRead.get());
            assertThat(header.documentsRewritten()).isEqualTo(docs);
            assertThat(header.batchesBackedUp()).as("batches").isLessThanOrEqualTo(2L * docs / BATCH);
            assertThat(stats.scans.get()).as("SCAN pages (at COUNT 475: over 200)").isLessThan(60);
            assertThat(stats.largestRead.get()).isBetween(1, BATCH);
        }
    }

    /** An index "docs" of {@code docs} FLOAT32 hash documents under "doc:", among {@code others} string keys. */
    private static void loadAmongOthers(Jedis jedis, Slipway slipway, int docs, int others) {
        RewriteFixture.createHashIndex(jedis, "docs", "doc:", VectorDataType.FLOAT32);
        RewriteFixture.loadHash(jedis, "doc:", docs, VectorDataType.FLOAT32, SEED);
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < others; i++) {
            pipeline.set("other:" + i, "x");
        }
        pipeline.sync();
        RewriteFixture.waitIndexed(slipway, "docs");
    }

    private static Stats rewriteCounting(RedisStackServer redis, MigrationPlan plan, Path backup) {
        return rewriteCounting(redis, plan, backup, new RewriteSettings(BATCH, 0));
    }

    private static Stats rewriteCounting(RedisStackServer redis, MigrationPlan plan, Path backup,
                                         RewriteSettings settings) {
        Stats stats = new Stats();
        stats.countChecked = settings.maxDocsPerSecond() == 0;
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        try (BackupDirectory directory = BackupDirectory.openForPlan(backup, plan);
             WorkerPool pool = new WorkerPool(() -> new CountingStore(JedisDocumentStore.open(endpoint), stats),
                     WORKERS, 2)) {
            new RewriteEngine(plan, directory, pool, ProgressListener.NONE, settings).run();
        }
        return stats;
    }

    private static List<Integer> sample() {
        Random random = new Random(SEED);
        List<Integer> docs = new ArrayList<>(List.of(0, DOCS - 1));
        for (int i = 0; i < 1000; i++) {
            docs.add(random.nextInt(DOCS));
        }
        return docs;
    }

    private static Map<Integer, TreeMap<String, String>> read(Jedis jedis, String prefix, List<Integer> docs) {
        Pipeline pipeline = jedis.pipelined();
        List<Response<Map<byte[], byte[]>>> replies = new ArrayList<>();
        for (int doc : docs) {
            replies.add(pipeline.hgetAll(bytes(prefix + doc)));
        }
        pipeline.sync();
        Map<Integer, TreeMap<String, String>> result = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            TreeMap<String, String> fields = new TreeMap<>();
            replies.get(i).get().forEach((k, v) -> fields.put(new String(k), hex(v)));
            assertThat(fields).as(prefix + docs.get(i)).isNotEmpty();
            result.put(docs.get(i), fields);
        }
        return result;
    }
}
