package dev.slipway.bench.quantize;

import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU seconds the Redis server and this JVM spend between {@link #start} and {@link #stop}. Set beside the wall time
 * they show which side bounds a run: a server that is busy for most of the wall time is the bottleneck; a server
 * that idles while the client burns CPU is not.
 */
final class CpuMeter {
    /** The commands of a rewrite whose server-side cost the figures show. */
    private static final List<String> COMMANDS = List.of("scan", "hmget", "hset");

    private final LoadedServer server;
    private Map<String, long[]> commandsAtStart = Map.of();
    private double redisAtStart;
    private double jvmAtStart;
    private long jitAtStart;
    private long wallAtStart;
    /** The server main thread's schedstat at the start; null when unknown. */
    private long[] schedAtStart;

    /**
     * CPU figures of one measured span.
     *
     * @param redisSeconds  CPU the server used (user + system, every server thread)
     * @param clientSeconds CPU this JVM used (every thread, GC included)
     * @param wallSeconds   wall time of the span
     * @param serverUsecPerCall microseconds the server spent per call of each rewrite command in the span
     *                      ({@code INFO commandstats}), so a contender's server-side cost per command can be compared
     *                      with another's; commands not called are left out
     * @param jitCompileMs  milliseconds this JVM's JIT compilers spent compiling in the span (summed over the
     *                      compiler threads; included in {@code clientSeconds}): a large share of the wall time means
     *                      the span measured code still being compiled, not its steady state
     * @param redisWaitSeconds time the server's main thread (the one that runs commands) was ready to run but waited
     *                      for a core ({@code /proc/<pid>/schedstat}); null where the kernel does not tell. Beside
     *                      {@code redisSeconds} it tells why a server that is not busy all the wall time is not: a
     *                      large wait means other threads (the client's) took its core; a small one, that the client
     *                      did not send it work
     * @param redisTimeslices how many times the server's main thread was put on a core (likewise): a server that is
     *                      woken for every few commands, because they trickle in, pays a context switch, a system call
     *                      and cold caches each time
     */
    record CpuFigures(double redisSeconds, double clientSeconds, double wallSeconds,
                      Map<String, Double> serverUsecPerCall, long jitCompileMs, Double redisWaitSeconds,
                      Long redisTimeslices) {
        static final CpuFigures NONE = new CpuFigures(0, 0, 0, Map.of(), 0, null, null);

        /** Share of the wall time the JIT compilers spent compiling; 1 for an empty span (nothing shown settled). */
        double jitShare() {
            return wallSeconds <= 0 ? 1 : QuantizeReport.round3(jitCompileMs / (wallSeconds * 1000));
        }
    }

    CpuMeter(LoadedServer server) {
        this.server = server;
    }

    void start() {
        try (Jedis jedis = server.newJedis()) {
            commandsAtStart = commandStats(jedis);
            redisAtStart = redisCpu(jedis);
        }
        jvmAtStart = jvmCpu();
        jitAtStart = jitMillis();
        schedAtStart = schedstat(server.pid());
        wallAtStart = System.nanoTime();
    }

    CpuFigures stop() {
        double wall = (System.nanoTime() - wallAtStart) / 1e9;
        double jvm = jvmCpu() - jvmAtStart;
        long jit = jitMillis() - jitAtStart;
        long[] schedAtStop = schedstat(server.pid());
        boolean scheduled = schedAtStart != null && schedAtStop != null;
        Double wait = scheduled ? QuantizeReport.round3((schedAtStop[1] - schedAtStart[1]) / 1e9) : null;
        Long timeslices = scheduled ? schedAtStop[2] - schedAtStart[2] : null;
        double redis;
        Map<String, long[]> commands;
        try (Jedis jedis = server.newJedis()) {
            redis = redisCpu(jedis) - redisAtStart;
            commands = commandStats(jedis);
        }
        Map<String, Double> perCall = new LinkedHashMap<>();
        for (String command : COMMANDS) {
            long[] before = commandsAtStart.getOrDefault(command, new long[2]);
            long[] after = commands.getOrDefault(command, new long[2]);
            long calls = after[0] - before[0];
            if (calls > 0) {
                perCall.put(command, QuantizeReport.round3((after[1] - before[1]) / (double) calls));
            }
        }
        return new CpuFigures(QuantizeReport.round3(redis), QuantizeReport.round3(jvm), QuantizeReport.round3(wall),
                perCall, jit, wait, timeslices);
    }

    /**
     * The process's main thread's {@code /proc/<pid>/schedstat}: nanoseconds on a core, nanoseconds waiting on a run
     * queue, timeslices; null when the file cannot be read (not Linux, no schedstats).
     */
    static long[] schedstat(long pid) {
        try {
            return parseSchedstat(Files.readString(Path.of("/proc", Long.toString(pid), "schedstat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The three numbers of a {@code schedstat} line ("on-cpu-ns wait-ns timeslices"); null when malformed. */
    static long[] parseSchedstat(String schedstat) {
        String[] fields = schedstat.trim().split("\\s+");
        if (fields.length < 3) {
            return null;
        }
        try {
            return new long[]{Long.parseLong(fields[0]), Long.parseLong(fields[1]), Long.parseLong(fields[2])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Calls and microseconds so far of each of {@link #COMMANDS}, from {@code INFO commandstats}. */
    private static Map<String, long[]> commandStats(Jedis jedis) {
        Map<String, long[]> stats = new HashMap<>();
        for (String line : jedis.info("commandstats").split("\r?\n")) {
            // cmdstat_hset:calls=50000,usec=183000,usec_per_call=3.66,rejected_calls=0,failed_calls=0
            int colon = line.indexOf(':');
            if (!line.startsWith("cmdstat_") || colon < 0) {
                continue;
            }
            String command = line.substring("cmdstat_".length(), colon);
            if (!COMMANDS.contains(command)) {
                continue;
            }
            long[] figures = new long[2];
            for (String pair : line.substring(colon + 1).split(",")) {
                if (pair.startsWith("calls=")) {
                    figures[0] = Long.parseLong(pair.substring("calls=".length()));
                } else if (pair.startsWith("usec=")) {
                    figures[1] = Long.parseLong(pair.substring("usec=".length()));
                }
            }
            stats.put(command, figures);
        }
        return stats;
    }

    private static double redisCpu(Jedis jedis) {
        double total = 0;
        for (String line : jedis.info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return total;
    }

    /** Milliseconds the JIT compilers have spent so far; 0 when the JVM does not tell. */
    private static long jitMillis() {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        return compiler != null && compiler.isCompilationTimeMonitoringSupported()
                ? compiler.getTotalCompilationTime() : 0;
    }

    private static double jvmCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return 0;
    }
}
