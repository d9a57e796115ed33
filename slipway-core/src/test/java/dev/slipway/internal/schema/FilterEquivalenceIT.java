package dev.slipway.internal.schema;

import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every pair of FILTER texts that {@link FilterExpressions#sameExpression} calls the same is read the same by the
 * server: both are refused by FT.CREATE, or both index the same documents. Pairs from tester rounds R38/R39 (sessions
 * 44 and 45) and more around signs, numbers and spacing. A pair called different is not checked (planning a rebuild
 * for an equivalent text costs time, never a document), but enough pairs must be called the same for the test to say
 * something.
 */
@ExtendWith(RedisStackExtension.class)
class FilterEquivalenceIT {
    private static final List<List<String>> PAIRS = List.of(
            List.of("@price>-1", "@price > -1"),
            List.of("@price>=-5", "@price >= -5"),
            List.of("@price > 5e-1", "@price > 5e -1"),
            List.of("@price > 5e-1", "@price>5e-1"),
            List.of("@price - 1 > 5", "@price -1 > 5"),
            List.of("@price - 1 > 5", "@price-1>5"),
            List.of("@price > 0 - 2", "@price > 0 -2"),
            List.of("@price > 5", "@price\u2003>\u20035"),
            List.of("@price >= 997", "@price > = 997"),
            List.of("@price <= 3", "@price < = 3"),
            List.of("@kind=='a'", "@kind==\"a\""),
            List.of("@kind == 'a'", "@kind=='a'"),
            List.of("@price > 1e2", "@price > 1e 2"),
            List.of("@price > 1.5e+2", "@price > 1.5e +2"),
            List.of("@price > 1.5e+2", "@price>1.5e+2"),
            List.of("@price == 3-2", "@price == 3 -2"),
            List.of("@price == 3 - 2", "@price == 3 -2"),
            List.of("@price == 3 - 2", "@price==3 - 2"),
            List.of("@price > -1", "@price > - 1"),
            List.of("exists(@price)", "exists (@price)"),
            List.of("exists(@price)", "exists( @price )"),
            List.of("startswith(@__key,'product:1')", "startswith (@__key, \"product:1\")"),
            List.of("!(@price > 5)", "! (@price > 5)"),
            List.of("!(@price > 5)", "!( @price>5 )"),
            List.of("@price > 5 || @kind == 'a'", "@price>5||@kind=='a'"),
            List.of("@price > 5 | | @kind == 'a'", "@price > 5 || @kind == 'a'"),
            List.of("@price % 7 == 0", "@price%7==0"),
            List.of("@price ^ 2 > 100", "@price^2>100"),
            List.of("@price > .5", "@price > . 5"),
            List.of("@price > 0.5", "@price > 0 .5"),
            List.of("@price*-1 < -5", "@price * - 1 < - 5"),
            List.of("@price*-1 < -5", "@price * -1 < -5"),
            List.of("@price - -1 > 5", "@price--1 > 5"),
            List.of("@kind=='a'", "@kind=='a' "),
            List.of("@kind == \"a b\"", "@kind=='a b'"),
            List.of("@kind==''", "@kind==\"\""),
            List.of("@price > -2 ^ 2", "@price > - 2 ^ 2"),
            List.of("@price > -2^2", "@price>-2^2"),
            List.of("@price + -3 ^ 2 > 10", "@price + - 3 ^ 2 > 10"),
            List.of("@price + -3 ^ 2 > 10", "@price+-3^2>10"),
            List.of("@price > -1 * 5", "@price>-1*5"),
            List.of("@price > +2 ^ 2", "@price > + 2 ^ 2"),
            List.of("@price > +2", "@price>+2"),
            List.of("@price != 3 && @kind != 'b'", "@price!=3&&@kind!='b'"),
            List.of("@price != 3", "@price ! = 3"),
            List.of("(@price > 3) && (@price < 9)", "( @price>3 )&&( @price<9 )"),
            List.of("@price > 1 && @price < 9", "@price>1\t&&\n@price<9"));

    private final RedisStackServer redis;

    FilterEquivalenceIT(RedisStackServer redis) {
        this.redis = redis;
    }

    @Test
    void pairsCalledTheSameAreReadTheSameByTheServer() {
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < 200; i++) {
                jedis.hset("product:" + i, Map.of("price", Double.toString((i - 20) / 4.0), "kind",
                        List.of("a", "b", "a b", "").get(i % 4)));
            }
            Map<String, Optional<Long>> counts = new HashMap<>();
            List<String> same = new ArrayList<>();
            for (List<String> pair : PAIRS) {
                if (!FilterExpressions.sameExpression(pair.get(0), pair.get(1))) {
                    continue;
                }
                same.add(pair.get(0) + "  ~  " + pair.get(1));
                Optional<Long> first = counts.computeIfAbsent(pair.get(0), f -> indexed(jedis, f, counts.size()));
                Optional<Long> second = counts.computeIfAbsent(pair.get(1), f -> indexed(jedis, f, counts.size()));
                assertThat(second).as("'%s' is called the same as '%s' (documents indexed; empty: refused)",
                        pair.get(1), pair.get(0)).isEqualTo(first);
            }
            assertThat(same).as("pairs called the same").hasSizeGreaterThanOrEqualTo(25);
            assertThat(counts.values()).as("some FILTERs index some but not all documents")
                    .anySatisfy(c -> assertThat(c).hasValueSatisfying(n -> assertThat(n).isBetween(1L, 199L)));
        }
    }

    /** How many documents an index with {@code filter} holds once built; empty when FT.CREATE refuses it. */
    private static Optional<Long> indexed(Jedis jedis, String filter, int number) {
        String index = "f" + number;
        try {
            jedis.sendCommand(command("FT.CREATE"), index, "ON", "HASH", "PREFIX", "1", "product:", "FILTER", filter,
                    "SCHEMA", "price", "NUMERIC", "kind", "TAG");
        } catch (JedisDataException refused) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<?> info = (List<?>) jedis.sendCommand(command("FT.INFO"), index);
            Map<String, String> fields = new HashMap<>();
            for (int i = 0; i + 1 < info.size(); i += 2) {
                Object value = info.get(i + 1);
                fields.put(new String((byte[]) info.get(i)), value instanceof byte[] bytes ? new String(bytes)
                        : String.valueOf(value));
            }
            if ("0".equals(fields.get("indexing"))) {
                return Optional.of(Long.parseLong(fields.get("num_docs")));
            }
            assertThat(System.nanoTime()).as("%s did not finish indexing", index).isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
