package dev.slipway.bench.quantize;

import dev.slipway.bench.BenchLog;
import dev.slipway.bench.BenchOutcome;
import dev.slipway.bench.Benchmark;
import dev.slipway.bench.quantize.QuantizeOptions.RvlLocation;
import dev.slipway.bench.quantize.QuantizeReport.CeilingFigures;
import dev.slipway.bench.quantize.QuantizeReport.HeapGrowth;
import dev.slipway.bench.quantize.QuantizeReport.MachineFacts;
import dev.slipway.bench.quantize.QuantizeReport.RedisVlFigures;
import dev.slipway.bench.quantize.QuantizeReport.RedisVlRun;
import dev.slipway.bench.quantize.QuantizeReport.Round;
import dev.slipway.bench.quantize.QuantizeReport.ServerFacts;
import dev.slipway.bench.quantize.QuantizeReport.Settings;
import dev.slipway.bench.quantize.QuantizeReport.SizeResult;
import dev.slipway.bench.quantize.QuantizeReport.SlipwayFigures;
import dev.slipway.testing.RedisStackServer;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code slipway-bench quantize}: a float32 to float16 vector migration by Slipway, by a raw read/write ceiling and
 * by RedisVL's migrator, on identical data at several sizes. See {@link QuantizeOptions#help()}.
 */
