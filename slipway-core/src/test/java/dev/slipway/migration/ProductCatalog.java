package dev.slipway.migration;

import dev.slipway.api.schema.StorageType;
import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.util.SafeEncoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * A realistic, deterministic product catalogue stored as hashes or JSON documents under {@code product:}, with
 * the index {@code products} over title (text), category (tag), price (numeric), location (geo) and a 4-dim
 * FLOAT32 embedding. Every document also carries fields the index does not cover yet (brand, color, rating,
 * warehouse) so that added fields have data to index.
 *
 * <p>Values are chosen so that index-only changes are observable through queries: titles contain "running" but
 * never "run" (stemming), and "the" (a default stop word); categories hold {@code |}-joined tags that only a
 * {@code |} separator splits.
 */
final class ProductCatalog {
    static final String INDEX = "products";
    static final String PREFIX = "product:";
    static final int DIM = 4;

    static final List<String> ADJECTIVES = List.of("wireless", "running", "premium", "compact", "the classic",
            "portable", "smart");
    static final List<String> NOUNS = List.of("headphones", "shoes", "lamp", "kettle", "speaker", "backpack",
            "watch");
    static final List<String> CATEGORIES = List.of("audio|portable", "kitchen", "garden|outdoor", "sports|outdoor",
            "home");
    static final List<String> BRANDS = List.of("acme", "globex", "initech", "umbrella");
    static final List<String> COLORS = List.of("red", "blue", "green", "black");
    static final List<City> WAREHOUSES = List.of(new City("london", -0.1276, 51.5072),
            new City("paris", 2.3522, 48.8566), new City("berlin", 13.4050, 52.5200));

    /** A warehouse city. */
    record City(String name, double lon, double lat) {
        String geo() {
            return coordinates(lon, lat);
        }
    }

    /** One document as written. */
    record Product(String key, String title, String category, double price, String location, float[] embedding,
                   String brand, String color, int rating, City warehouse) {

        boolean titleHasWord(String word) {
            return List.of(title.split(" ")).contains(word);
        }

        boolean hasTag(String tag) {
            return List.of(category.split("\\|")).contains(tag);
        }
    }

    /** The vector index algorithm of the source index. */
    enum VectorAlgorithm {
        FLAT, HNSW
    }

    private final StorageType storage;
    private final List<Product> products;

    private ProductCatalog(StorageType storage, List<Product> products) {
        this.storage = storage;
        this.products = List.copyOf(products);
    }

