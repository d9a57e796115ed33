package dev.slipway.bench.zerodowntime;

import dev.slipway.bench.BenchLog;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.util.SafeEncoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The benchmark's product catalogue: hashes {@code product:<id>} with a unique numeric {@code id}, a text
 * {@code title}, a tag {@code category} ({@code c0} .. {@code c19}), a numeric {@code price}, a {@code stock} the
 * source index does not cover (the patch adds it), and an 8-dimension FLOAT32 {@code embedding} (little-endian).
 * Every value is a pure function of the seed, the id and a revision number, so both strategies see the same data
 * and the writer's updates can be checked afterwards.
 */
final class ProductCorpus {
    static final String INDEX = "products";
    static final String PREFIX = "product:";
    static final int DIMENSIONS = 8;
    static final int CATEGORIES = 20;
    static final String PATCH_YAML = """
            version: 1
            changes:
              add_fields:
                - name: stock
                  type: numeric
                  attrs: {sortable: true}
            """;

    private static final List<String> ADJECTIVES = List.of("wireless", "running", "premium", "compact", "classic",
            "portable", "smart", "organic", "vintage", "rugged");
    private static final List<String> NOUNS = List.of("headphones", "shoes", "lamp", "kettle", "speaker", "backpack",
            "watch", "blender", "jacket", "tent");
    private static final int LOAD_BATCH = 1_000;

    /** The vector index algorithm of the source index. */
    enum VectorAlgorithm {
        HNSW, FLAT
    }

    private final long seed;
    private final int docs;

    ProductCorpus(long seed, int docs) {
        this.seed = seed;
        this.docs = docs;
    }

    int docs() {
        return docs;
    }

    static String key(long id) {
        return PREFIX + id;
    }

    /** The category every revision of a product has; updates never move a product to another category. */
    int category(long id) {
        return (int) Math.floorMod(mix(id, 0) >>> 7, (long) CATEGORIES);
    }

    /** The price of a revision of a product, as stored and as queried ({@code @price:[p p]}). */
    String price(long id, long revision) {
        long cents = 100 + Math.floorMod(mix(id, revision + 1), 99_900L);
        return String.format(Locale.ROOT, "%d.%02d", cents / 100, cents % 100);
    }

    private String stock(long id, long revision) {
        return Long.toString(Math.floorMod(mix(id, -revision - 1), 500L));
    }

    /** The whole document of a new product (revision 0). */
    Map<byte[], byte[]> document(long id) {
        SplittableRandom random = new SplittableRandom(mix(id, 0));
        Map<byte[], byte[]> hash = new LinkedHashMap<>();
        put(hash, "id", Long.toString(id));
        put(hash, "title", ADJECTIVES.get(random.nextInt(ADJECTIVES.size())) + " "
                + NOUNS.get(random.nextInt(NOUNS.size())) + " model " + Long.toString(id, 36));
        put(hash, "category", "c" + category(id));
        put(hash, "price", price(id, 0));
        put(hash, "stock", stock(id, 0));
        hash.put(SafeEncoder.encode("embedding"), embedding(random));
        return hash;
    }

    /** The fields an update of a product writes: a new price and stock. */
    Map<String, String> update(long id, long revision) {
        return Map.of("price", price(id, revision), "stock", stock(id, revision));
    }

    private static byte[] embedding(SplittableRandom random) {
        ByteBuffer buffer = ByteBuffer.allocate(DIMENSIONS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < DIMENSIONS; d++) {
            buffer.putFloat((float) (random.nextDouble() * 2 - 1));
        }
        return buffer.array();
    }

    private static void put(Map<byte[], byte[]> hash, String field, String value) {
        hash.put(SafeEncoder.encode(field), SafeEncoder.encode(value));
    }

    private long mix(long id, long revision) {
        long z = seed * 0x9E3779B97F4A7C15L + id * 0xBF58476D1CE4E5B9L + revision * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Writes every document with pipelining, in batches. */
    void load(Jedis jedis, BenchLog log) {
        long start = System.nanoTime();
        for (int from = 0; from < docs; from += LOAD_BATCH) {
            Pipeline pipeline = jedis.pipelined();
            for (int id = from; id < Math.min(docs, from + LOAD_BATCH); id++) {
                pipeline.hset(SafeEncoder.encode(key(id)), document(id));
            }
            pipeline.sync();
        }
        log.info("loaded %,d documents in %.1f s", docs, (System.nanoTime() - start) / 1e9);
    }

    /** Creates the source index: a plain index named {@value #INDEX}, not yet managed by Slipway. */
    void createIndex(Jedis jedis, VectorAlgorithm algorithm) {
        List<String> args = new ArrayList<>(List.of(INDEX, "ON", "HASH", "PREFIX", "1", PREFIX, "SCHEMA",
                "id", "NUMERIC", "title", "TEXT", "category", "TAG", "price", "NUMERIC",
                "embedding", "VECTOR", algorithm.name(), "6", "TYPE", "FLOAT32", "DIM", Integer.toString(DIMENSIONS),
                "DISTANCE_METRIC", "COSINE"));
        jedis.sendCommand(command("FT.CREATE"), args.toArray(String[]::new));
    }

    /** A command by name, for the FT.* commands Jedis has no method for on a plain connection. */
    static ProtocolCommand command(String name) {
        byte[] raw = SafeEncoder.encode(name);
        return () -> raw;
    }
}
