package dev.slipway.internal.apply;

import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import redis.clients.jedis.Jedis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The documents a live index serves that a new version of it fails to index. The counts that verification compares
 * do not show them when the change also fixes at least as many documents the live index failed on (tester session
 * 27, F6: removing a NUMERIC field the live index failed on for 100 documents and adding one that 50 others fail on
 * switched, and those 50 vanished from every query). So when the new version fails on some existing documents, each
 * page of keys under the prefixes is looked up in both indexes ({@code FT.SEARCH ... INKEYS}), and a key the live one
 * holds and the new one does not is such a document.
 *
 * <p>Only for two indexes that cover the same documents (key type, prefixes and FILTER); a document written while
 * the pages are read can look dropped for a moment, so the caller retries.
 */
final class DroppedDocuments {
    /** Keys per SCAN page and per look-up: small enough that a look-up stays far from the search timeout. */
    private static final int PAGE = 500;
    /** How many keys a result names. */
    static final int EXAMPLES = 20;

    /**
     * What the look-up found.
     *
     * @param count    documents the live index holds and the new version does not
     * @param examples the first {@value #EXAMPLES} of their keys
     */
    record Found(long count, List<String> examples) {
        Found {
            examples = List.copyOf(examples);
        }
    }

    private DroppedDocuments() {
    }

    /** Whether two indexes cover the same documents: the same key type, prefixes and FILTER. */
    static boolean sameDocuments(IndexSchema live, IndexSchema shadow) {
        return live.storageType() == shadow.storageType() && live.prefixes().equals(shadow.prefixes())
                && live.filter().equals(shadow.filter());
    }

    /** Looks every key under the prefixes of {@code schema} up in both indexes (or aliases). */
    static Found find(RedisSession session, IndexSchema schema, String live, String shadow) {
        Jedis jedis = session.jedis();
        long[] count = {0};
        List<String> examples = new ArrayList<>();
        forEachPage(session, schema, keys -> {
            for (ByteBuffer key : indexed(jedis, live, notIndexed(jedis, shadow, keys))) {
                count[0]++;
                if (examples.size() < EXAMPLES) {
                    examples.add(StandardCharsets.UTF_8.decode(key.duplicate()).toString());
                }
            }
        });
        return new Found(count[0], examples);
    }

    /** Passes every page of keys of the schema's type under its prefixes ({@code SCAN}, binary-safe). */
    static void forEachPage(RedisSession session, IndexSchema schema, Consumer<List<byte[]>> perPage) {
        Jedis jedis = session.jedis();
        byte[] type = text(schema.storageType().keyType());
        for (String pattern : KeyCoverage.scanPatterns(schema)) {
            byte[] cursor = text("0");
            do {
                List<Object> reply = RedisReplies.list(jedis.sendCommand(RedisSession.command("SCAN"), cursor,
                        text("MATCH"), text(pattern), text("COUNT"), text(String.valueOf(PAGE)), text("TYPE"), type));
                cursor = (byte[]) reply.get(0);
                perPage.accept(RedisReplies.list(reply.get(1)).stream().map(k -> (byte[]) k).toList());
            } while (!(cursor.length == 1 && cursor[0] == '0'));
        }
    }

    /** Which of {@code keys} the index does not hold. */
    static List<byte[]> notIndexed(Jedis jedis, String index, List<byte[]> keys) {
        Set<ByteBuffer> held = indexed(jedis, index, keys);
        return keys.stream().filter(k -> !held.contains(ByteBuffer.wrap(k))).toList();
    }

    /** Which of {@code keys} the index holds. */
    private static Set<ByteBuffer> indexed(Jedis jedis, String index, List<byte[]> keys) {
        Set<ByteBuffer> found = new HashSet<>();
        if (keys.isEmpty()) {
            return found;
        }
        List<byte[]> args = new ArrayList<>(keys.size() + 9);
        args.add(text(index));
        args.add(text("*"));
        args.add(text("NOCONTENT"));
        args.add(text("INKEYS"));
        args.add(text(String.valueOf(keys.size())));
        args.addAll(keys);
        args.add(text("LIMIT"));
        args.add(text("0"));
        args.add(text(String.valueOf(keys.size())));
        List<Object> reply = RedisReplies.list(jedis.sendCommand(RedisSession.command("FT.SEARCH"),
                args.toArray(byte[][]::new)));
        for (Object key : reply.subList(1, reply.size())) {
            found.add(ByteBuffer.wrap((byte[]) key));
        }
        return found;
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
