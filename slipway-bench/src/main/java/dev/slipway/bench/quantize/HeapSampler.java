package dev.slipway.bench.quantize;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * Samples the JVM heap in a background thread while something runs: heap used (live data plus garbage not yet
 * collected) every {@value #PERIOD_MILLIS} ms, and heap left after the most recent collection of each pool (what
 * the program actually retains). {@link #start()} collects garbage first so the baseline is low.
 */
final class HeapSampler implements Runnable {
    static final long PERIOD_MILLIS = 50;
    private static final double MB = 1024.0 * 1024.0;

    private final Thread thread = new Thread(this, "quantize-heap-sampler");
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();
    private volatile boolean running = true;
    private long baseline;
    private long peakUsed;
    private long peakAfterGc;
    private long samples;
    private long gcCountAtStart;
    private long gcMillisAtStart;

    /**
     * Heap figures of one run, in MiB.
     *
     * @param baselineMb   heap used right after the forced collection before the run
     * @param peakMb       highest heap used sampled during the run
     * @param peakAfterGcMb highest heap left after a collection during the run
     * @param samples      samples taken
     * @param gcCount      collections during the run
     * @param gcSeconds    time the collectors report for them
     * @param maxHeapMb    the JVM's maximum heap (-Xmx)
     */
    record HeapFigures(double baselineMb, double peakMb, double peakAfterGcMb, long samples, long gcCount,
                       double gcSeconds, double maxHeapMb) {
    }

    /** Collects garbage, records the baseline, and starts sampling. */
    void start() {
        System.gc();
        baseline = used();
        peakUsed = baseline;
        peakAfterGc = afterGc();
        gcCountAtStart = gcCount();
        gcMillisAtStart = gcMillis();
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        while (running) {
            sample();
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        long used = used();
        long retained = afterGc();
        synchronized (this) {
            peakUsed = Math.max(peakUsed, used);
            peakAfterGc = Math.max(peakAfterGc, retained);
            samples++;
        }
    }

    /** Stops sampling (after one last sample) and returns the figures. */
    HeapFigures finish() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        synchronized (this) {
            return new HeapFigures(mb(baseline), mb(peakUsed), mb(peakAfterGc), samples, gcCount() - gcCountAtStart,
                    Math.round(gcMillis() - gcMillisAtStart) / 1e3,
                    mb(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax()));
        }
    }

    private static long used() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Heap left after each pool's most recent collection; young pools are empty after theirs. */
    private long afterGc() {
        long total = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            if (pool.getCollectionUsage() != null) {
                total += pool.getCollectionUsage().getUsed();
            }
        }
        return total;
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).filter(c -> c > 0).sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(c -> c > 0).sum();
    }

    private static double mb(long bytes) {
        return Math.round(bytes / MB * 10) / 10.0;
    }
}
