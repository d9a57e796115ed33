package dev.slipway.testing;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The DUMP of keys, to prove that a migration left stored data byte for byte as it was. */
public final class KeyDumps {
    private static final String SLIPWAY_PREFIX = "slipway:";

    private KeyDumps() {
    }

    /** A byte array with value equality, so that maps of DUMPs compare with {@code equals}. */
    public record Blob(byte[] bytes) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Blob b && Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return bytes.length + " bytes";
        }
    }

    /** DUMP of every key, by key (sorted). */
    public static Map<String, Blob> dumpAll(Jedis jedis) {
        Map<String, Blob> dumps = new TreeMap<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams params = new ScanParams().count(5000);
        do {
            ScanResult<String> page = jedis.scan(cursor, params);
            List<String> keys = page.getResult();
            List<Response<byte[]>> replies = new ArrayList<>(keys.size());
            Pipeline pipeline = jedis.pipelined();
            for (String key : keys) {
                replies.add(pipeline.dump(key));
            }
            pipeline.sync();
            for (int i = 0; i < keys.size(); i++) {
                dumps.put(keys.get(i), new Blob(replies.get(i).get()));
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return dumps;
    }

    /** The same map without Slipway's own bookkeeping keys ({@code slipway:*}); the argument is not changed. */
    public static Map<String, Blob> withoutSlipwayKeys(Map<String, Blob> dumps) {
        Map<String, Blob> data = new TreeMap<>(dumps);
        data.keySet().removeIf(k -> k.startsWith(SLIPWAY_PREFIX));
        return data;
    }
}
