package dev.slipway.zerodowntime;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

import static dev.slipway.testing.RedisStackServer.command;

/**
 * The served name {@code products} over small documents under {@code product:}, stored as hashes or JSON. The
 * plain index covers title (text) and category (tag); every document also holds price, stock and brand, so that
 * index-only patches have data to index. Documents are written with pipelining, so 100k take about a second.
 */
final class Catalog {
    static final String NAME = "products";
    static final String PREFIX = "product:";
    /** The value written as price of documents chosen to break a NUMERIC price field. */
    static final String NOT_A_NUMBER = "n/a";

    private Catalog() {
    }

    /** Writes {@code count} documents ({@code product:0} ...). */
    static void writeDocuments(RedisStackServer redis, StorageType storage, int count) {
        writeDocuments(redis, storage, count, i -> false);
    }

    /** Writes documents; those for which {@code badPrice} holds get the text {@value #NOT_A_NUMBER} as price. */
    static void writeDocuments(RedisStackServer redis, StorageType storage, int count, IntPredicate badPrice) {
        try (Jedis jedis = redis.newJedis()) {
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < count; i++) {
                String price = badPrice.test(i) ? NOT_A_NUMBER : Integer.toString(i % 1000);
                if (storage == StorageType.HASH) {
                    pipeline.hset(PREFIX + i, Map.of("title", "thing " + i, "category", "c" + (i % 7),
                            "price", price, "stock", Integer.toString(i % 50), "brand", "b" + (i % 13)));
                } else {
                    String priceJson = badPrice.test(i) ? "\"" + price + "\"" : price;
                    pipeline.sendCommand(command("JSON.SET"), PREFIX + i, "$", "{\"title\":\"thing " + i
                            + "\",\"category\":\"c" + (i % 7) + "\",\"price\":" + priceJson + ",\"stock\":"
                            + (i % 50) + ",\"brand\":\"b" + (i % 13) + "\"}");
                }
                if (i % 5000 == 4999) {
                    pipeline.sync();
                }
            }
            pipeline.sync();
        }
    }

    /** The FT.CREATE arguments (after the index name) of the plain index. */
    static List<String> createArguments(StorageType storage) {
        List<String> args = new ArrayList<>(List.of("ON", storage.name(), "PREFIX", "1", PREFIX, "SCHEMA"));
        if (storage == StorageType.HASH) {
            args.addAll(List.of("title", "TEXT", "category", "TAG"));
        } else {
            args.addAll(List.of("$.title", "AS", "title", "TEXT", "$.category", "AS", "category", "TAG"));
        }
        return args;
    }

    /** Creates an index with the plain schema under {@code indexName} and waits until it has indexed everything. */
    static void createIndex(RedisStackServer redis, StorageType storage, String indexName) {
        try (Jedis jedis = redis.newJedis()) {
            List<String> args = new ArrayList<>();
            args.add(indexName);
            args.addAll(createArguments(storage));
            jedis.sendCommand(command("FT.CREATE"), args.toArray(String[]::new));
            Inspect.awaitIndexed(jedis, indexName);
        }
    }

    /** Documents plus the plain index {@code products}. */
    static void seedPlainIndex(RedisStackServer redis, StorageType storage, int count) {
        writeDocuments(redis, storage, count);
        createIndex(redis, storage, NAME);
    }

    /** Adds {@code price} as NUMERIC. */
    static SchemaPatch addPrice() {
        return add(FieldSchema.of("price", FieldType.NUMERIC));
    }

    /** Makes {@code price} sortable (needs {@link #addPrice()} first). */
    static SchemaPatch sortablePrice() {
        return new SchemaPatch(List.of(), List.of(), List.of(new SchemaPatch.FieldUpdate("price", Optional.empty(),
                Optional.empty(), Map.of("sortable", true))), List.of(), SchemaPatch.IndexChanges.NONE);
    }

    /** Adds {@code brand} as TAG. */
    static SchemaPatch addBrand() {
        return add(FieldSchema.of("brand", FieldType.TAG));
    }

    /** Adds {@code stock} as NUMERIC. */
    static SchemaPatch addStock() {
        return add(FieldSchema.of("stock", FieldType.NUMERIC));
    }

    private static SchemaPatch add(FieldSchema field) {
        return new SchemaPatch(List.of(field), List.of(), List.of(), List.of(), SchemaPatch.IndexChanges.NONE);
    }
}
