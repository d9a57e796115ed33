package dev.slipway.bench.quantize;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.slipway.bench.quantize.VectorAudit.Audit;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON document of the {@code quantize} benchmark (snake_case keys; absent values are left out).
 *
 * @param benchmark    always {@code quantize}
 * @param dims         vector dimensions
 * @param change       the patch every contender applies, as YAML
 * @param settings     the options used
 * @param machine      the machine it ran on
 * @param server       versions of the server
 * @param warmup       the warm-up rounds, when there were any: figures not judged, the first round's cold
 * @param sizes        one entry per dataset size, in run order
 * @param heap         Slipway's heap peak at the smallest and largest size, and the limit the target allows
 * @param targets      whether every target was met, and each one missed
 * @param totalSeconds wall time of the whole benchmark
 */
record QuantizeReport(String benchmark, int dims, String change, Settings settings, MachineFacts machine,
                      ServerFacts server, Warmup warmup, List<SizeResult> sizes, HeapGrowth heap,
                      Targets targets, double totalSeconds) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    JsonNode toJson() {
        return JSON.valueToTree(this);
    }

    /** Documents per second, rounded to a whole number; 0 when no time was measured. */
    static double rate(long documents, double seconds) {
        return seconds <= 0 ? 0 : Math.round(documents / seconds);
    }

    /** The median of non-empty figures; of an even number, the lower middle one. */
    static double lowerMedian(List<Double> figures) {
        List<Double> sorted = new ArrayList<>(figures);
        sorted.sort(null);
        return sorted.get((sorted.size() - 1) / 2);
    }

    static double round3(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /**
     * The system's 1-minute load average: the machine is shared (and the server runs on it), so a figure taken
     * while other work ran shows it here.
     */
    static double loadAverage() {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
    }

    /**
     * The options used.
     *
     * @param batchSize       documents per batch of Slipway and the ceiling (RedisVL uses its own default)
     * @param workers         connections writing in parallel
     * @param seed            seed of the data and the audit sample
     * @param sampleSize      documents each audit compares
     * @param vectorAlgorithm the source index's vector algorithm
     * @param redisvlWorkers  the {@code --workers} of each RedisVL run
     * @param cpuPinning      which cores the servers and the clients ran on (see {@link CpuPinning})
     * @param rounds          ceiling and Slipway measurements per size (the median round is judged)
     * @param writeWatch      whether Slipway's apply watched for writes by other clients
     */
    record Settings(int batchSize, int workers, long seed, int sampleSize, String vectorAlgorithm,
                    List<Integer> redisvlWorkers, String cpuPinning, int rounds, boolean writeWatch) {
    }

    /**
     * The machine; the server runs on it too.
     *
     * @param cores     processors available to the JVM
     * @param os        operating system and architecture
     * @param java      the JVM's version
     * @param maxHeapMb the JVM's maximum heap
     * @param gc        the JVM's garbage collectors (scripts/bench.sh picks the serial one)
     * @param loadAverageAtStart the 1-minute load average when the benchmark started
     */
    record MachineFacts(int cores, String os, String java, double maxHeapMb, String gc, double loadAverageAtStart) {
    }

    /**
     * The server.
     *
     * @param redis  redis_version
     * @param search the search module's version
     */
    record ServerFacts(String redis, String search) {
    }

    /**
     * Every contender at one size.
     *
     * @param documents              documents migrated
     * @param slipway                Slipway's figures in the median round
     * @param ceiling                the raw ceiling's figures in the median round
     * @param slipwayVsCeiling       Slipway's rewrite docs/s over the ceiling's docs/s in the median round
     * @param slipwayVsWatchedCeiling the median over the rounds of Slipway's docs/s over the watched moves' docs/s
     *                               (see {@link RawCeiling}); null when Slipway ran without the write watch
     * @param slipwayVsEssentialWork the median over the rounds of Slipway's docs/s over the essential moves' docs/s
     *                               (see {@link RawCeiling}); null when they did not run
     * @param rounds                 every round, in the order they ran
     * @param redisvl                RedisVL's figures
     * @param slipwayVsRedisvl       Slipway's rewrite docs/s (median round) over RedisVL's best (enumerate + dump +
     *                               quantize)
     * @param slipwayVsRedisvlApply  RedisVL's best apply time over Slipway's apply time (median round)
     */
    record SizeResult(int documents, SlipwayFigures slipway, CeilingFigures ceiling, Double slipwayVsCeiling,
                      Double slipwayVsWatchedCeiling, Double slipwayVsEssentialWork, List<Round> rounds,
                      RedisVlFigures redisvl, Double slipwayVsRedisvl,
                      Double slipwayVsRedisvlApply) {
    }

    /**
     * One measurement of the ceiling and of Slipway, run one after the other on the same corpus, each on freshly
     * loaded data. The machine's speed drifts by more than the differences being measured (the ceiling alone varied
     * by 15% between runs), so the share is taken per round, from two runs close in time, and the median round is
     * judged.
     *
     * @param slipway Slipway's figures (in the JSON only for the median round, under the size)
     * @param ceiling the ceiling's figures (likewise)
     */
    @JsonPropertyOrder({"slipway_docs_per_second", "ceiling_docs_per_second", "slipway_vs_ceiling", "ceiling_mode",
            "ceiling_docs_per_second_by_mode", "slipway_vs_watched_ceiling", "slipway_vs_essential_work",
            "slipway_retained_mb", "slipway_correct"})
    record Round(@JsonIgnore SlipwayFigures slipway, @JsonIgnore CeilingFigures ceiling) {

        static Round of(SlipwayFigures slipway, CeilingFigures ceiling) {
            return new Round(slipway, ceiling);
        }

        /** Slipway's rewrite docs/s. */
        @JsonProperty
        double slipwayDocsPerSecond() {
            return slipway.docsPerSecond();
        }

        /** The ceiling's docs/s in the judged mode (see {@link CeilingFigures#fasterModeByMedian}). */
        @JsonProperty
        double ceilingDocsPerSecond() {
            return ceiling.docsPerSecond();
        }

        /** The mode the share is taken against. */
        @JsonProperty
        String ceilingMode() {
            return ceiling.mode();
        }

        /** Every mode's docs/s in this round. */
        @JsonProperty
        Map<String, Double> ceilingDocsPerSecondByMode() {
            return ceiling.docsPerSecondByMode();
        }

        /** Their ratio; null when either did not measure. */
        @JsonProperty
        Double slipwayVsCeiling() {
            return QuantizeTargets.ratio(slipway.docsPerSecond(), ceiling.docsPerSecond()).orElse(null);
        }

        /** Slipway's docs/s over the watched moves' docs/s (see {@link RawCeiling}); null when not measured. */
        @JsonProperty
        Double slipwayVsWatchedCeiling() {
            return shareOf(RawCeiling.Mode.WATCHED);
        }

        /** Slipway's docs/s over the essential moves' docs/s (see {@link RawCeiling}); null when not measured. */
        @JsonProperty
        Double slipwayVsEssentialWork() {
            return shareOf(RawCeiling.Mode.ESSENTIAL);
        }

        private Double shareOf(RawCeiling.Mode mode) {
            return ceiling.docsPerSecondOf(mode)
                    .flatMap(other -> QuantizeTargets.ratio(slipway.docsPerSecond(), other)).orElse(null);
        }

        /** The median of the rounds' {@link #slipwayVsWatchedCeiling()}; null when no round has one. */
        static Double medianVsWatchedCeiling(List<Round> rounds) {
            return medianOf(rounds, Round::slipwayVsWatchedCeiling);
        }

        /** The median of the rounds' {@link #slipwayVsEssentialWork()}; null when no round has one. */
        static Double medianVsEssentialWork(List<Round> rounds) {
            return medianOf(rounds, Round::slipwayVsEssentialWork);
        }

        private static Double medianOf(List<Round> rounds, java.util.function.Function<Round, Double> share) {
            List<Double> shares = rounds.stream().map(share).filter(java.util.Objects::nonNull).toList();
            return shares.isEmpty() ? null : lowerMedian(shares);
        }

        /** The most heap Slipway retained after a collection during this round's apply. */
        @JsonProperty
        double slipwayRetainedMb() {
            return slipway.heapPeakAfterGcMb();
        }

        /** Slipway's result was correct. */
        @JsonProperty
        boolean slipwayCorrect() {
            return slipway.correct();
        }

        /** The round with the median share (of an even number, the lower middle one); a round without one is lowest. */
        static Round median(List<Round> rounds) {
            List<Round> sorted = new ArrayList<>(rounds);
            sorted.sort(Comparator.comparingDouble(r -> r.slipwayVsCeiling() == null ? -1
                    : r.slipwayVsCeiling()));
            return sorted.get((sorted.size() - 1) / 2);
        }
    }

    /**
     * Slipway's migration.
     *
     * @param result            SUCCEEDED or FAILED as its report says, ERROR when apply threw without one
     * @param error             the message when it did not succeed
     * @param docsPerSecond     documents over the rewrite-documents step's duration
     * @param rewriteSeconds    the rewrite-documents step's duration
     * @param applySeconds      wall time of apply (drop, rewrite, create, re-index, validate)
     * @param applyDocsPerSecond documents over the apply wall time
     * @param heapBaselineMb    heap used after a forced GC before apply
     * @param heapPeakMb        highest heap used sampled during apply
     * @param heapPeakAfterGcMb highest heap retained after a collection during apply
     * @param maxHeapMb         the JVM's maximum heap
     * @param gcCount           collections during apply
     * @param gcSeconds         their reported time
     * @param heapSamples       heap samples taken
     * @param backupMb          size of the backup directory afterwards
     * @param stepsMs           every step's duration from the report
     * @param rewriteDetail     the rewrite step's own summary line
     * @param loadAverage       the 1-minute load average right after apply
     * @param rewriteCpu        CPU of the server and of this JVM while documents were rewritten
     * @param correct           it succeeded and the audit passed
     * @param audit             the audit
     */
    record SlipwayFigures(String result, String error, double docsPerSecond, double rewriteSeconds,
                          double applySeconds, double applyDocsPerSecond, double heapBaselineMb, double heapPeakMb,
                          double heapPeakAfterGcMb, double maxHeapMb, long gcCount, double gcSeconds,
                          long heapSamples, double backupMb, Map<String, Long> stepsMs, String rewriteDetail,
                          double loadAverage, CpuMeter.CpuFigures rewriteCpu, boolean correct, Audit audit) {
    }

    /**
     * The warm-up rounds: the ceiling and Slipway on a smaller corpus, first in a JVM that has not compiled their
     * code yet (the C2 compiler alone took a core for seconds on a two-core machine), then again until a round in
     * which Slipway's rewrite spent under {@link QuantizeOptions#JIT_SETTLED} of its wall time compiling. The first
     * round shows what a short, cold run gets.
     *
     * @param documents            documents migrated per round
     * @param slipwayDocsPerSecond Slipway's rewrite docs/s in the first (cold) round
     * @param ceilingDocsPerSecond the ceiling's docs/s in the first round (its code is smaller and compiles sooner)
     * @param slipwayCorrect       Slipway's result was correct in every round
     * @param settled              the last round compiled little enough; false when the rounds ran out first
     * @param rounds               every round
     */
    record Warmup(int documents, double slipwayDocsPerSecond, double ceilingDocsPerSecond, boolean slipwayCorrect,
                  boolean settled, List<WarmupRound> rounds) {

        static Warmup of(int documents, List<WarmupRound> rounds) {
            WarmupRound first = rounds.get(0);
            return new Warmup(documents, first.slipwayDocsPerSecond(), first.ceilingDocsPerSecond(),
                    rounds.stream().allMatch(WarmupRound::slipwayCorrect), rounds.get(rounds.size() - 1).settled(),
                    List.copyOf(rounds));
        }
    }

    /**
     * One warm-up round.
     *
     * @param slipwayDocsPerSecond Slipway's rewrite docs/s
     * @param ceilingDocsPerSecond the ceiling's docs/s
     * @param slipwayJitCompileMs  JIT compilation during Slipway's rewrite
     * @param slipwayJitShare      that as a share of the rewrite's wall time
     * @param slipwayCorrect       Slipway's result was correct
     */
    record WarmupRound(double slipwayDocsPerSecond, double ceilingDocsPerSecond, long slipwayJitCompileMs,
                       double slipwayJitShare, boolean slipwayCorrect) {

        static WarmupRound of(SlipwayFigures slipway, CeilingFigures ceiling) {
            CpuMeter.CpuFigures cpu = slipway.rewriteCpu();
            return new WarmupRound(slipway.docsPerSecond(), ceiling.docsPerSecond(), cpu.jitCompileMs(),
                    cpu.jitShare(), slipway.correct());
        }

        /** Whether Slipway's rewrite compiled for less than {@link QuantizeOptions#JIT_SETTLED} of its time. */
        boolean settled() {
            return slipwayJitShare < QuantizeOptions.JIT_SETTLED;
        }
    }

    /**
     * The raw ceiling: the run of one mode on top (the faster run, or in a measured round the mode that is faster
     * over all rounds, see {@link #fasterModeByMedian}), and every run.
     *
     * @param docsPerSecond documents read and written per second by that run
     * @param seconds       that run's time
     * @param mode          that run's mode
     * @param connections   connections writing in parallel
     * @param batchSize     SCAN COUNT and pipeline size
     * @param runs          every run
     */
    record CeilingFigures(double docsPerSecond, double seconds, String mode, int connections, int batchSize,
                          List<CeilingRun> runs) {

        static CeilingFigures of(List<CeilingRun> runs, int connections, int batchSize) {
            CeilingRun best = runs.stream().filter(CeilingRun::raw)
                    .max(java.util.Comparator.comparingDouble(CeilingRun::docsPerSecond)).orElseThrow();
            return new CeilingFigures(best.docsPerSecond(), best.seconds(), best.mode(), connections, batchSize,
                    List.copyOf(runs));
        }

        /** The same runs, with the figures on top taken from the run of {@code wanted} mode. */
        CeilingFigures inMode(String wanted) {
            CeilingRun run = runs.stream().filter(r -> r.mode().equals(wanted)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no ceiling run in mode " + wanted));
            return new CeilingFigures(run.docsPerSecond(), run.seconds(), run.mode(), connections, batchSize, runs);
        }

        /**
         * The mode whose median docs/s over the rounds is highest (of an even number of rounds, the lower middle
         * one counts). Taking the faster mode round by round would judge Slipway's one run against the better of two
         * noisy runs, a ceiling biased upwards by the noise; one mode for every round is not.
         */
        static String fasterModeByMedian(List<CeilingFigures> rounds) {
            Map<String, List<Double>> byMode = new LinkedHashMap<>();
            for (CeilingFigures round : rounds) {
                for (CeilingRun run : round.runs()) {
                    if (!run.raw()) {
                        continue;
                    }
                    byMode.computeIfAbsent(run.mode(), m -> new ArrayList<>()).add(run.docsPerSecond());
                }
            }
            String faster = null;
            double fastest = -1;
            for (Map.Entry<String, List<Double>> mode : byMode.entrySet()) {
                double median = lowerMedian(mode.getValue());
                if (median > fastest) {
                    fastest = median;
                    faster = mode.getKey();
                }
            }
            if (faster == null) {
                throw new IllegalArgumentException("no ceiling runs");
            }
            return faster;
        }

        /** The docs/s of the run in {@code mode}, when it ran. */
        Optional<Double> docsPerSecondOf(RawCeiling.Mode mode) {
            return runs.stream().filter(run -> run.mode().equals(mode.label())).map(CeilingRun::docsPerSecond)
                    .findFirst();
        }

        /** Each run's docs/s by mode. */
        Map<String, Double> docsPerSecondByMode() {
            Map<String, Double> figures = new LinkedHashMap<>();
            runs.forEach(run -> figures.put(run.mode(), run.docsPerSecond()));
            return figures;
        }
    }

    /**
     * One run of the ceiling.
     *
     * @param mode          {@code sequential} or {@code overlapped}, or {@code watched} or {@code essential} (not a
     *                      raw ceiling)
     * @param docsPerSecond documents read and written per second
     * @param seconds       time it took
     * @param documents     documents SCAN returned
     * @param bytesRead     vector bytes read
     * @param loadAverage   the 1-minute load average right after it
     * @param cpu           CPU of the server and of this JVM while it ran
     */
    record CeilingRun(String mode, double docsPerSecond, double seconds, long documents, long bytesRead,
                      double loadAverage, CpuMeter.CpuFigures cpu) {

        /** Whether this run measured the raw ceiling (the watched and essential moves do not). */
        @JsonIgnore
        boolean raw() {
            return RawCeiling.Mode.of(mode).raw();
        }
    }

    /**
     * RedisVL at one size: the best run's figures on top, every run below.
     *
     * @param available          rvl could be found and report its version
     * @param reason             why not, when not
     * @param version            its version
     * @param docsPerSecond      the best run's rewrite docs/s
     * @param rewriteSeconds     the best run's enumerate + dump + quantize
     * @param applySeconds       the best run's apply time
     * @param applyDocsPerSecond the best run's documents over apply time
     * @param workers            the best run's --workers
     * @param correct            every run succeeded and passed the audit
     * @param runs               each run
     */
    record RedisVlFigures(boolean available, String reason, String version, Double docsPerSecond,
                          Double rewriteSeconds, Double applySeconds, Double applyDocsPerSecond, Integer workers,
                          Boolean correct, List<RedisVlRun> runs) {

        static RedisVlFigures unavailable(String reason) {
            return new RedisVlFigures(false, reason, null, null, null, null, null, null, null, null);
        }

        static RedisVlFigures of(String version, List<RedisVlRun> runs) {
            RedisVlRun best = runs.stream().filter(RedisVlRun::succeeded)
                    .max(Comparator.comparingDouble(RedisVlRun::docsPerSecond)).orElse(null);
            boolean correct = runs.stream().allMatch(RedisVlRun::correct);
            if (best == null) {
                return new RedisVlFigures(true, null, version, null, null, null, null, null, correct, runs);
            }
            return new RedisVlFigures(true, null, version, best.docsPerSecond(), best.rewriteSeconds(),
                    best.applySeconds(), best.applyDocsPerSecond(), best.workers(), correct, runs);
        }
    }

    /**
     * One {@code rvl migrate apply} run.
     *
     * @param workers            its --workers
     * @param result             its report's result ({@code succeeded}), or ERROR
     * @param error              what went wrong, with the tail of its output
     * @param docsPerSecond      documents over {@code rewriteSeconds}
     * @param rewriteSeconds     enumerate + dump + quantize
     * @param enumerateSeconds   listing the keys, from its progress output
     * @param dumpSeconds        backing up the originals, from its progress output (single worker only)
     * @param quantizeSeconds    converting and writing back (with the dump, for several workers)
     * @param applySeconds       its report's total migration duration
     * @param applyDocsPerSecond documents over apply time
     * @param processSeconds     wall time of the apply subprocess, Python start-up included
     * @param planSeconds        wall time of the plan subprocess
     * @param timings            its report's timings
     * @param loadAverage        the 1-minute load average right after apply
     * @param correct            it succeeded and the audit passed
     * @param audit              the audit
     */
    record RedisVlRun(int workers, String result, String error, double docsPerSecond, double rewriteSeconds,
                      Double enumerateSeconds, Double dumpSeconds, Double quantizeSeconds, double applySeconds,
                      double applyDocsPerSecond, double processSeconds, double planSeconds,
                      Map<String, Double> timings, double loadAverage, boolean correct, Audit audit) {
        boolean succeeded() {
            return "succeeded".equals(result) && docsPerSecond > 0;
        }
    }

    /**
     * Whether the heap Slipway retains stays flat as the documents grow (see {@link QuantizeTargets#heapGrowth}).
     *
     * @param smallestDocuments documents of the smallest size
     * @param smallestPeakMb    highest heap after a collection there
     * @param largestDocuments  documents of the largest size
     * @param largestPeakMb     highest heap after a collection there
     * @param limitMb           1.5 x the smallest + 64 MB
     * @param withinLimit       the largest peak is within the limit
     */
    record HeapGrowth(int smallestDocuments, double smallestPeakMb, int largestDocuments, double largestPeakMb,
                      double limitMb, boolean withinLimit) {
    }

    /**
     * The targets.
     *
     * @param met      every target was met
     * @param problems each target missed, one sentence each
     */
    record Targets(boolean met, List<String> problems) {
    }
}
