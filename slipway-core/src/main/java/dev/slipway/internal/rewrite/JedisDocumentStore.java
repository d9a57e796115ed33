package dev.slipway.internal.rewrite;

import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link DocumentStore} on one standalone Redis connection, with pipelining for every batch. */
public final class JedisDocumentStore implements DocumentStore {
    private final RedisSession session;
    /** Command names already encoded; a rewrite sends the same few names hundreds of thousands of times. */
    private final Map<String, ProtocolCommand> encodedNames = new HashMap<>();
    private Pipeline pipeline;
    /**
     * Why a pipeline failed on this connection, or null. Jedis keeps a failed pipeline's unread replies and refuses
     * every later direct command ("Cannot use Jedis when in Pipeline"), and the stream may still hold those replies:
     * the connection is done for, and a later use is a lost connection, which the pool replaces (tester session 53
     * R47 T1: an INFO cut after a reconnect left the reading connection so, and its SCAN failed the run, exit 1).
     */
    private String failed;
    /**
     * Where computed arguments are produced, reused for every command: Jedis writes a command's arguments into the
     * connection's output buffer (or, for an argument longer than that buffer, straight to the socket) before
     * {@code sendCommand} returns, so the bytes can be overwritten by the next command at once.
     */
    private byte[] computedBuffer = new byte[0];

    private JedisDocumentStore(RedisSession session) {
        this.session = session;
    }

    /** Opens a dedicated connection. */
    public static JedisDocumentStore open(RedisEndpoint endpoint) {
        return new JedisDocumentStore(RedisSession.open(endpoint, 60_000));
    }

    private Jedis jedis() {
        if (failed != null) {
            throw new JedisConnectionException("the connection was given up after a failed pipeline (" + failed + ")");
        }
        return session.jedis();
    }

    /** Queues one command of a batch on the pipeline. */
    @FunctionalInterface
    private interface Queue<R> {
        Response<R> append(Pipeline pipeline, int index);
    }

