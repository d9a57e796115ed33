package dev.slipway.bench.zerodowntime;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.util.function.Supplier;

/**
 * Polls the server's {@code used_memory} while a migration runs, to measure its peak: the number that decides
 * whether a zero-downtime migration, which keeps the old and the new index side by side, fits the server.
 */
final class MemorySampler implements Runnable {
    private static final long PERIOD_MILLIS = 100;

    private final Supplier<Jedis> connect;
    private final LoadWindow window;
    private final Thread thread = new Thread(this, "bench-memory");
    private volatile long peak;

    MemorySampler(Supplier<Jedis> connect, LoadWindow window) {
        this.connect = connect;
        this.window = window;
    }

    void start() {
        thread.start();
    }

    /** The highest {@code used_memory} seen, after the window closed. */
    long finish() throws InterruptedException {
        thread.join();
        return peak;
    }

    @Override
    public void run() {
        try (Jedis jedis = connect.get()) {
            boolean signalled = false;
            while (!window.over()) {
                try {
                    peak = Math.max(peak, usedMemory(jedis));
                } catch (JedisException e) {
                    // A missed sample only makes the peak less precise.
                }
                if (!signalled) {
                    window.threadReady();
                    signalled = true;
                }
                if (!pause()) {
                    break;
                }
            }
            if (!signalled) {
                window.threadReady();
            }
        }
    }

    /** {@code used_memory} from {@code INFO memory}. */
    static long usedMemory(Jedis jedis) {
        for (String line : jedis.info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        return 0;
    }

    private static boolean pause() {
        try {
            Thread.sleep(PERIOD_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
