package dev.slipway.bench.quantize;

import dev.slipway.bench.BenchLog;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.util.SafeEncoder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The benchmark's documents: hashes {@code doc:<id>} with a text {@code title}, a tag {@code category}
 * ({@code c0} .. {@code c15}) and a FLOAT32 {@code embedding} (little-endian), indexed by {@value #INDEX} with a FLAT
 * vector field. Every value is a pure function of the seed and the id, so each contender starts from identical data
 * and the expected FLOAT16 bytes of any document can be recomputed after a migration.
 */
final class VectorCorpus {
    static final String INDEX = "vectors";
    static final String PREFIX = "doc:";
    static final String VECTOR_FIELD = "embedding";
    static final String PATCH_YAML = """
            version: 1
            changes:
              update_fields:
                - name: embedding
                  attrs: {datatype: float16}
            """;

    private static final int CATEGORIES = 16;
    private static final List<String> WORDS = List.of("harbour", "keel", "mast", "rudder", "anchor", "hull", "deck",
            "sail", "bow", "stern", "cargo", "tide");
    /** Documents per pipeline while loading: about 1.5 MB of 768-dim vectors, so memory stays bounded. */
    private static final int LOAD_BATCH = 500;
    /** Scale of the Gaussian components: embedding-like magnitudes, with some values in half's subnormal range. */
    private static final double SCALE = 0.08;

    private final long seed;
    private final int documents;
    private final int dims;

    VectorCorpus(long seed, int documents, int dims) {
        this.seed = seed;
        this.documents = documents;
        this.dims = dims;
    }

    int documents() {
        return documents;
    }

    int dims() {
        return dims;
    }

    static byte[] key(long id) {
        return SafeEncoder.encode(PREFIX + id);
    }

    String title(long id) {
        SplittableRandom random = new SplittableRandom(mix(id) ^ 0x5DEECE66DL);
        return WORDS.get(random.nextInt(WORDS.size())) + " " + WORDS.get(random.nextInt(WORDS.size())) + " "
                + Long.toString(id, 36);
    }

    String category(long id) {
        return "c" + Math.floorMod(mix(id) >>> 11, (long) CATEGORIES);
    }

    /** The document's FLOAT32 vector as stored before any migration. */
    byte[] float32Vector(long id) {
        SplittableRandom random = new SplittableRandom(mix(id));
        byte[] bytes = new byte[dims * Float.BYTES];
        for (int d = 0, at = 0; d < dims; d++, at += 4) {
            int bits = Float.floatToRawIntBits((float) (random.nextGaussian() * SCALE));
            bytes[at] = (byte) bits;
            bytes[at + 1] = (byte) (bits >>> 8);
            bytes[at + 2] = (byte) (bits >>> 16);
            bytes[at + 3] = (byte) (bits >>> 24);
        }
        return bytes;
    }

    /** What a correct float32 to float16 migration leaves in the document's vector field. */
    byte[] expectedFloat16Vector(long id) {
        return HalfPrecision.fromFloat32Bytes(float32Vector(id));
    }

    private Map<byte[], byte[]> document(long id) {
        Map<byte[], byte[]> hash = new LinkedHashMap<>();
        hash.put(SafeEncoder.encode("title"), SafeEncoder.encode(title(id)));
        hash.put(SafeEncoder.encode("category"), SafeEncoder.encode(category(id)));
        hash.put(SafeEncoder.encode(VECTOR_FIELD), float32Vector(id));
        return hash;
    }

    private long mix(long id) {
        long z = seed * 0x9E3779B97F4A7C15L + id * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Writes every document with pipelining, {@value #LOAD_BATCH} at a time.
     *
     * @return seconds it took
     */
    double load(Jedis jedis, BenchLog log) {
        long start = System.nanoTime();
        for (int from = 0; from < documents; from += LOAD_BATCH) {
            Pipeline pipeline = jedis.pipelined();
            for (int id = from; id < Math.min(documents, from + LOAD_BATCH); id++) {
                pipeline.hset(key(id), document(id));
            }
            pipeline.sync();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        log.info("  loaded %,d documents of %d-dim FLOAT32 vectors in %.1f s", documents, dims, seconds);
        return seconds;
    }

    /** Creates the source index, which Slipway does not manage yet. */
    void createIndex(Jedis jedis) {
        jedis.sendCommand(command("FT.CREATE"), INDEX, "ON", "HASH", "PREFIX", "1", PREFIX, "SCHEMA",
                "title", "TEXT", "category", "TAG", VECTOR_FIELD, "VECTOR", "FLAT", "6", "TYPE", "FLOAT32",
                "DIM", Integer.toString(dims), "DISTANCE_METRIC", "COSINE");
    }

    /** Drops the source index but not its documents, as Slipway's drop-recreate apply does before a rewrite. */
    void dropIndex(Jedis jedis) {
        jedis.sendCommand(command("FT.DROPINDEX"), INDEX);
    }

    /** A command by name, for the FT.* commands Jedis has no method for on a plain connection. */
    static ProtocolCommand command(String name) {
        byte[] raw = SafeEncoder.encode(name);
        return () -> raw;
    }
}
