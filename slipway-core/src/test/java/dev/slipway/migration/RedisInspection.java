package dev.slipway.migration;

import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.KeyDumps.Blob;
import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads Redis directly, without Slipway, so that tests judge Slipway by what the server says: raw FT.INFO,
 * FT.SEARCH, DUMP of every key.
 */
final class RedisInspection {
    private RedisInspection() {
    }

    /** A search result: the total and the keys returned, in order. */
    record Hits(long total, List<String> keys) {
    }

    /** A KNN hit: key and distance. */
    record Neighbour(String key, double distance) {
    }

    /** Everything in Redis that a migration could touch: every key's DUMP and every index's definition. */
    record State(Map<String, Blob> dumps, Map<String, String> indexDefinitions) {
        /** The state without Slipway's own bookkeeping keys. */
        State withoutSlipwayKeys() {
            return new State(KeyDumps.withoutSlipwayKeys(dumps), indexDefinitions);
        }
    }

    static State capture(Jedis jedis) {
        Map<String, String> definitions = new TreeMap<>();
        for (String index : indexes(jedis)) {
            definitions.put(index, definition(jedis, index));
        }
        return new State(dumpAll(jedis), definitions);
    }

    /** DUMP of every key, by key name. */
    static Map<String, Blob> dumpAll(Jedis jedis) {
        return KeyDumps.dumpAll(jedis);
    }

    static List<String> keys(Jedis jedis, String pattern) {
        List<String> keys = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams params = new ScanParams().match(pattern).count(1000);
        do {
            ScanResult<String> page = jedis.scan(cursor, params);
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        keys.sort(String::compareTo);
        return keys;
    }

    static List<String> slipwayKeys(Jedis jedis) {
        return keys(jedis, "slipway:*");
    }

    static List<String> indexes(Jedis jedis) {
        List<String> names = new ArrayList<>();
        for (Object name : (List<?>) jedis.sendCommand(RedisStackServer.command("FT._LIST"))) {
            names.add(text(name));
        }
        names.sort(String::compareTo);
        return names;
    }

    /** The raw FT.INFO reply as key/value text. */
    static Map<String, Object> info(Jedis jedis, String index) {
        List<?> reply = (List<?>) jedis.sendCommand(RedisStackServer.command("FT.INFO"), index);
        Map<String, Object> info = new LinkedHashMap<>();
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            info.put(text(reply.get(i)), decode(reply.get(i + 1)));
        }
        return info;
    }

    /** The definition part of FT.INFO (options, key type, prefixes, language, stop words, attributes). */
    static String definition(Jedis jedis, String index) {
        Map<String, Object> info = info(jedis, index);
        return "index_options=" + info.get("index_options") + " index_definition=" + info.get("index_definition")
                + " attributes=" + info.get("attributes") + " stopwords_list=" + info.get("stopwords_list");
    }

    static long numDocs(Jedis jedis, String index) {
        return Long.parseLong(String.valueOf(info(jedis, index).get("num_docs")));
    }

    /** Polls FT.INFO until the index holds {@code expected} documents and reports indexing finished. */
    static void awaitIndexed(Jedis jedis, String index, long expected) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            Map<String, Object> info = info(jedis, index);
            boolean done = "0".equals(String.valueOf(info.get("indexing")))
                    && Double.parseDouble(String.valueOf(info.get("percent_indexed"))) >= 1.0;
            if (done && Long.parseLong(String.valueOf(info.get("num_docs"))) == expected) {
                return;
            }
            assertThat(System.nanoTime()).as("indexing of %s did not finish: %s", index, info).isLessThan(deadline);
            sleep(10);
        }
    }

    /** FT.SEARCH with NOCONTENT, dialect 2 and room for every document. */
    static Hits search(Jedis jedis, String index, String query, String... extra) {
        List<String> args = new ArrayList<>(List.of(index, query, "NOCONTENT"));
        args.addAll(List.of(extra));
        args.addAll(List.of("LIMIT", "0", "10000", "DIALECT", "2"));
        List<?> reply = (List<?>) jedis.sendCommand(RedisStackServer.command("FT.SEARCH"),
                args.toArray(String[]::new));
        List<String> keys = new ArrayList<>();
        for (int i = 1; i < reply.size(); i++) {
            keys.add(text(reply.get(i)));
        }
        return new Hits((Long) reply.get(0), keys);
    }

    /** {@code *=>[KNN k @field $v AS dist]} sorted by distance; the vector's bytes in the index's element type. */
    static List<Neighbour> knn(Jedis jedis, String index, String field, int k, byte[] vector) {
        byte[][] args = {
                SafeEncoder.encode(index),
                SafeEncoder.encode("*=>[KNN " + k + " @" + field + " $v AS dist]"),
                SafeEncoder.encode("PARAMS"), SafeEncoder.encode("2"), SafeEncoder.encode("v"), vector,
                SafeEncoder.encode("SORTBY"), SafeEncoder.encode("dist"),
                SafeEncoder.encode("RETURN"), SafeEncoder.encode("1"), SafeEncoder.encode("dist"),
                SafeEncoder.encode("DIALECT"), SafeEncoder.encode("2")};
        List<?> reply = (List<?>) jedis.sendCommand(RedisStackServer.command("FT.SEARCH"), args);
        List<Neighbour> hits = new ArrayList<>();
        for (int i = 1; i + 1 < reply.size(); i += 2) {
            List<?> fields = (List<?>) reply.get(i + 1);
            hits.add(new Neighbour(text(reply.get(i)), Double.parseDouble(text(fields.get(1)))));
        }
        return hits;
    }

    static String text(Object reply) {
        return reply instanceof byte[] bytes ? SafeEncoder.encode(bytes) : String.valueOf(reply);
    }

    private static Object decode(Object reply) {
        if (reply instanceof List<?> list) {
            return list.stream().map(RedisInspection::decode).toList();
        }
        return text(reply);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