    /** Writes {@code count} documents and creates the index over them, waiting until it has indexed them all. */
    static ProductCatalog seed(RedisStackServer redis, StorageType storage, VectorAlgorithm algorithm, int count) {
        ProductCatalog catalog = new ProductCatalog(storage, generate(count));
        try (Jedis jedis = redis.newJedis()) {
            catalog.write(jedis);
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), catalog.createArguments(algorithm)
                    .toArray(String[]::new));
            RedisInspection.awaitIndexed(jedis, INDEX, count);
        }
        return catalog;
    }

    /** The 200-document catalogue most tests use. */
    static ProductCatalog seed(RedisStackServer redis, StorageType storage) {
        return seed(redis, storage, VectorAlgorithm.FLAT, 200);
    }

    StorageType storage() {
        return storage;
    }

    List<Product> products() {
        return products;
    }

    Product product(int i) {
        return products.get(i);
    }

    long count(Predicate<Product> filter) {
        return products.stream().filter(filter).count();
    }

    /** The arguments of {@code FT.CREATE} for the source index. */
    List<String> createArguments(VectorAlgorithm algorithm, String... extraField) {
        List<String> args = new ArrayList<>(List.of(INDEX, "ON", storage.name(), "PREFIX", "1", PREFIX, "SCHEMA"));
        args.addAll(field("title", "TEXT"));
        args.addAll(field("category", "TAG"));
        args.addAll(field("price", "NUMERIC"));
        args.addAll(field("location", "GEO"));
        args.addAll(field("embedding", "VECTOR", algorithm.name(), "6", "TYPE", "FLOAT32", "DIM",
                Integer.toString(DIM), "DISTANCE_METRIC", "COSINE"));
        if (extraField.length > 0) {
            args.addAll(field(extraField[0], Arrays.copyOfRange(extraField, 1, extraField.length)));
        }
        return args;
    }

    /** One field of {@code FT.CREATE}: {@code name TYPE ...} for hashes, {@code $.name AS name TYPE ...} for JSON. */
    List<String> field(String name, String... typeAndOptions) {
        List<String> args = new ArrayList<>();
        if (storage == StorageType.JSON) {
            args.addAll(List.of("$." + name, "AS", name));
        } else {
            args.add(name);
        }
        args.addAll(List.of(typeAndOptions));
        return args;
    }

    private static List<Product> generate(int count) {
        Random random = new Random(20240917L);
        List<Product> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String title = pick(random, ADJECTIVES) + " " + pick(random, NOUNS);
            float[] embedding = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                embedding[d] = Math.round((random.nextDouble() * 2 - 1) * 10_000) / 10_000f;
            }
            double price = Math.round(random.nextDouble() * 50_000) / 100.0;
            String location = coordinates(-10 + random.nextDouble() * 40, 35 + random.nextDouble() * 25);
            list.add(new Product(PREFIX + i, title, pick(random, CATEGORIES), price, location, embedding,
                    pick(random, BRANDS), pick(random, COLORS), 1 + random.nextInt(5), pick(random, WAREHOUSES)));
        }
        return list;
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    static String coordinates(double lon, double lat) {
        return String.format(Locale.ROOT, "%.4f,%.4f", lon, lat);
    }

    private void write(Jedis jedis) {
        Pipeline pipeline = jedis.pipelined();
        int pending = 0;
        for (Product p : products) {
            if (storage == StorageType.HASH) {
                pipeline.hset(SafeEncoder.encode(p.key()), hash(p));
            } else {
                pipeline.sendCommand(RedisStackServer.command("JSON.SET"), p.key(), "$", json(p));
            }
            if (++pending == 1000) {
                pipeline.sync();
                pending = 0;
            }
        }
        pipeline.sync();
    }

    private static Map<byte[], byte[]> hash(Product p) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        put(fields, "title", p.title());
        put(fields, "category", p.category());
        put(fields, "price", number(p.price()));
        put(fields, "location", p.location());
        fields.put(SafeEncoder.encode("embedding"), float32(p.embedding()));
        put(fields, "brand", p.brand());
        put(fields, "color", p.color());
        put(fields, "rating", Integer.toString(p.rating()));
        put(fields, "warehouse", p.warehouse().geo());
        return fields;
    }

    private static void put(Map<byte[], byte[]> fields, String name, String value) {
        fields.put(SafeEncoder.encode(name), SafeEncoder.encode(value));
    }

    private static String json(Product p) {
        StringBuilder vector = new StringBuilder("[");
        for (int d = 0; d < p.embedding().length; d++) {
            vector.append(d == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", p.embedding()[d]));
        }
        vector.append(']');
        return "{\"title\":\"" + p.title() + "\",\"category\":\"" + p.category() + "\",\"price\":"
                + number(p.price()) + ",\"location\":\"" + p.location() + "\",\"embedding\":" + vector
                + ",\"brand\":\"" + p.brand() + "\",\"color\":\"" + p.color() + "\",\"rating\":" + p.rating()
                + ",\"warehouse\":\"" + p.warehouse().geo() + "\"}";
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** Little-endian FLOAT32 bytes, the way hashes store vectors and KNN queries pass them. */
    static byte[] float32(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    /** Little-endian FLOAT16 bytes of the vector, each element rounded to the nearest half. */
    static byte[] float16(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            buffer.putShort(HalfPrecision.toHalf(v));
        }
        return buffer.array();
    }
}
