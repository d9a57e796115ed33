package dev.slipway.internal.rewrite;

import dev.slipway.internal.redis.RedisConnector;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One of a {@link WriteWatch}'s listeners: a connection subscribed to the server's invalidation channel, which a
 * writing connection's tracking is redirected to, and the thread reading what the server pushes to it. It hands
 * every reported key, and every flush, to its watch.
 */
final class InvalidationListener {
    private static final String CHANNEL = "__redis__:invalidate";
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

    private final int index;
    private final WriteWatch watch;
    private final ListenerConnection connection;
    private final long clientId;
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Object pongLock = new Object();
    /** PINGs sent on the connection (under {@link #sendLock}, so that the n-th one sent is the n-th answered). */
    private long pings;
    private final Object sendLock = new Object();
    private long pongs;
    private final Thread thread;
    /** The server's error when it refused the subscription (read before {@link #subscribed} counts down). */
    private volatile String refusal;

    /** Connects, subscribes and starts reading; listener {@code index} answers for writer {@code index}. */
    InvalidationListener(RedisEndpoint endpoint, int index, WriteWatch watch) {
        this.index = index;
        this.watch = watch;
        this.connection = new ListenerConnection(endpoint);
        try {
            this.clientId = (Long) connection.executeCommand(
                    new CommandArguments(RedisSession.command("CLIENT")).add("ID"));
            connection.setTimeoutInfinite();
            connection.send("SUBSCRIBE", CHANNEL);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        this.thread = new Thread(this::listen, "slipway-write-watch-" + index);
        thread.setDaemon(true);
        thread.start();
        try {
            if (!subscribed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no reply to SUBSCRIBE " + CHANNEL);
            }
            if (refusal != null) { // an ACL without SUBSCRIBE: said at once, not after the 10 s above
                throw new IllegalStateException("SUBSCRIBE " + CHANNEL + " refused: " + refusal);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while subscribing", e);
        }
    }

    /** The listener connection's client id, which the writer's {@code CLIENT TRACKING ... REDIRECT} names. */
    long clientId() {
        return clientId;
    }

    private void listen() {
        try {
            while (!watch.closing()) {
                handle(connection.getUnflushedObject());
            }
        } catch (JedisException | ClassCastException e) {
            if (subscribed.getCount() > 0) {
                refusal = String.valueOf(e.getMessage());
                subscribed.countDown();
                return;
            }
            if (!watch.closing()) {
                watch.markLost("the listener connection failed (" + e.getMessage() + ")");
                synchronized (pongLock) {
                    pongLock.notifyAll();
                }
            }
        }
    }

    private void handle(Object reply) {
        if (!(reply instanceof List<?> parts) || parts.isEmpty() || !(parts.get(0) instanceof byte[] kind)) {
            return;
        }
        switch (new String(kind, StandardCharsets.US_ASCII)) {
            case "message" -> {
                Object payload = parts.get(2);
                if (payload == null) {
                    watch.record("the whole database (flushed)");
                } else if (payload instanceof List<?> keys) {
                    keys.forEach(key -> watch.seen(index, (byte[]) key));
                } else if (payload instanceof byte[] key) {
                    watch.seen(index, key);
                }
            }
            case "subscribe" -> subscribed.countDown();
            case "pong" -> {
                synchronized (pongLock) {
                    pongs++;
                    pongLock.notifyAll();
                }
                watch.pingAnswered();
            }
            default -> {
                // nothing else is sent on a subscribed connection
            }
        }
    }

    /**
     * Sends a PING, which the server answers after every notification it queued for this listener before it: once
     * {@link #answered} reaches the number returned, the listener has read them all. Returns -1 and marks the watch
     * lost when the connection cannot be reached.
     */
    long ping() {
        String failure;
        synchronized (sendLock) {
            try {
                connection.send("PING");
                return ++pings;
            } catch (JedisException e) {
                failure = e.getMessage();
            }
        }
        watch.markLost("could not reach listener " + index + " (" + failure + ")");
        return -1;
    }

    /** How many PINGs the server has answered on this listener's connection. */
    long answered() {
        synchronized (pongLock) {
            return pongs;
        }
    }

    /**
     * Waits until this listener has read every notification the server queued before now (see {@link #ping}).
     * Marks the watch lost when the listener cannot be reached or does not answer.
     */
    void sync() {
        long awaited = ping();
        if (awaited < 0) {
            return;
        }
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        synchronized (pongLock) {
            while (pongs < awaited && watch.lost().isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    watch.markLost("listener " + index + " did not answer a PING within " + SYNC_TIMEOUT.toSeconds()
                            + " s");
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pongLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    watch.markLost("interrupted");
                    return;
                }
            }
        }
    }

    /** Closes the connection and waits briefly for the reading thread to end. */
    void close() {
        try {
            connection.close();
        } catch (JedisException e) {
            // going away anyway
        }
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A connection that can send while another thread reads: Jedis keeps flushing to itself. */
    private static final class ListenerConnection extends Connection {
        ListenerConnection(RedisEndpoint endpoint) {
            super(new HostAndPort(endpoint.host(), endpoint.port()), RedisConnector.clientConfig(endpoint, 10_000));
        }

        void send(String command, String... args) {
            sendCommand(RedisSession.command(command), args);
            flush();
        }
    }
}
