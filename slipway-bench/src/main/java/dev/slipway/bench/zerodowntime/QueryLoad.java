package dev.slipway.bench.zerodowntime;

import dev.slipway.bench.LatencyRecorder;
import dev.slipway.bench.zerodowntime.StrategyResult.QueryFigures;
import dev.slipway.bench.zerodowntime.StrategyResult.Span;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A constant query load on the served name: N client threads, each on its own connection, alternating a tag
 * query ({@code @category:{cN}}, first page) and a match-all count ({@code *}). A query is <em>incomplete</em> when
 * its total is below what must be there: for {@code *} the documents known to exist when it was sent, for a
 * category the count it had before the migration (updates never change a category and nothing is deleted).
 * Incomplete answers that took at least the server's query {@code TIMEOUT} are counted apart as well: by default
 * RediSearch answers a query that times out with the results found so far ({@code ON_TIMEOUT RETURN}), which says
 * the server was overloaded, not that the index missed documents.
 */
final class QueryLoad {
    private static final int MAX_DISTINCT_ERRORS = 8;

    private final List<Client> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final LoadWindow window;
    private final long serverTimeoutNanos;

    QueryLoad(int threadCount, int ratePerThread, int maxPerThread, Supplier<Jedis> connect, long[] categoryBaseline,
              LoadWindow window, long seed, long serverTimeoutMillis) {
        this.window = window;
        this.serverTimeoutNanos = serverTimeoutMillis <= 0 ? Long.MAX_VALUE : serverTimeoutMillis * 1_000_000L;
        for (int i = 0; i < threadCount; i++) {
            Client client = new Client(ratePerThread, maxPerThread, connect, categoryBaseline, seed + i);
            clients.add(client);
            threads.add(new Thread(client, "bench-query-" + i));
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    /** Waits for the threads (the window must be closed first) and adds up what they saw. */
    QueryFigures finish(double windowSeconds) throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
        long sent = 0;
        long failed = 0;
        long incomplete = 0;
        long incompleteSlow = 0;
        Map<String, Long> errors = new TreeMap<>();
        List<LatencyRecorder> latencies = new ArrayList<>();
        Span failing = null;
        Span partial = null;
        for (Client c : clients) {
            sent += c.sent;
            failed += c.failed;
            incomplete += c.incomplete;
            incompleteSlow += c.incompleteSlow;
            c.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
            latencies.add(c.latency);
            failing = Span.union(failing, span(c.firstFailure, c.lastFailure));
            partial = Span.union(partial, span(c.firstIncomplete, c.lastIncomplete));
        }
        double perSecond = windowSeconds <= 0 ? 0 : Math.round(sent / windowSeconds * 10) / 10.0;
        return new QueryFigures(sent, failed, incomplete, incompleteSlow, perSecond, LatencyRecorder.summarize(latencies), failing,
                partial, errors);
    }

    private Span span(long first, long last) {
        return first == 0 ? null
                : new Span(window.secondsSinceMigrationStart(first), window.secondsSinceMigrationStart(last));
    }

    private final class Client implements Runnable {
        private final RatePacer pacer;
        private final int maxQueries;
        private final Supplier<Jedis> connect;
        private final long[] categoryBaseline;
        private final SplittableRandom random;
        private final LatencyRecorder latency;
        private final Map<String, Long> errors = new TreeMap<>();
        private long sent;
        private long failed;
        private long incomplete;
        private long incompleteSlow;
        private long firstFailure;
        private long lastFailure;
        private long firstIncomplete;
        private long lastIncomplete;

        Client(int rate, int maxQueries, Supplier<Jedis> connect, long[] categoryBaseline, long seed) {
            this.pacer = new RatePacer(rate);
            this.maxQueries = maxQueries;
            this.connect = connect;
            this.categoryBaseline = categoryBaseline;
            this.random = new SplittableRandom(seed);
            this.latency = new LatencyRecorder(maxQueries);
        }

        @Override
        public void run() {
            Jedis jedis = connect.get();
            boolean signalled = false;
            try {
                while (!window.over() && sent < maxQueries) {
                    jedis = queryOnce(jedis);
                    if (!signalled) {
                        window.threadReady();
                        signalled = true;
                    }
                    pacer.awaitNext(window::over);
                }
            } finally {
                if (!signalled) {
                    window.threadReady(); // never leave the coordinator waiting when the loop ended early
                }
                jedis.close();
            }
        }

        /** Sends one query; returns the connection to use next (a fresh one after a broken connection). */
        private Jedis queryOnce(Jedis jedis) {
            boolean matchAll = sent % 2 == 1;
            int category = random.nextInt(categoryBaseline.length);
            long expected = matchAll ? window.knownDocs() : categoryBaseline[category];
            String[] args = matchAll
                    ? new String[] {ProductCorpus.INDEX, "*", "LIMIT", "0", "0"}
                    : new String[] {ProductCorpus.INDEX, "@category:{c" + category + "}", "LIMIT", "0", "10"};
            sent++;
            long start = System.nanoTime();
            try {
                List<?> reply = (List<?>) jedis.sendCommand(ProductCorpus.command("FT.SEARCH"), args);
                long end = System.nanoTime();
                latency.record(end - start);
                if ((Long) reply.get(0) < expected) {
                    incomplete++;
                    incompleteSlow += end - start >= serverTimeoutNanos ? 1 : 0;
                    firstIncomplete = firstIncomplete == 0 ? end : firstIncomplete;
                    lastIncomplete = end;
                }
                return jedis;
            } catch (JedisException | ClassCastException | IndexOutOfBoundsException e) {
                long end = System.nanoTime();
                failed++;
                firstFailure = firstFailure == 0 ? end : firstFailure;
                lastFailure = end;
                countError(e);
                if (e instanceof JedisConnectionException) {
                    jedis.close();
                    return connect.get();
                }
                return jedis;
            }
        }

        private void countError(Exception e) {
            String text = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst()
                    .orElse("");
            text = text.length() > 120 ? text.substring(0, 120) : text;
            if (errors.containsKey(text) || errors.size() < MAX_DISTINCT_ERRORS) {
                errors.merge(text, 1L, Long::sum);
            } else {
                errors.merge("(other errors)", 1L, Long::sum);
            }
        }
    }
}
