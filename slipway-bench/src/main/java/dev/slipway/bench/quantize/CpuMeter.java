package dev.slipway.bench.quantize;

import redis.clients.jedis.Jedis;

import java.lang.management.ManagementFactory;

/**
 * CPU seconds the Redis server and this JVM spend between {@link #start} and {@link #stop}. Set beside the wall time
 * they show which side bounds a run: a server that is busy for most of the wall time is the bottleneck; a server
 * that idles while the client burns CPU is not.
 */
final class CpuMeter {
    private final LoadedServer server;
    private double redisAtStart;
    private double jvmAtStart;
    private long wallAtStart;

    /**
     * CPU figures of one measured span.
     *
     * @param redisSeconds  CPU the server used (user + system, every server thread)
     * @param clientSeconds CPU this JVM used (every thread, GC included)
     * @param wallSeconds   wall time of the span
     */
    record CpuFigures(double redisSeconds, double clientSeconds, double wallSeconds) {
        static final CpuFigures NONE = new CpuFigures(0, 0, 0);

        /** Share of the wall time the server was busy. */
        double redisBusy() {
            return wallSeconds <= 0 ? 0 : QuantizeReport.round3(redisSeconds / wallSeconds);
        }
    }

    CpuMeter(LoadedServer server) {
        this.server = server;
    }

    void start() {
        redisAtStart = redisCpu();
        jvmAtStart = jvmCpu();
        wallAtStart = System.nanoTime();
    }

    CpuFigures stop() {
        double wall = (System.nanoTime() - wallAtStart) / 1e9;
        return new CpuFigures(QuantizeReport.round3(redisCpu() - redisAtStart),
                QuantizeReport.round3(jvmCpu() - jvmAtStart), QuantizeReport.round3(wall));
    }

    private double redisCpu() {
        try (Jedis jedis = server.newJedis()) {
            double total = 0;
            for (String line : jedis.info("cpu").split("\r?\n")) {
                if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                    total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return total;
        }
    }

    private static double jvmCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return 0;
    }
}
