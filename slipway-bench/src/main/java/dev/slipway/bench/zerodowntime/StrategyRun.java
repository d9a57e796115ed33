package dev.slipway.bench.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.IndexDescription;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.version.VersionStatus;
import dev.slipway.bench.BenchLog;
import dev.slipway.bench.TimedApply;
import dev.slipway.bench.zerodowntime.StrategyResult.MemoryFigures;
import dev.slipway.bench.zerodowntime.StrategyResult.PlanFigures;
import dev.slipway.bench.zerodowntime.StrategyResult.QueryFigures;
import dev.slipway.bench.zerodowntime.StrategyResult.ReportedDowntime;
import dev.slipway.bench.zerodowntime.StrategyResult.WriteFigures;
import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One strategy from a fresh start: FLUSHALL, load the catalogue, create the plain index and wait for it, plan the
 * change, then apply it while the query clients, the writer and the memory sampler run, and audit afterwards.
 */
final class StrategyRun {
    private final RedisStackServer server;
    private final Slipway slipway;
    private final ZeroDowntimeOptions options;
    private final ProductCorpus corpus;
    private final SchemaPatch patch;
    private final BenchLog log;
    private final long serverTimeoutMillis;

    StrategyRun(RedisStackServer server, Slipway slipway, ZeroDowntimeOptions options, ProductCorpus corpus,
                SchemaPatch patch, BenchLog log, long serverTimeoutMillis) {
        this.serverTimeoutMillis = serverTimeoutMillis;
        this.server = server;
        this.slipway = slipway;
        this.options = options;
        this.corpus = corpus;
        this.patch = patch;
        this.log = log;
    }

    StrategyResult run(MigrationMode mode) throws InterruptedException {
        log.info("== %s: resetting the server and loading %,d products", mode.cliName(), corpus.docs());
        prepare();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(ProductCorpus.INDEX, patch).withMode(mode));
        long sourceIndexBytes = slipway.describe(ProductCorpus.INDEX).memoryBytes();
        long usedBefore = usedMemory();

        LiveTraffic traffic = new LiveTraffic(server, options, corpus, categoryCounts(), serverTimeoutMillis);
        if (!traffic.start()) {
            log.info("warning: not every load thread started within 30 s");
        }
        log.info("applying %s under load (%d query clients, %d writes/s)", mode.cliName(), options.queryThreads(),
                options.writeRate());
        traffic.migrationStarted();
        TimedApply applied = TimedApply.run(slipway, plan,
                new ApplyOptions(Duration.ofSeconds(options.maxSeconds()), List.of()), log, "");
        double seconds = Math.round(applied.seconds() * 1e3) / 1e3;
        LiveTraffic.Observed observed = traffic.stop();
        QueryFigures queries = observed.queries();
        log.info("%s %s in %.1f s; %,d queries, %,d failed, %,d incomplete; %,d writes; auditing", mode.cliName(),
                applied.result(), seconds, queries.sent(), queries.failed(), queries.incomplete(),
                observed.writer().writes().size());

        WriteFigures writes;
        try (Jedis jedis = server.newJedis()) {
            writes = WriteAudit.audit(jedis, corpus.docs(), observed.writer());
        }
        log.info("%s: %,d of %,d written products searchable afterwards", mode.cliName(), writes.searchable(),
                writes.keysWritten());
        return new StrategyResult(applied.result(), applied.error().orElse(null), failedChecks(applied),
                seconds, applied.stepDurations(), queries, writes, planFigures(plan),
                memory(sourceIndexBytes, usedBefore, observed.peakUsedMemory()), reportedDowntime(applied));
    }

    private void prepare() {
        server.flushAll();
        try (Jedis jedis = server.newJedis()) {
            corpus.load(jedis, log);
            corpus.createIndex(jedis, options.vectorAlgorithm());
        }
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(options.maxSeconds()).toNanos();
        while (true) {
            IndexDescription index = slipway.describe(ProductCorpus.INDEX);
            if (index.percentIndexed() >= 1.0 && index.numDocs() + index.indexingFailures() >= corpus.docs()) {
                log.info("index '%s' (%s vectors) built over %,d products in %.1f s", ProductCorpus.INDEX,
                        options.vectorAlgorithm(), index.numDocs(), (System.nanoTime() - start) / 1e9);
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("index '" + ProductCorpus.INDEX + "' indexed only "
                        + index.numDocs() + " of " + corpus.docs() + " products within " + options.maxSeconds()
                        + " s; raise --max-seconds or lower --docs");
            }
            pause(200);
        }
    }

    /** The total of each category before the migration; nothing the writer does can lower it. */
    private long[] categoryCounts() {
        long[] counts = new long[ProductCorpus.CATEGORIES];
        try (Jedis jedis = server.newJedis()) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<Object>> replies = new ArrayList<>();
            for (int c = 0; c < counts.length; c++) {
                replies.add(pipeline.sendCommand(ProductCorpus.command("FT.SEARCH"), ProductCorpus.INDEX,
                        "@category:{c" + c + "}", "LIMIT", "0", "0"));
            }
            pipeline.sync();
            for (int c = 0; c < counts.length; c++) {
                counts[c] = (Long) ((List<?>) replies.get(c).get()).get(0);
            }
        }
        return counts;
    }

    /** The failed validation checks with what was expected and found, which the error message leaves out. */
    private static List<String> failedChecks(TimedApply applied) {
        return applied.report().flatMap(MigrationReport::validation).stream()
                .flatMap(v -> v.checks().stream()).filter(c -> !c.passed())
                .map(c -> c.name() + ": expected " + c.expected() + ", found " + c.actual()).toList();
    }

    private static PlanFigures planFigures(MigrationPlan plan) {
        return new PlanFigures(plan.mode().cliName(), plan.estimate().extraMemoryBytes(),
                plan.estimate().downtimeSeconds(), plan.estimate().reindexSeconds(),
                plan.steps().stream().map(PlanStep::name).toList());
    }

    private static ReportedDowntime reportedDowntime(TimedApply applied) {
        return applied.report().map(MigrationReport::downtime)
                .map(d -> new ReportedDowntime(d.unavailableMs(), d.incompleteMs())).orElse(null);
    }

    private MemoryFigures memory(long sourceIndexBytes, long usedBefore, long peak) {
        Map<String, Long> after = new TreeMap<>();
        try {
            slipway.status(Optional.of(ProductCorpus.INDEX)).stream().flatMap(s -> s.versions().stream())
                    .filter(VersionStatus::exists).forEach(v -> after.put(v.physicalIndex(), v.memoryBytes()));
        } catch (SlipwayException e) {
            log.info("status of '%s' unavailable (%s); measuring the served index only", ProductCorpus.INDEX,
                    e.getMessage());
        }
        if (after.isEmpty()) {
            IndexDescription served = slipway.describe(ProductCorpus.INDEX);
            after.put(served.physicalIndex(), served.memoryBytes());
        }
        long added = after.values().stream().mapToLong(Long::longValue).sum() - sourceIndexBytes;
        return new MemoryFigures(sourceIndexBytes, after, added, usedBefore, Math.max(peak, usedBefore),
                usedMemory());
    }

    private long usedMemory() {
        try (Jedis jedis = server.newJedis()) {
            return MemorySampler.usedMemory(jedis);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the index to be built", e);
        }
    }
}
