package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import java.util.List;

/**
 * One control-plane connection to Redis. Commands go out as plain argument lists so that what a plan shows is
 * exactly what is sent; errors become {@link SlipwayException}s that name the command and the server.
 */
public final class RedisSession implements AutoCloseable {
    private final RedisEndpoint endpoint;
    private final Jedis jedis;

    private RedisSession(RedisEndpoint endpoint, Jedis jedis) {
        this.endpoint = endpoint;
        this.jedis = jedis;
    }

    /**
     * Connects and authenticates.
     *
     * @throws SlipwayException {@link ErrorCode#REDIS_UNAVAILABLE} with one clear line when Redis cannot be
     *                          reached or rejects the credentials
     */
    public static RedisSession open(RedisEndpoint endpoint, int timeoutMillis) {
        Jedis jedis = null;
        try {
            jedis = new Jedis(new HostAndPort(endpoint.host(), endpoint.port()), clientConfig(endpoint, timeoutMillis));
            jedis.ping();
            return new RedisSession(endpoint, jedis);
        } catch (JedisException e) {
            if (jedis != null) {
                jedis.close();
            }
            throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Cannot connect to Redis at "
                    + endpoint.redacted() + ": " + rootMessage(e)
                    + ". Check that the server is running and --url (or REDIS_URL) is right.", e);
        }
    }

    /** How every Slipway connection to the endpoint is set up: database, TLS, credentials, timeouts, name. */
    public static JedisClientConfig clientConfig(RedisEndpoint endpoint, int timeoutMillis) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .database(endpoint.database())
                .ssl(endpoint.tls())
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .clientName("slipway");
        endpoint.user().ifPresent(config::user);
        endpoint.password().ifPresent(config::password);
        return config.build();
    }

    /** The endpoint, for messages (its text form carries no password). */
    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** Sends one command given as its full argument list (command name first). */
    public Object call(List<String> commandAndArgs) {
        return call(commandAndArgs.get(0), commandAndArgs.subList(1, commandAndArgs.size()).toArray(String[]::new));
    }

    /** Sends one command and returns the raw reply (byte arrays, longs, lists). */
    public Object call(String command, String... args) {
        try {
            return jedis.sendCommand(command(command), args);
        } catch (JedisConnectionException e) {
            throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Lost the connection to Redis at "
                    + endpoint.redacted() + " during " + command + ": " + rootMessage(e)
                    + ". Re-run the same command when Redis is back; finished steps are not repeated.", e);
        } catch (JedisDataException e) {
            throw new RedisCommandException(command, e.getMessage(), e);
        }
    }

    /**
     * Sends {@code MULTI}, the commands, {@code EXEC}, and returns EXEC's replies. Redis runs the queued commands
     * with nothing in between, so no client sees an intermediate state.
     *
     * @throws RedisCommandException when a queued command failed (the others still ran: Redis has no rollback)
     */
    public List<Object> transaction(List<List<String>> commands) {
        call("MULTI");
        try {
            for (List<String> command : commands) {
                call(command);
            }
        } catch (RuntimeException e) {
            call("DISCARD");
            throw e;
        }
        List<Object> replies = RedisReplies.list(call("EXEC"));
        for (int i = 0; i < replies.size(); i++) {
            if (replies.get(i) instanceof Exception error) {
                throw new RedisCommandException(commands.get(i).get(0), error.getMessage(), error);
            }
        }
        return replies;
    }

    /** The names after {@code prefix} of every key that starts with it (SCAN), sorted. */
    public List<String> keysStartingWith(String prefix) {
        List<String> names = new java.util.ArrayList<>();
        String cursor = "0";
        do {
            List<Object> reply = RedisReplies.list(call("SCAN", cursor, "MATCH", GlobPattern.startingWith(prefix),
                    "COUNT", "1000"));
            cursor = RedisReplies.text(reply.get(0));
            for (Object key : RedisReplies.list(reply.get(1))) {
                names.add(RedisReplies.text(key).substring(prefix.length()));
            }
        } while (!cursor.equals("0"));
        names.sort(String::compareTo);
        return names;
    }

    /** Sends one command and decodes a bulk-string reply. */
    public String callString(String command, String... args) {
        return RedisReplies.text(call(command, args));
    }

    /** Opens a pipeline for bulk work on this connection. */
    public Pipeline pipelined() {
        return jedis.pipelined();
    }

    /** The underlying client, for the bulk data path. */
    public Jedis jedis() {
        return jedis;
    }

    /** Builds a protocol command for an arbitrary command name, including module commands. */
    public static ProtocolCommand command(String name) {
        byte[] raw = SafeEncoder.encode(name);
        return () -> raw;
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        message = message == null ? cause.getClass().getSimpleName() : message.strip();
        return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    @Override
    public void close() {
        try {
            jedis.close();
        } catch (JedisException e) {
            // the connection is going away anyway; nothing the user can act on
        }
    }
}
