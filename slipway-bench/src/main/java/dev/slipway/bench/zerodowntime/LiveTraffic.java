package dev.slipway.bench.zerodowntime;

import dev.slipway.bench.zerodowntime.StrategyResult.QueryFigures;
import dev.slipway.testing.RedisStackServer;

import java.time.Duration;

/**
 * The traffic around one migration: the query clients, the writer and the memory sampler, started together before
 * {@code apply} and stopped right after it. Every thread has its own connection and stops at the latest when the
 * window's deadline ({@code --max-seconds} plus a margin) passes, whatever happens to the migration.
 */
final class LiveTraffic {
    private static final long READY_TIMEOUT_SECONDS = 30;
    private static final long DEADLINE_MARGIN_SECONDS = 30;

    /**
     * What the traffic saw.
     *
     * @param queries        the query figures
     * @param writer         the stopped writer, whose writes are audited next
     * @param peakUsedMemory the highest used_memory sampled
     */
    record Observed(QueryFigures queries, WriteLoad writer, long peakUsedMemory) {
    }

    private final LoadWindow window;
    private final QueryLoad queries;
    private final WriteLoad writer;
    private final MemorySampler sampler;
    private long startNanos;

    LiveTraffic(RedisStackServer server, ZeroDowntimeOptions options, ProductCorpus corpus, long[] categoryBaseline,
                long serverTimeoutMillis) {
        long maxNanos = Duration.ofSeconds(options.maxSeconds() + DEADLINE_MARGIN_SECONDS).toNanos();
        this.window = new LoadWindow(maxNanos, corpus.docs(), options.queryThreads() + 2);
        this.queries = new QueryLoad(options.queryThreads(), options.queryRate(), options.maxQueriesPerThread(),
                server::newJedis, categoryBaseline, window, options.seed(), serverTimeoutMillis);
        this.writer = new WriteLoad(corpus, options.writeRate(), options.maxWrites(), server::newJedis, window,
                options.seed());
        this.sampler = new MemorySampler(server::newJedis, window);
    }

    /**
     * Starts every thread and waits until each has done its first operation.
     *
     * @return false when some thread did not get going within 30 s (the run continues)
     */
    boolean start() throws InterruptedException {
        startNanos = System.nanoTime();
        queries.start();
        writer.start();
        sampler.start();
        return window.awaitReady(READY_TIMEOUT_SECONDS);
    }

    /** Marks the start of the migration; the reported failure times are relative to it. */
    void migrationStarted() {
        window.migrationStarted();
    }

    /** Stops every thread and collects what they saw. */
    Observed stop() throws InterruptedException {
        window.close();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        QueryFigures figures = queries.finish(seconds);
        writer.finish();
        return new Observed(figures, writer, sampler.finish());
    }
}
