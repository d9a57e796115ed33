package dev.slipway.internal.rewrite;

import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.commands.ProtocolCommand;
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

    private JedisDocumentStore(RedisSession session) {
        this.session = session;
    }

    /** Opens a dedicated connection. */
    public static JedisDocumentStore open(RedisEndpoint endpoint) {
        return new JedisDocumentStore(RedisSession.open(endpoint, 60_000));
    }

    private Jedis jedis() {
        return session.jedis();
    }

    @Override
    public ScanPage scan(String cursor, String pattern, int count, String type) {
        ScanParams params = new ScanParams().match(SafeEncoder.encode(pattern)).count(count);
        ScanResult<byte[]> result = jedis().scan(SafeEncoder.encode(cursor), params, SafeEncoder.encode(type));
        return new ScanPage(result.getCursor(), result.getResult());
    }

    @Override
    public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
        byte[][] names = fields.stream().map(SafeEncoder::encode).toArray(byte[][]::new);
        Pipeline pipeline = jedis().pipelined();
        List<Response<List<byte[]>>> responses = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            responses.add(pipeline.hmget(key, names));
        }
        pipeline.sync();
        List<byte[][]> values = new ArrayList<>(keys.size());
        for (Response<List<byte[]>> response : responses) {
            values.add(response.get().toArray(byte[][]::new));
        }
        return values;
    }

    @Override
    public List<String> readJson(List<byte[]> keys, List<String> paths) {
        Pipeline pipeline = jedis().pipelined();
        List<Response<Object>> responses = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            byte[][] args = new byte[paths.size() + 1][];
            args[0] = key;
            for (int i = 0; i < paths.size(); i++) {
                args[i + 1] = SafeEncoder.encode(paths.get(i));
            }
            responses.add(pipeline.sendCommand(RedisSession.command("JSON.GET"), args));
        }
        pipeline.sync();
        List<String> values = new ArrayList<>(keys.size());
        for (Response<Object> response : responses) {
            Object reply = response.get();
            values.add(reply == null ? null : SafeEncoder.encode((byte[]) reply));
        }
        return values;
    }

    @Override
    public List<Object> execute(List<Command> commands) {
        Pipeline pipeline = jedis().pipelined();
        List<Response<Object>> responses = new ArrayList<>(commands.size());
        for (Command command : commands) {
            responses.add(pipeline.sendCommand(encodedNames.computeIfAbsent(command.name(), RedisSession::command),
                    command.args().toArray(byte[][]::new)));
        }
        pipeline.sync();
        List<Object> replies = new ArrayList<>(commands.size());
        for (Response<Object> response : responses) {
            try {
                replies.add(response.get());
            } catch (RuntimeException e) {
                replies.add(e);
            }
        }
        return replies;
    }

    @Override
    public void close() {
        session.close();
    }
}
