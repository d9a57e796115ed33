package dev.slipway.bench.quantize;

import dev.slipway.bench.BenchLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Gives the Redis server a core of its own: every server this benchmark starts runs on core 0, this JVM (and the
 * RedisVL processes it starts, which inherit its affinity) on the other cores.
 *
 * <p>In production the server and the migrator run on different hosts. On a small benchmark machine they share the
 * cores, and then whichever contender burns more client CPU also slows the server down: the scheduler moves Redis
 * between cores and the client's threads evict its caches, so the same commands cost the server more (measured here:
 * up to 40% more server CPU per command next to a busy JVM). Pinning models separate hosts and treats every
 * contender alike. It needs Linux, {@code taskset} and at least two cores; otherwise nothing is pinned and the
 * report says why.
 *
 * @param enabled     whether pinning is in effect
 * @param description what was pinned where, or why nothing was
 */
record CpuPinning(boolean enabled, String description) {
    private static final Path TASKSET = Path.of("/usr/bin/taskset");

    static final CpuPinning OFF = new CpuPinning(false, "off (--pin false)");

    /** Pins this JVM to cores 1..n-1 when possible; returns what was done. */
    static CpuPinning apply(boolean wanted, BenchLog log) {
        if (!wanted) {
            return OFF;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (cores < 2) {
            return new CpuPinning(false, "off: one core");
        }
        if (!Files.isExecutable(TASKSET)) {
            return new CpuPinning(false, "off: " + TASKSET + " not found (apt-get install util-linux)");
        }
        String clientCores = cores == 2 ? "1" : "1-" + (cores - 1);
        String problem = taskset(clientCores, ProcessHandle.current().pid());
        if (problem != null) {
            return new CpuPinning(false, "off: " + problem);
        }
        String description = "redis-server on core 0; this JVM and RedisVL on core" + (cores == 2 ? " " : "s ")
                + clientCores;
        log.info("cpu pinning: %s", description);
        return new CpuPinning(true, description);
    }

    /** Moves a started server (every thread of it) to core 0. */
    void pinServer(long pid) {
        if (enabled) {
            String problem = taskset("0", pid);
            if (problem != null) {
                throw new IllegalStateException("could not pin redis-server " + pid + " to core 0: " + problem
                        + "; run with --pin false");
            }
        }
    }

    /** Runs {@code taskset -a -p -c cores pid}; returns null on success, else what went wrong. */
    private static String taskset(String cores, long pid) {
        try {
            Process process = new ProcessBuilder(List.of(TASKSET.toString(), "-a", "-p", "-c", cores,
                    Long.toString(pid))).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes()).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "taskset did not finish";
            }
            return process.exitValue() == 0 ? null : "taskset exited with " + process.exitValue() + ": " + output;
        } catch (IOException e) {
            return "taskset failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
