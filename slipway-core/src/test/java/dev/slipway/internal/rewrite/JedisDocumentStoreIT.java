package dev.slipway.internal.rewrite;

import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store reuses one pipeline per connection, whose replies must stay with their batch, and one buffer for computed
 * arguments, which must reach Redis intact before the next command overwrites it.
 */
@ExtendWith(RedisStackExtension.class)
class JedisDocumentStoreIT {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A document's commands between MULTI and EXEC get their own replies in place, between plain commands of other
     * documents; a transaction the server refuses when queueing gives that error to every command in it, and none
     * of them ran.
     */
    @Test
    void transactionsGetEachCommandsOwnReplyInPlace(RedisStackServer redis) {
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            jedis.set("tx-it:text", "not a hash");
        }
        try (JedisDocumentStore store = JedisDocumentStore.open(RedisEndpoint.parse(redis.url()))) {
            byte[] key = b("tx-it:1");
            List<Command> commands = List.of(
                    DocumentRewriter.command("HSET", b("tx-it:0"), b("v"), b("x")),
                    Command.multi(key),
                    DocumentRewriter.command("HSET", key, b("v"), b("y")),
                    DocumentRewriter.command("HPEXPIREAT", key, b("4102444800000"), b("FIELDS"), b("1"), b("v")),
                    Command.exec(key),
                    Command.multi(b("tx-it:text")),
                    DocumentRewriter.command("HSET", b("tx-it:text"), b("v"), b("z")),
                    DocumentRewriter.command("NOSUCHCOMMAND", b("tx-it:text")),
                    Command.exec(b("tx-it:text")),
                    DocumentRewriter.command("HSET", b("tx-it:2"), b("v"), b("w")));

            List<Object> replies = store.execute(commands);

            assertThat(replies).hasSize(commands.size());
            assertThat(replies.get(0)).isEqualTo(1L);
            assertThat(replies.get(2)).isEqualTo(1L);
            assertThat(replies.get(3)).isEqualTo(List.of(1L));
            assertThat(replies.get(4)).isEqualTo("OK");
            assertThat(replies.get(6)).as("queued, then discarded with the transaction").isInstanceOf(Exception.class);
            assertThat(((Exception) replies.get(6)).getMessage()).contains("EXECABORT");
            assertThat(((Exception) replies.get(7)).getMessage()).containsIgnoringCase("unknown command");
            assertThat(replies.get(8)).isInstanceOf(Exception.class);
            assertThat(replies.get(9)).isEqualTo(1L);
        }
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            assertThat(jedis.get("tx-it:text")).as("nothing of the refused transaction ran").isEqualTo("not a hash");
            assertThat(jedis.hget("tx-it:1", "v")).isEqualTo("y");
            assertThat(jedis.sendCommand(RedisStackServer.command("HPEXPIRETIME"), "tx-it:1", "FIELDS", "1", "v"))
                    .isEqualTo(List.of(4102444800000L));
        }
    }

    @Test
    void successiveBatchesOnOneConnectionGetTheirOwnRepliesEvenAfterAnErrorReply(RedisStackServer redis) {
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            jedis.set("store-it:text", "not a hash");
        }
        try (JedisDocumentStore store = JedisDocumentStore.open(RedisEndpoint.parse(redis.url()))) {
            List<Command> first = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                first.add(DocumentRewriter.command("HSET", b("store-it:" + i), b("v"), b("one-" + i)));
            }
            assertThat(store.execute(first)).hasSize(300).allMatch(reply -> reply.equals(1L));

            List<Command> second = List.of(
                    DocumentRewriter.command("HSET", b("store-it:0"), b("v"), b("two-0")),
                    DocumentRewriter.command("HSET", b("store-it:text"), b("v"), b("x")),
                    DocumentRewriter.command("HSET", b("store-it:1"), b("w"), b("two-1")));
            List<Object> replies = store.execute(second);
            assertThat(replies.get(0)).isEqualTo(0L);
            assertThat(replies.get(1)).isInstanceOf(Exception.class);
            assertThat(((Exception) replies.get(1)).getMessage()).contains("WRONGTYPE");
            assertThat(replies.get(2)).isEqualTo(1L);

            List<byte[][]> values = store.readHashFields(List.of(b("store-it:0"), b("store-it:1"), b("store-it:299"),
                    b("store-it:missing")), List.of("v", "w"));
            assertThat(values).hasSize(4);
            assertThat(values.get(0)).isDeepEqualTo(new byte[][]{b("two-0"), null});
            assertThat(values.get(1)).isDeepEqualTo(new byte[][]{b("one-1"), b("two-1")});
            assertThat(values.get(2)).isDeepEqualTo(new byte[][]{b("one-299"), null});
            assertThat(values.get(3)).isDeepEqualTo(new byte[][]{null, null});
        }
    }

    @Test
    void everyComputedArgumentArrivesAsItsOwnValueThoughTheBufferIsReused(RedisStackServer redis) {
        // lengths below and above Jedis' 8 KiB output buffer, changing from command to command and repeating, so the
        // buffer is both reused and replaced; a value overwritten before it was sent would show up in another key
        int[] lengths = {1536, 1536, 20_000, 7, 1536, 9000, 9000, 1};
        List<Command> commands = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            commands.add(new Command("HSET", List.of(b("computed-it:" + i), b("v")),
                    new Pattern(i, lengths[i % lengths.length])));
        }
        try (JedisDocumentStore store = JedisDocumentStore.open(RedisEndpoint.parse(redis.url()))) {
            assertThat(store.execute(commands)).hasSize(400).allMatch(reply -> reply.equals(1L));
        }
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            for (int i = 0; i < 400; i++) {
                Pattern expected = new Pattern(i, lengths[i % lengths.length]);
                assertThat(jedis.hget(b("computed-it:" + i), b("v"))).as("value of key %d", i)
                        .isEqualTo(commands.get(i).allArgs().get(2))
                        .isEqualTo(expected.bytes());
            }
        }
    }

    /** A value of the given length whose every byte depends on the seed, written into whatever buffer it is given. */
    private record Pattern(int seed, int length) implements DocumentStore.ComputedArgument {
        @Override
        public void writeInto(byte[] target) {
            for (int i = 0; i < length; i++) {
                target[i] = (byte) (seed * 31 + i * 7);
            }
        }

        byte[] bytes() {
            byte[] value = new byte[length];
            writeInto(value);
            return value;
        }
    }
}
