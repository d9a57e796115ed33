package dev.slipway.internal.rewrite;

import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The sizes the server reports for the values a rewrite reads, without reading them. */
@ExtendWith(RedisStackExtension.class)
class DocumentSizesIT {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void hashSizesAreTheFieldsLengthsAdded(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            jedis.hset("sizes:1", java.util.Map.of("a", "x".repeat(1000), "b", "yy", "other", "z".repeat(5000)));
            jedis.hset("sizes:2", "b", "12345");
            jedis.set("sizes:string", "not a hash");
        }
        try (JedisDocumentStore store = JedisDocumentStore.open(RedisEndpoint.parse(redis.url()))) {
            long[] sizes = DocumentSizes.of(store, StorageType.HASH, List.of("a", "b"),
                    List.of(b("sizes:1"), b("sizes:2"), b("sizes:missing"), b("sizes:string")));

            assertThat(sizes).containsExactly(1002, 5, 0, 0);
        }
    }

    @Test
    void jsonSizesAreTheValuesMemoryAtLeastTheirText(RedisStackServer redis) {
        String vector = "[" + "0.123456789,".repeat(767) + "0.5]";
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(() -> b("JSON.SET"), "sizes:j1", "$", "{\"text\":\"" + "x".repeat(10000)
                    + "\",\"v\":" + vector + ",\"n\":{\"deep\":\"" + "d".repeat(300) + "\"}}");
            jedis.sendCommand(() -> b("JSON.SET"), "sizes:j2", "$", "{\"other\":1}");
        }
        try (JedisDocumentStore store = JedisDocumentStore.open(RedisEndpoint.parse(redis.url()))) {
            long[] sizes = DocumentSizes.of(store, StorageType.JSON, List.of("$.text", "$.v", "$.n.deep"),
                    List.of(b("sizes:j1"), b("sizes:j2"), b("sizes:none")));
            long text = store.readJson(List.of(b("sizes:j1")), List.of("$.text", "$.v", "$.n.deep")).get(0)
                    .getBytes(StandardCharsets.UTF_8).length;

            assertThat(sizes[0]).isGreaterThanOrEqualTo(text).isLessThan(4 * text);
            assertThat(sizes[1]).isZero();
            assertThat(sizes[2]).isZero();
        }
    }

    @Test
    void aUserWhoMayNotAskIsToldSo(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            jedis.hset("sizes:1", "a", "x");
            jedis.aclSetUser("sizes-nohstrlen", "on", ">pw", "~*", "+@all", "-hstrlen");
        }
        String url = "redis://sizes-nohstrlen:pw@" + redis.host() + ":" + redis.port();
        try (JedisDocumentStore store = JedisDocumentStore.open(RedisEndpoint.parse(url))) {
            DocumentSizes.UnmeasurableException e = catchThrowableOfType(() -> DocumentSizes.of(store,
                    StorageType.HASH, List.of("a"), List.of(b("sizes:1"))), DocumentSizes.UnmeasurableException.class);

            assertThat(e.getMessage()).contains("Redis refused HSTRLEN", "NOPERM");
        } finally {
            try (Jedis jedis = redis.newJedis()) {
                jedis.aclDelUser("sizes-nohstrlen");
            }
        }
    }

    @Test
    void pagesAreCutIntoBatchesThatFit() {
        List<byte[]> keys = List.of(b("a"), b("b"), b("c"), b("d"), b("e"));

        assertThat(DocumentSizes.batches(keys, new long[]{3, 3, 3, 3, 3}, 7)).extracting(List::size)
                .containsExactly(2, 2, 1);
        assertThat(DocumentSizes.batches(keys, new long[]{1, 50, 1, 1, 1}, 7)).extracting(List::size)
                .containsExactly(1, 1, 3); // a document larger than the budget is a batch of its own
        assertThat(DocumentSizes.batches(keys, new long[]{1, 1, 1, 1, 1}, 7)).extracting(List::size)
                .containsExactly(5);
        assertThat(DocumentSizes.batches(List.of(), new long[0], 7)).isEmpty();
    }
}
