package dev.slipway.bench.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.slipway.bench.BenchLog;
import dev.slipway.bench.quantize.QuantizeReport.RedisVlRun;
import dev.slipway.bench.quantize.VectorAudit.Audit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The peer: RedisVL's index migrator, run as {@code rvl migrate plan} then {@code rvl migrate apply} subprocesses
 * against a freshly loaded server, with its default batch size. Its rewrite-equivalent phases (enumerate keys, dump
 * the originals to its backup, quantize) are read from its progress output and its report; apply time is the
 * report's {@code total_migration_duration_seconds} (the subprocess's wall time, Python start-up included, is
 * reported apart).
 */
final class RedisVlMigrator {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final int ERROR_TAIL_LINES = 12;

    private final Path rvl;
    private final QuantizeOptions options;
    private final CpuPinning pinning;
    private final BenchLog log;

    RedisVlMigrator(Path rvl, QuantizeOptions options, CpuPinning pinning, BenchLog log) {
        this.rvl = rvl;
        this.options = options;
        this.pinning = pinning;
        this.log = log;
    }

    /** What a finished subprocess left: its exit code (-1 on timeout), output, and wall time. */
    record Finished(int exitCode, String output, double seconds) {
        boolean ok() {
            return exitCode == 0;
        }

        String tail() {
            List<String> lines = output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - ERROR_TAIL_LINES), lines.size()));
        }
    }

    /** The version {@code rvl version} reports. */
    String version() {
        try (ScratchDirectory scratch = ScratchDirectory.create("rvl-version")) {
            Finished finished = exec(scratch, "version.log", List.of(rvl.toString(), "version"), 60);
            if (!finished.ok()) {
                throw new IllegalStateException("'" + rvl + " version' exited with " + finished.exitCode() + ": "
                        + finished.tail());
            }
            return RedisVlOutput.version(finished.output()).orElseThrow(() -> new IllegalStateException(
                    "'" + rvl + " version' printed no version: " + finished.tail()));
        }
    }

    /**
     * Plans and applies the patch with {@code --workers workers} on freshly loaded data, then audits the result. A
     * run that cannot even start is reported as an ERROR run, not thrown: the peer must not sink the benchmark.
     */
    RedisVlRun run(VectorCorpus corpus, int workers) {
        log.info("redisvl (--workers %d): %,d documents", workers, corpus.documents());
        try {
            return runOnFreshServer(corpus, workers);
        } catch (UncheckedIOException e) {
            log.info("redisvl (--workers %d): cannot run: %s", workers, e.getMessage());
            return failed(workers, e.getMessage() + ": " + e.getCause().getMessage());
        }
    }

    private RedisVlRun runOnFreshServer(VectorCorpus corpus, int workers) {
        try (LoadedServer server = LoadedServer.start(corpus, true, options.maxSeconds(), pinning, log);
             ScratchDirectory scratch = ScratchDirectory.create("redisvl")) {
            Path patch = scratch.writePatch();
            Finished plan = exec(scratch, "plan.log", List.of(rvl.toString(), "migrate", "plan", "--index",
                    VectorCorpus.INDEX, "--schema-patch", patch.toString(), "--url", server.url(), "--plan-out",
                    scratch.resolve("plan.yaml").toString()), options.maxSeconds());
            if (!plan.ok()) {
                return failed(workers, "rvl migrate plan exited with " + plan.exitCode() + ": " + plan.tail());
            }
            List<String> apply = new ArrayList<>(List.of(rvl.toString(), "migrate", "apply", "--plan",
                    scratch.resolve("plan.yaml").toString(), "--backup-dir", scratch.resolve("backup").toString(),
                    "--url", server.url(), "--report-out", scratch.resolve("report.yaml").toString()));
            if (workers > 1) {
                apply.addAll(List.of("--workers", Integer.toString(workers)));
            }
            Finished applied = exec(scratch, "apply.log", apply, options.maxSeconds());
            double load = QuantizeReport.loadAverage();
            JsonNode report = readReport(scratch.resolve("report.yaml"));
            Audit audit = VectorAudit.audit(server, corpus, options.sampleSize(), options.seed());
            RedisVlRun run = figures(corpus.documents(), workers, plan, applied, report, audit, load);
            log.info("redisvl (--workers %d): %s; rewrite %.1f s (%,.0f docs/s), apply %.1f s; correct: %s", workers,
                    run.result(), run.rewriteSeconds(), run.docsPerSecond(), run.applySeconds(), run.correct());
            return run;
        }
    }

    private static RedisVlRun failed(int workers, String error) {
        return new RedisVlRun(workers, "ERROR", error, 0, 0, null, null, null, 0, 0, 0, 0, Map.of(),
                QuantizeReport.loadAverage(), false, null);
    }

    private static RedisVlRun figures(int documents, int workers, Finished plan, Finished applied, JsonNode report,
                                      Audit audit, double loadAverage) {
        RedisVlOutput.Phases phases = RedisVlOutput.phases(applied.output());
        double rewrite = phases.rewriteSeconds();
        Map<String, Double> timings = new LinkedHashMap<>();
        report.path("timings").fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                timings.put(e.getKey(), e.getValue().asDouble());
            }
        });
        double applySeconds = timings.getOrDefault("total_migration_duration_seconds", applied.seconds());
        String result = report.path("result").asText(applied.ok() ? "unknown" : "ERROR");
        String error = applied.ok() && result.equals("succeeded") ? null
                : "rvl migrate apply exited with " + applied.exitCode() + ", result " + result + ": " + applied.tail();
        return new RedisVlRun(workers, result, error, QuantizeReport.rate(documents, rewrite),
                QuantizeReport.round3(rewrite), phases.enumerateSeconds(), phases.dumpSeconds(),
                phases.quantizeSeconds(), QuantizeReport.round3(applySeconds),
                QuantizeReport.rate(documents, applySeconds), QuantizeReport.round3(applied.seconds()),
                QuantizeReport.round3(plan.seconds()), timings, loadAverage,
                audit.correct() && "succeeded".equals(result), audit);
    }

    private static JsonNode readReport(Path file) {
        if (!Files.isRegularFile(file)) {
            return YAML.createObjectNode();
        }
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            return YAML.createObjectNode();
        }
    }

    /** Runs a command in the scratch directory, its output (both streams) to a file there. */
    private Finished exec(ScratchDirectory scratch, String logName, List<String> command, int timeoutSeconds) {
        Path output = scratch.resolve(logName);
        ProcessBuilder builder = new ProcessBuilder(command).directory(scratch.path().toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("PYTHONUNBUFFERED", "1");
        long start = System.nanoTime();
        try {
            Process process = builder.start();
            boolean done = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String text = Files.readString(output, StandardCharsets.UTF_8).replace('\r', '\n');
            return new Finished(done ? process.exitValue() : -1,
                    done ? text : text + "\n(killed after " + timeoutSeconds + " s; raise --max-seconds)", seconds);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + String.join(" ", command) + " ran", e);
        }
    }
}
