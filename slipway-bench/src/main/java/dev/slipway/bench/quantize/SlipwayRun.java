package dev.slipway.bench.quantize;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.StepReport;
import dev.slipway.bench.BenchLog;
import dev.slipway.bench.TimedApply;
import dev.slipway.bench.quantize.HeapSampler.HeapFigures;
import dev.slipway.bench.quantize.QuantizeReport.SlipwayFigures;
import dev.slipway.bench.quantize.VectorAudit.Audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Slipway, in this JVM: plan the float32 to float16 patch on a freshly loaded index, then apply it with a backup
 * directory while {@link HeapSampler} watches the heap. Throughput is taken from the report's
 * {@value #REWRITE_STEP} step, the part that reads, backs up and rewrites every document.
 */
final class SlipwayRun {
    static final String REWRITE_STEP = "rewrite-documents";

    private final QuantizeOptions options;
    private final CpuPinning pinning;
    private final BenchLog log;

    SlipwayRun(QuantizeOptions options, CpuPinning pinning, BenchLog log) {
        this.options = options;
        this.pinning = pinning;
        this.log = log;
    }

    SlipwayFigures run(VectorCorpus corpus) {
        log.info("slipway: %,d documents", corpus.documents());
        try (LoadedServer server = LoadedServer.start(corpus, true, options.maxSeconds(), pinning, log);
             ScratchDirectory scratch = ScratchDirectory.create("slipway")) {
            RewriteCpu rewriteCpu = new RewriteCpu(new CpuMeter(server), log);
            Slipway slipway = Slipway.configure().url(server.url()).progress(rewriteCpu).load();
            Path backupDir = scratch.resolve("backup");
            ApplyOptions applyOptions = ApplyOptions.DEFAULTS.withBackupDir(backupDir).withAcceptDataLoss(true)
                    .withThroughput(options.batchSize(), options.workers(), 0, 5).withWriteWatch(options.writeWatch());
            Planned planned = plan(slipway, scratch.writePatch());

            HeapSampler heap = new HeapSampler();
            heap.start();
            TimedApply applied = planned.plan().isPresent()
                    ? TimedApply.run(slipway, planned.plan().get(), applyOptions, log, "slipway: ")
                    : TimedApply.notStarted(planned.error());
            HeapFigures figures = heap.finish();
            double load = QuantizeReport.loadAverage();

            Audit audit = VectorAudit.audit(server, corpus, options.sampleSize(), options.seed());
            SlipwayFigures result = figures(corpus.documents(), applied, figures, audit, directorySize(backupDir),
                    load, rewriteCpu.figures());
            log.info("slipway: %s; rewrite %.1f s (%,.0f docs/s), apply %.1f s; heap %.0f MB baseline, %.0f MB peak "
                            + "(%.0f MB after GC); correct: %s", result.result(), result.rewriteSeconds(),
                    result.docsPerSecond(), result.applySeconds(), figures.baselineMb(), figures.peakMb(),
                    figures.peakAfterGcMb(), audit.correct());
            return result;
        }
    }

    /** The plan, or why there is none; a failed plan is reported in the JSON, not thrown. */
    private record Planned(Optional<MigrationPlan> plan, Optional<String> error) {
    }

    private Planned plan(Slipway slipway, Path patch) {
        try {
            return new Planned(Optional.of(slipway.plan(PlanRequest.patch(VectorCorpus.INDEX,
                    SlipwayFiles.readPatch(patch)))), Optional.empty());
        } catch (SlipwayException e) {
            log.info("slipway: plan failed: %s", e.describe());
            return new Planned(Optional.empty(), Optional.of("plan failed: " + e.describe()));
        }
    }

    private static SlipwayFigures figures(int documents, TimedApply applied, HeapFigures heap, Audit audit,
                                          long backupBytes, double loadAverage, CpuMeter.CpuFigures cpu) {
        Map<String, Long> steps = applied.stepDurations();
        String detail = applied.report().flatMap(r -> r.steps().stream()
                .filter(s -> s.name().equals(REWRITE_STEP)).map(StepReport::detail).findFirst()).orElse(null);
        double rewriteSeconds = steps.getOrDefault(REWRITE_STEP, 0L) / 1e3;
        String result = applied.result();
        return new SlipwayFigures(result, applied.error().orElse(null),
                QuantizeReport.rate(documents, rewriteSeconds), rewriteSeconds,
                QuantizeReport.round3(applied.seconds()), QuantizeReport.rate(documents, applied.seconds()),
                heap.baselineMb(), heap.peakMb(), heap.peakAfterGcMb(), heap.maxHeapMb(), heap.gcCount(),
                heap.gcSeconds(), heap.samples(),
                QuantizeReport.round3(backupBytes / (1024.0 * 1024.0)), steps, detail, loadAverage, cpu,
                audit.correct() && "SUCCEEDED".equals(result), audit);
    }

    private static long directorySize(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Logs apply's messages and measures CPU over the rewrite pass (from its progress bar's start to its end). */
    private static final class RewriteCpu implements ProgressListener {
        private final CpuMeter meter;
        private final BenchLog log;
        private boolean measuring;
        private CpuMeter.CpuFigures figures = CpuMeter.CpuFigures.NONE;

        RewriteCpu(CpuMeter meter, BenchLog log) {
            this.meter = meter;
            this.log = log;
        }

        @Override
        public void begin(String task, long total, String unit) {
            measuring = task.startsWith("rewriting");
            if (measuring) {
                meter.start();
            }
        }

        @Override
        public void end() {
            if (measuring) {
                figures = meter.stop();
                measuring = false;
                log.info("  slipway: rewrite CPU: redis %.2f s, client %.2f s over %.2f s", figures.redisSeconds(),
                        figures.clientSeconds(), figures.wallSeconds());
            }
        }

        @Override
        public void message(String text) {
            log.info("  slipway: %s", text);
        }

        CpuMeter.CpuFigures figures() {
            return figures;
        }
    }
}
