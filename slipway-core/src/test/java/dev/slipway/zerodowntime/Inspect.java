package dev.slipway.zerodowntime;

import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.KeyDumps.Blob;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.testing.RedisStackServer.command;

/**
 * Reads the server directly, without Slipway, so that tests judge Slipway by what Redis says: raw FT.INFO,
 * FT.SEARCH, FT._LIST, DUMP of every document, Slipway's own keys as stored.
 */
final class Inspect {
    private Inspect() {
    }

    /** A few FT.INFO fields of an index or alias; {@code indexName} is the physical index behind the name. */
    record IndexFacts(String indexName, long numDocs, long failures, double percentIndexed) {
    }

    static IndexFacts info(Jedis jedis, String name) {
        List<?> reply = (List<?>) jedis.sendCommand(command("FT.INFO"), name);
        Map<String, Object> fields = new HashMap<>();
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            fields.put(text(reply.get(i)), reply.get(i + 1));
        }
        return new IndexFacts(text(fields.get("index_name")), number(fields.get("num_docs")),
                number(fields.get("hash_indexing_failures")), Double.parseDouble(text(fields.get("percent_indexed"))));
    }

    /** Waits (up to 60 s) until the index has indexed every document. */
    static void awaitIndexed(Jedis jedis, String name) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (info(jedis, name).percentIndexed() < 1.0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("index " + name + " did not finish indexing within 60 s");
            }
            sleep(10);
        }
    }

    /** {@code FT.SEARCH name * LIMIT 0 0}: the total. */
    static long matchAll(Jedis jedis, String name) {
        List<?> reply = (List<?>) jedis.sendCommand(command("FT.SEARCH"), name, "*", "LIMIT", "0", "0");
        return (Long) reply.get(0);
    }

    /** The total of a query in dialect 2. */
    static long count(Jedis jedis, String name, String query) {
        List<?> reply = (List<?>) jedis.sendCommand(command("FT.SEARCH"), name, query, "LIMIT", "0", "0",
                "DIALECT", "2");
        return (Long) reply.get(0);
    }

    /** Every physical index ({@code FT._LIST}), sorted. */
    static List<String> indexes(Jedis jedis) {
        List<String> names = new ArrayList<>();
        for (Object name : (List<?>) jedis.sendCommand(command("FT._LIST"))) {
            names.add(text(name));
        }
        names.sort(String::compareTo);
        return names;
    }

    /** DUMP of every key outside Slipway's namespace, by key. */
    static Map<String, Blob> documents(Jedis jedis) {
        return KeyDumps.withoutSlipwayKeys(KeyDumps.dumpAll(jedis));
    }

    /** Slipway's own keys (history, checkpoint, lock, ...) with their string values. */
    static Map<String, String> slipwayKeys(Jedis jedis) {
        Map<String, String> values = new TreeMap<>();
        for (String key : jedis.keys("slipway:*")) {
            values.put(key, jedis.get(key));
        }
        return values;
    }

    static String text(Object reply) {
        return reply instanceof byte[] bytes ? SafeEncoder.encode(bytes) : String.valueOf(reply);
    }

    private static long number(Object reply) {
        if (reply instanceof Long value) {
            return value;
        }
        return (long) Double.parseDouble(text(reply));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
