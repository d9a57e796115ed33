package dev.slipway.zerodowntime;

import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static dev.slipway.testing.RedisStackServer.command;

/**
 * What an application sees during a migration: one thread on its own connection sends
 * {@code FT.SEARCH <name> * LIMIT 0 0} in a near-tight loop and records every error and every total that is not
 * the full document count, with the time ({@link System#nanoTime()}) each query ended.
 *
 * <p>After each query it pauses as long as the query took, at least {@value #MIN_PAUSE_NANOS} ns, so it keeps the
 * server at most half busy (hundreds to thousands of queries a second remain). Without any pause a single client
 * keeps the server's main thread so busy that RediSearch's background indexer, which needs the global lock,
 * barely progresses: building two 20k-document versions took 35-60 s instead of 2 s, and one 100k-document
 * version 15 s instead of 2 s even with a fixed 0.25 ms pause.
 */
final class QueryProbe implements AutoCloseable {
    static final long MIN_PAUSE_NANOS = 250_000;
    private final RedisStackServer redis;
    private final String name;
    private final long expectedTotal;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final List<String> errors = new ArrayList<>();
    private final List<Long> incompleteTotals = new ArrayList<>();
    private long[] completedAt = new long[1 << 16];
    private int queries;
    private Throwable crash;

    private QueryProbe(RedisStackServer redis, String name, long expectedTotal) {
        this.redis = redis;
        this.name = name;
        this.expectedTotal = expectedTotal;
        this.thread = new Thread(this::loop, "query-probe-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts probing; returns once the first query has been answered or failed. */
    static QueryProbe start(RedisStackServer redis, String name, long expectedTotal) {
        QueryProbe probe = new QueryProbe(redis, name, expectedTotal);
        probe.thread.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (probe.queries() == 0 && System.nanoTime() < deadline) {
            Inspect.sleep(1);
        }
        return probe;
    }

    private void loop() {
        Jedis jedis = null;
        try {
            while (running.get()) {
                if (jedis == null) {
                    jedis = redis.newJedis();
                }
                String error = null;
                long total = -1;
                long sent = System.nanoTime();
                try {
                    List<?> reply = (List<?>) jedis.sendCommand(command("FT.SEARCH"), name, "*", "LIMIT", "0", "0");
                    total = (Long) reply.get(0);
                } catch (JedisConnectionException e) {
                    error = "connection: " + e.getMessage();
                    jedis.close();
                    jedis = null;
                } catch (JedisException e) {
                    error = e.getMessage();
                }
                long answered = System.nanoTime();
                record(answered, error, total);
                LockSupport.parkNanos(Math.max(MIN_PAUSE_NANOS, answered - sent));
            }
        } catch (Throwable t) {
            synchronized (this) {
                crash = t;
            }
        } finally {
            if (jedis != null) {
                jedis.close();
            }
        }
    }

    private synchronized void record(long at, String error, long total) {
        if (queries == completedAt.length) {
            completedAt = Arrays.copyOf(completedAt, queries * 2);
        }
        completedAt[queries++] = at;
        if (error != null) {
            errors.add(error);
        } else if (total != expectedTotal) {
            incompleteTotals.add(total);
        }
    }

    /** Stops the thread and returns what it saw. */
    Result stop() {
        running.set(false);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (crash != null) {
                throw new AssertionError("the query probe itself failed", crash);
            }
            return new Result(queries, List.copyOf(errors), List.copyOf(incompleteTotals),
                    Arrays.copyOf(completedAt, queries));
        }
    }

    synchronized int queries() {
        return queries;
    }

    @Override
    public void close() {
        running.set(false);
    }

    /**
     * What the probe saw.
     *
     * @param queries          queries sent
     * @param errors           error messages, one per failed query
     * @param incompleteTotals totals that were not the full count
     * @param completedAt      when each query ended
     */
    record Result(int queries, List<String> errors, List<Long> incompleteTotals, long[] completedAt) {
        /** Queries that ended within [from, to] (nanoTime). */
        long queriesBetween(long from, long to) {
            return Arrays.stream(completedAt).filter(t -> t >= from && t <= to).count();
        }

        /** A short description for assertion messages. */
        String summary() {
            return queries + " queries, " + errors.size() + " errors " + errors.stream().distinct().limit(3).toList()
                    + ", " + incompleteTotals.size() + " incomplete totals "
                    + incompleteTotals.stream().distinct().limit(5).toList();
        }
    }
}
