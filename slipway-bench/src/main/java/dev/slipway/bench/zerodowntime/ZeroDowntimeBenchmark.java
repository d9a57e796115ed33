package dev.slipway.bench.zerodowntime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.bench.BenchLog;
import dev.slipway.bench.BenchOutcome;
import dev.slipway.bench.Benchmark;
import dev.slipway.bench.zerodowntime.ZeroDowntimeReport.MachineFacts;
import dev.slipway.bench.zerodowntime.ZeroDowntimeReport.ServerFacts;
import dev.slipway.bench.zerodowntime.ZeroDowntimeReport.Settings;
import dev.slipway.bench.zerodowntime.ZeroDowntimeReport.Verdict;
import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Module;
import redis.clients.jedis.util.SafeEncoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code slipway-bench zero-downtime}: the same index-only change applied with drop-recreate and with zero-downtime
 * under live queries and writes, on a throwaway Redis Stack server, compared side by side. See
 * {@link ZeroDowntimeOptions#help()}.
 */
public final class ZeroDowntimeBenchmark implements Benchmark {
    /** The benchmark's name on the command line. */
    public static final String NAME = "zero-downtime";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "drop-recreate vs zero-downtime under live queries and writes (failed/incomplete queries, lost writes)";
    }

    @Override
    public String help() {
        return ZeroDowntimeOptions.help();
    }

    @Override
    public BenchOutcome run(List<String> args, BenchLog log) {
        ZeroDowntimeOptions options = ZeroDowntimeOptions.parse(NAME, args);
        long start = System.nanoTime();
        SchemaPatch patch = readPatch();
        ProductCorpus corpus = new ProductCorpus(options.seed(), options.docs());
        Map<String, StrategyResult> results = new LinkedHashMap<>();
        ServerFacts facts;
        log.info("starting a throwaway Redis Stack server on 127.0.0.1");
        try (RedisStackServer server = new RedisStackServer().start()) {
            facts = serverFacts(server);
            log.info("redis %s, search %s at %s; %d cores", facts.redis(), facts.search(), server.url(),
                    Runtime.getRuntime().availableProcessors());
            Slipway slipway = Slipway.configure().url(server.url()).progress(progressTo(log)).load();
            StrategyRun run = new StrategyRun(server, slipway, options, corpus, patch, log, facts.queryTimeoutMs());
            for (MigrationMode mode : options.modeOrder()) {
                results.put(mode.cliName(), run.run(mode));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        Verdict verdict = Verdict.of(results.get(MigrationMode.ZERO_DOWNTIME.cliName()));
        double totalSeconds = Math.round((System.nanoTime() - start) / 1e8) / 10.0;
        ZeroDowntimeReport report = new ZeroDowntimeReport(NAME, options.docs(), ProductCorpus.PATCH_YAML,
                settings(options), facts, MachineFacts.current(), results, verdict, totalSeconds);
        log.info("done in %.1f s", totalSeconds);
        return new BenchOutcome(new ObjectMapper().valueToTree(report), verdict.problems());
    }

    /** The patch goes through a file, the way a person hands one to {@code slipway plan}. */
    private static SchemaPatch readPatch() {
        try {
            Path file = Files.createTempFile("slipway-bench-patch-", ".yaml");
            try {
                Files.writeString(file, ProductCorpus.PATCH_YAML, StandardCharsets.UTF_8);
                return SlipwayFiles.readPatch(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark's patch to a temp file", e);
        }
    }

    private static Settings settings(ZeroDowntimeOptions options) {
        return new Settings(options.queryThreads(), options.queryRate(),
                List.of("FT.SEARCH products @category:{cN} LIMIT 0 10", "FT.SEARCH products * LIMIT 0 0"),
                options.writeRate(), options.seed(), options.modeOrder().stream().map(MigrationMode::cliName).toList(),
                options.vectorAlgorithm().name(), options.maxSeconds());
    }

    private static ServerFacts serverFacts(RedisStackServer server) {
        try (Jedis jedis = server.newJedis()) {
            String redis = jedis.info("server").lines().filter(l -> l.startsWith("redis_version:"))
                    .map(l -> l.substring("redis_version:".length()).trim()).findFirst().orElse("unknown");
            String search = jedis.moduleList().stream().filter(m -> m.getName().equals("search"))
                    .map(Module::getVersion).map(ZeroDowntimeBenchmark::moduleVersion).findFirst().orElse("unknown");
            String timeout = searchConfig(jedis, "TIMEOUT");
            return new ServerFacts(redis, search, timeout.matches("\\d+") ? Long.parseLong(timeout) : 0,
                    searchConfig(jedis, "ON_TIMEOUT"));
        }
    }

    /** One value of {@code FT.CONFIG GET}, which answers {@code [[name, value]]}; empty when unknown. */
    private static String searchConfig(Jedis jedis, String name) {
        Object reply = jedis.sendCommand(ProductCorpus.command("FT.CONFIG"), "GET", name);
        if (reply instanceof List<?> outer && !outer.isEmpty() && outer.get(0) instanceof List<?> pair
                && pair.size() == 2 && pair.get(1) instanceof byte[] value) {
            return SafeEncoder.encode(value);
        }
        return "";
    }

    /** Modules report versions as one number, e.g. 21005 for 2.10.5. */
    static String moduleVersion(int encoded) {
        return (encoded / 10_000) + "." + (encoded / 100 % 100) + "." + (encoded % 100);
    }

    private static ProgressListener progressTo(BenchLog log) {
        return new ProgressListener() {
            @Override
            public void message(String text) {
                log.info("  slipway: %s", text);
            }
        };
    }
}
