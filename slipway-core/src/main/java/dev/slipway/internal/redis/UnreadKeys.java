package dev.slipway.internal.redis;

import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.schema.FtInfoReader;
import dev.slipway.internal.schema.IndexInfo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Keys under an index's prefixes that it neither holds nor counts as indexing failures: it never read them, as an
 * index created {@code SKIPINITIALSCAN} does with the keys that existed then. {@code FT.INFO} does not report that
 * option, and a new version built from it reads every key, so it serves documents the application had kept out
 * (tester session 40 R29 F2: 1 document served before a migration, 501 after, with no word in the plan).
 *
 * <p>The server counts a failure for every write it cannot index and never counts one down, so an index that read
 * every key has at least as many failures as keys it does not hold; more keys than that, even among a part of the
 * keyspace, were never read. Only the first {@value #PAGES} SCAN pages are looked at, so that planning stays quick
 * on a large keyspace: the figure is a lower bound.
 */
public final class UnreadKeys {
    /** SCAN pages (of about 1,000 keys each) looked at. */
    static final int PAGES = 10;

    private UnreadKeys() {
    }

    /**
     * At least how many keys under the index's prefixes it never read; empty when none was found, or the index has a
     * FILTER (then the keys it does not hold are the ones the FILTER leaves out).
     */
    public static OptionalLong atLeast(RedisSession session, IndexSchema schema) {
        if (schema.filter().isPresent()) {
            return OptionalLong.empty();
        }
        String index = schema.name();
        long notHeld = 0;
        byte[] type = schema.storageType().keyType().getBytes(StandardCharsets.UTF_8);
        for (String pattern : GlobPattern.underPrefixes(schema.prefixes())) {
            byte[] cursor = {'0'};
            int pages = 0;
            do {
                List<Object> reply = RedisReplies.list(session.jedis().sendCommand(RedisSession.command("SCAN"),
                        cursor, bytes("MATCH"), bytes(pattern), bytes("COUNT"), bytes("1000"), bytes("TYPE"), type));
                cursor = (byte[]) reply.get(0);
                List<byte[]> keys = new ArrayList<>();
                RedisReplies.list(reply.get(1)).forEach(key -> keys.add((byte[]) key));
                // keys with a NUL byte are left out: INKEYS cannot name them
                List<byte[]> plain = IndexedKeys.plain(keys, new ArrayList<>());
                Set<ByteBuffer> held = IndexedKeys.held(session.jedis(), index, plain);
                // a key that expired (or was deleted) since SCAN has left the index and counts no failure: it was taken
                // for one never read (tester session 41 R31 F4: a false warning under keys with a TTL of milliseconds)
                notHeld += IndexedKeys.existing(session.jedis(), plain.stream()
                        .filter(k -> !held.contains(ByteBuffer.wrap(k))).toList());
            } while (!(cursor.length == 1 && cursor[0] == '0') && ++pages < PAGES);
        }
        // read after the scan: a key that failed meanwhile is counted among the failures too
        IndexInfo after = FtInfoReader.read(index, session.call("FT.INFO", index));
        long unread = notHeld - after.stats().indexingFailures();
        return unread > 0 ? OptionalLong.of(unread) : OptionalLong.empty();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