    /**
     * Queues {@code count} commands and reads their replies in one round trip. The connection's pipeline is made
     * once and reused (making one builds Jedis' whole command factory, which cost more than checking a batch's
     * replies); after a failure the next batch starts on a new one, so no reply of a failed batch is read as another's.
     */
    private <R> List<Response<R>> pipelined(int count, Queue<R> queue) {
        if (pipeline == null) {
            pipeline = jedis().pipelined();
        }
        try {
            List<Response<R>> responses = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                responses.add(queue.append(pipeline, i));
            }
            pipeline.sync();
            return responses;
        } catch (RuntimeException e) {
            pipeline = null;
            failed = RedisSession.rootMessage(e);
            throw e;
        }
    }

    private ProtocolCommand encoded(String name) {
        return encodedNames.computeIfAbsent(name, RedisSession::command);
    }

    @Override
    public ScanPage scan(String cursor, String pattern, int count, String type) {
        ScanParams params = new ScanParams().match(SafeEncoder.encode(pattern)).count(count);
        ScanResult<byte[]> result = jedis().scan(SafeEncoder.encode(cursor), params, SafeEncoder.encode(type));
        return new ScanPage(result.getCursor(), result.getResult());
    }

    @Override
    public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
        byte[][] names = fieldNames(fields);
        return values(pipelined(keys.size(), (p, i) -> p.hmget(keys.get(i), names)));
    }

    @Override
    public HashFields readHashFieldsCounted(List<byte[]> keys, List<String> fields) {
        byte[][] names = fieldNames(fields);
        List<Response<List<byte[]>>> reads = new ArrayList<>(keys.size());
        List<Response<Long>> counts = pipelined(keys.size(), (p, i) -> {
            reads.add(p.hmget(keys.get(i), names));
            return p.hlen(keys.get(i));
        });
        List<byte[][]> values = values(reads); // a key of another type fails here, as in readHashFields
        long[] lengths = new long[counts.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = counts.get(i).get();
        }
        return new HashFields(values, lengths);
    }

    private static byte[][] fieldNames(List<String> fields) {
        return fields.stream().map(SafeEncoder::encode).toArray(byte[][]::new);
    }

    /** The values of {@code HMGET} replies, one array per key. */
    private static List<byte[][]> values(List<Response<List<byte[]>>> responses) {
        List<byte[][]> values = new ArrayList<>(responses.size());
        for (Response<List<byte[]>> response : responses) {
            values.add(response.get().toArray(byte[][]::new));
        }
        return values;
    }

    @Override
    public List<String> readJson(List<byte[]> keys, List<String> paths) {
        ProtocolCommand get = encoded("JSON.GET");
        List<Response<Object>> responses = pipelined(keys.size(), (p, i) -> {
            byte[][] args = new byte[paths.size() + 1][];
            args[0] = keys.get(i);
            for (int path = 0; path < paths.size(); path++) {
                args[path + 1] = SafeEncoder.encode(paths.get(path));
            }
            return p.sendCommand(get, args);
        });
        List<String> values = new ArrayList<>(keys.size());
        for (Response<Object> response : responses) {
            Object reply = response.get();
            values.add(reply == null ? null : SafeEncoder.encode((byte[]) reply));
        }
        return values;
    }

    @Override
    public List<Object> execute(List<Command> commands) {
        List<Response<Object>> responses = pipelined(commands.size(), (p, i) -> {
            Command command = commands.get(i);
            return p.sendCommand(encoded(command.name()), RedisSession.untimed(command.name(), arguments(command)));
        });
        List<Object> replies = new ArrayList<>(commands.size());
        boolean transactions = false;
        for (int i = 0; i < responses.size(); i++) {
            try {
                replies.add(responses.get(i).get());
            } catch (RuntimeException e) {
                replies.add(e);
            }
            transactions |= commands.get(i).isTransactionMarker();
        }
        return transactions ? unwrapTransactions(commands, replies) : replies;
    }

    /**
     * Puts each queued command's reply (from {@code EXEC}'s) in its place instead of {@code QUEUED}; {@code EXEC}
     * itself then reads {@code OK}. A transaction the server refused ({@code EXECABORT}: a command was refused when
     * queued, out of memory say) gives that error to every command that was queued, and keeps the refusal of the one
     * that was not.
     */
    static List<Object> unwrapTransactions(List<Command> commands, List<Object> replies) {
        List<Object> result = new ArrayList<>(replies);
        for (int open = 0; open < commands.size(); open++) {
            if (!commands.get(open).name().equals("MULTI")) {
                continue;
            }
            int close = open + 1;
            while (close < commands.size() && !commands.get(close).name().equals("EXEC")) {
                close++;
            }
            if (close == commands.size()) {
                break;
            }
            Object exec = replies.get(close);
            if (exec instanceof List<?> each && each.size() == close - open - 1) {
                for (int i = 0; i < each.size(); i++) {
                    result.set(open + 1 + i, each.get(i));
                }
                result.set(close, "OK");
            } else if (exec instanceof Exception) {
                for (int i = open + 1; i < close; i++) {
                    if (!(replies.get(i) instanceof Exception)) {
                        result.set(i, exec);
                    }
                }
            }
            open = close;
        }
        return result;
    }

    /** The command's arguments as sent, a computed one produced into {@link #computedBuffer}. */
    private byte[][] arguments(Command command) {
        if (command.isTransactionMarker()) {
            return new byte[0][]; // its key only routes it
        }
        List<byte[]> given = command.args();
        ComputedArgument computed = command.computed();
        byte[][] arguments = new byte[given.size() + (computed == null ? 0 : 1)][];
        for (int i = 0; i < given.size(); i++) {
            arguments[i] = given.get(i);
        }
        if (computed != null) {
            if (computedBuffer.length != computed.length()) {
                computedBuffer = new byte[computed.length()]; // Jedis sends whole arrays: one of the exact length
            }
            computed.writeInto(computedBuffer);
            arguments[given.size()] = computedBuffer;
        }
        return arguments;
    }

    @Override
    public void nameClient(String name) {
        jedis(); // refuses a connection given up
        session.call("CLIENT", "SETNAME", name);
    }

    @Override
    public void close() {
        session.close();
    }
}
