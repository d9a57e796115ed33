package dev.slipway.bench.zerodowntime;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.SafeEncoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ProductCorpusTest {
    private final ProductCorpus corpus = new ProductCorpus(42, 1_000);

    private static Map<String, byte[]> byName(Map<byte[], byte[]> hash) {
        return hash.entrySet().stream().collect(Collectors.toMap(e -> SafeEncoder.encode(e.getKey()),
                Map.Entry::getValue));
    }

    @Test
    void documentsAreDeterministicAndCarryEveryField() {
        Map<String, byte[]> doc = byName(corpus.document(17));
        assertThat(doc).containsOnlyKeys("id", "title", "category", "price", "stock", "embedding");
        assertThat(SafeEncoder.encode(doc.get("id"))).isEqualTo("17");
        assertThat(SafeEncoder.encode(doc.get("category"))).isEqualTo("c" + corpus.category(17));
        assertThat(SafeEncoder.encode(doc.get("price"))).isEqualTo(corpus.price(17, 0)).matches("\\d+\\.\\d\\d");
        assertThat(byName(new ProductCorpus(42, 5).document(17)).get("title")).isEqualTo(doc.get("title"));
        assertThat(byName(new ProductCorpus(43, 1_000).document(17)).get("embedding"))
                .isNotEqualTo(doc.get("embedding"));
    }

    @Test
    void embeddingIsEightLittleEndianFloatsInRange() {
        byte[] raw = byName(corpus.document(3)).get("embedding");
        assertThat(raw).hasSize(ProductCorpus.DIMENSIONS * Float.BYTES);
        ByteBuffer buffer = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < ProductCorpus.DIMENSIONS; d++) {
            assertThat(buffer.getFloat()).isBetween(-1f, 1f);
        }
    }

    @Test
    void updatesChangeThePriceButNeverTheCategory() {
        Set<String> prices = new HashSet<>();
        for (long revision = 0; revision < 20; revision++) {
            prices.add(corpus.price(5, revision));
        }
        assertThat(prices).hasSizeGreaterThan(15);
        assertThat(corpus.update(5, 3)).containsOnlyKeys("price", "stock").containsEntry("price", corpus.price(5, 3));
        Set<Integer> categories = new HashSet<>();
        for (long id = 0; id < 1_000; id++) {
            categories.add(corpus.category(id));
        }
        assertThat(categories).hasSize(ProductCorpus.CATEGORIES);
    }
}