public final class QuantizeBenchmark implements Benchmark {
    /** The benchmark's name on the command line. */
    public static final String NAME = "quantize";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "float32 -> float16 vector rewrite: Slipway vs raw ceiling vs RedisVL (docs/s, heap, correctness)";
    }

    @Override
    public String help() {
        return QuantizeOptions.help();
    }

    /**
     * RedisVL as found before the first size: the migrator and its version, or why it cannot run.
     *
     * @param migrator present when rvl was found and reported its version
     * @param version  its version, when present
     * @param reason   why it is absent, when absent
     */
    private record Peer(Optional<RedisVlMigrator> migrator, String version, String reason) {
    }

    @Override
    public BenchOutcome run(List<String> args, BenchLog log) {
        QuantizeOptions options = QuantizeOptions.parse(NAME, args);
        long start = System.nanoTime();
        double loadAtStart = QuantizeReport.loadAverage();
        ServerFacts server;
        try (RedisStackServer probe = new RedisStackServer().start()) {
            server = LoadedServer.facts(probe);
        }
        log.info("redis %s, search %s; %d cores, load average %.2f; JVM max heap %.0f MB", server.redis(),
                server.search(), Runtime.getRuntime().availableProcessors(), loadAtStart, maxHeapMb());
        CpuPinning pinning = CpuPinning.apply(options.pin(), log);
        Peer peer = peer(options, pinning, log);
        QuantizeReport.Warmup warmup = options.warmup() > 0 ? warmUp(options, pinning, log) : null;

        List<SizeResult> sizes = new ArrayList<>();
        for (int documents : options.sizes()) {
            log.info("== %,d documents of %d-dim vectors", documents, options.dims());
            sizes.add(runSize(new VectorCorpus(options.seed(), documents, options.dims()), options, pinning, peer,
                    log));
        }

        Optional<HeapGrowth> heap = QuantizeTargets.heapGrowth(sizes);
        List<String> problems = QuantizeTargets.problems(sizes, heap);
        double totalSeconds = Math.round((System.nanoTime() - start) / 1e8) / 10.0;
        QuantizeReport report = new QuantizeReport(NAME, options.dims(), VectorCorpus.PATCH_YAML,
                new Settings(options.batchSize(), options.workers(), options.seed(), options.sampleSize(), "FLAT",
                        peer.migrator().isPresent() ? options.redisVlWorkers() : List.of(), pinning.description(),
                        options.rounds(), options.writeWatch()),
                new MachineFacts(Runtime.getRuntime().availableProcessors(),
                        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                        System.getProperty("java.version"), maxHeapMb(), collectors(), loadAtStart),
                server, warmup, sizes, heap.orElse(null), new QuantizeReport.Targets(problems.isEmpty(), problems),
                totalSeconds);
        log.info("done in %.1f s", totalSeconds);
        return new BenchOutcome(report.toJson(), problems);
    }

    /** The JVM's garbage collectors, e.g. "Copy, MarkSweepCompact" for the serial one. */
    private static String collectors() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining(", "));
    }

    /**
     * Runs the ceiling and Slipway on a warm-up corpus, round after round until Slipway's rewrite spent under
     * {@link QuantizeOptions#JIT_SETTLED} of its wall time in JIT compilation (at most {@code --warmup-rounds}), so
     * that the measured sizes compare compiled code, not how soon each one's code is compiled; RedisVL (Python) has
     * no such phase. One round was not enough: Slipway's per-batch methods run once per batch of 500 documents, and
     * the C2 compiler was still compiling them (readHashFields alone for 0.3 s) in the first two measured rounds.
     */
    private static QuantizeReport.Warmup warmUp(QuantizeOptions options, CpuPinning pinning, BenchLog log) {
        VectorCorpus corpus = new VectorCorpus(options.seed() + 1, options.warmup(), options.dims());
        List<QuantizeReport.WarmupRound> rounds = new ArrayList<>();
        do {
            log.info("== warm-up round %d (at most %d): %,d documents (figures reported, not judged)",
                    rounds.size() + 1, options.warmupRounds(), options.warmup());
            CeilingFigures ceiling = new RawCeiling(options, pinning, log).run(corpus, false);
            SlipwayFigures slipway = new SlipwayRun(options, pinning, log).run(corpus);
            QuantizeReport.WarmupRound round = QuantizeReport.WarmupRound.of(slipway, ceiling);
            log.info("warm-up: Slipway's rewrite spent %d ms (%.0f%% of its wall time) in JIT compilation",
                    round.slipwayJitCompileMs(), round.slipwayJitShare() * 100);
            rounds.add(round);
        } while (!rounds.get(rounds.size() - 1).settled() && rounds.size() < options.warmupRounds());
        return QuantizeReport.Warmup.of(options.warmup(), rounds);
    }

    private static SizeResult runSize(VectorCorpus corpus, QuantizeOptions options, CpuPinning pinning, Peer peer,
                                      BenchLog log) {
        List<CeilingFigures> ceilings = new ArrayList<>();
        List<SlipwayFigures> slipways = new ArrayList<>();
        for (int round = 1; round <= options.rounds(); round++) {
            if (options.rounds() > 1) {
                log.info("-- round %d of %d", round, options.rounds());
            }
            ceilings.add(new RawCeiling(options, pinning, log).run(corpus, true));
            slipways.add(new SlipwayRun(options, pinning, log).run(corpus));
        }
        String mode = CeilingFigures.fasterModeByMedian(ceilings);
        List<Round> rounds = new ArrayList<>();
        for (int round = 0; round < slipways.size(); round++) {
            rounds.add(Round.of(slipways.get(round), ceilings.get(round).inMode(mode)));
        }
        Round median = Round.median(rounds);
        SlipwayFigures slipway = median.slipway();
        RedisVlFigures redisvl = peer.migrator().map(p -> redisVl(p, peer.version(), corpus, options))
                .orElseGet(() -> RedisVlFigures.unavailable(peer.reason()));
        return new SizeResult(corpus.documents(), slipway, median.ceiling(), median.slipwayVsCeiling(),
                Round.medianVsWatchedCeiling(rounds), Round.medianVsEssentialWork(rounds), rounds, redisvl,
                redisvl.docsPerSecond() == null ? null
                        : QuantizeTargets.ratio(slipway.docsPerSecond(), redisvl.docsPerSecond()).orElse(null),
                redisvl.applySeconds() == null ? null
                        : QuantizeTargets.ratio(redisvl.applySeconds(), slipway.applySeconds()).orElse(null));
    }

    private static RedisVlFigures redisVl(RedisVlMigrator peer, String version, VectorCorpus corpus,
                                          QuantizeOptions options) {
        List<RedisVlRun> runs = new ArrayList<>();
        for (int workers : options.redisVlWorkers()) {
            runs.add(peer.run(corpus, workers));
        }
        return RedisVlFigures.of(version, runs);
    }

    /** Finds rvl and asks its version once; RedisVL is reported unavailable (not a failure) when either fails. */
    private static Peer peer(QuantizeOptions options, CpuPinning pinning, BenchLog log) {
        RvlLocation location = options.locateRvl();
        if (location.path().isEmpty()) {
            log.info("redisvl: not run: %s", location.reason());
            return new Peer(Optional.empty(), null, location.reason());
        }
        RedisVlMigrator migrator = new RedisVlMigrator(location.path().get(), options, pinning, log);
        try {
            String version = migrator.version();
            log.info("redisvl %s at %s", version, location.path().get());
            return new Peer(Optional.of(migrator), version, null);
        } catch (RuntimeException e) {
            String reason = location.path().get() + " does not run: " + e.getMessage();
            log.info("redisvl: not run: %s", reason);
            return new Peer(Optional.empty(), null, reason);
        }
    }

    private static double maxHeapMb() {
        return Math.round(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() / 1048576.0 * 10) / 10.0;
    }
}
