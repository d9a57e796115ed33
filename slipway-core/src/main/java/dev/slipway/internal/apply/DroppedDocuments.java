package dev.slipway.internal.apply;

import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.io.KeyText;
import dev.slipway.internal.redis.IndexedKeys;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.IndexInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

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
    /** Keys per SCAN page: one look-up each. */
    static final int PAGE = IndexedKeys.PAGE;
    /** How many keys a result names. */
    static final int EXAMPLES = 20;
    private static final Logger LOG = LoggerFactory.getLogger(DroppedDocuments.class);

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

    /**
     * Looks every key up in both indexes, to tell whether {@code other} and {@code served}, over the same documents,
     * differ in their counts only through keys that no longer exist: not one document {@code served} holds is missing
     * from {@code other}. A key
     * that expires (or is deleted) while an index scans it can stay counted there, as a failure ("does not exist") or
     * for a while as a document, in a new version and in a copy built beside it alike; with keys expiring steadily
     * (TTL caches) no count of the keys settles between two reads of the indexes ({@link KeyCoverage}), so the counts
     * cannot tell (tester session 29 R7 M1). For use only where the counts could not be settled.
     *
     * @return the documents {@code served} holds that {@code other} misses (none: the counts differ only through keys
     *         that vanished) and how many keys that exist {@code other} fails on (the keys it does not hold that still
     *         exist); empty when the two do not cover the same documents
     */
    static Optional<KeyByKey> lookUpEveryKey(RedisSession session, IndexInfo served, IndexInfo other) {
        if (!sameDocuments(served.schema(), other.schema())) {
            return Optional.empty();
        }
        String servedName = served.schema().name();
        String otherName = other.schema().name();
        LOG.info("'{}' counts {} (indexed + failed), '{}' {}, and the keys cannot be counted while they change; "
                + "looking every key up in both", otherName, other.stats().documents(), servedName,
                served.stats().documents());
        List<byte[]> missing = notHeld(session, other.schema(), servedName, otherName);
        Found dropped = heldAmong(session, servedName, missing);
        return Optional.of(new KeyByKey(dropped, existing(session, missing)));
    }

    /**
     * How many keys under the index's prefixes that exist it does not hold (its failures of existing keys), by
     * looking every key up in it: for one index whose keys change too fast to be counted ({@link KeyCoverage}), with
     * no other index to compare with (a drop-recreate under steadily expiring keys). Empty when keys with a NUL byte
     * could not all be looked up.
     */
    static java.util.OptionalLong failuresOfExistingKeys(RedisSession session, IndexSchema schema) {
        List<byte[]> missing = new ArrayList<>();
        if (!forEachNotHeld(session, schema, schema.name(), missing::add)) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(existing(session, missing));
    }

    /**
     * Passes each key under the index's prefixes that exists and that it does not hold, among those {@code among}
     * keeps (the documents a FILTER admits, {@link dev.slipway.internal.rewrite.FilterScope#admittedAmong}): asked a
     * page of {@value #PAGE} keys not held at a time, so memory stays bounded however many keys the FILTER leaves
     * out. False when keys with a NUL byte could not all be looked up.
     */
    static boolean forEachAdmittedNotHeld(RedisSession session, IndexSchema schema,
                                          Function<List<byte[]>, Set<ByteBuffer>> among, Consumer<byte[]> found) {
        List<byte[]> page = new ArrayList<>();
        Runnable flush = () -> {
            Set<ByteBuffer> kept = among.apply(page);
            IndexedKeys.existingAmong(session.jedis(), page.stream().filter(k -> kept.contains(ByteBuffer.wrap(k)))
                    .toList()).forEach(found);
            page.clear();
        };
        boolean every = forEachNotHeld(session, schema, schema.name(), key -> {
            page.add(key);
            if (page.size() >= PAGE) {
                flush.run();
            }
        });
        if (!page.isEmpty()) {
            flush.run();
        }
        return every;
    }

    /**
     * How many keys that exist the index does not hold among those of the first {@code pages} SCAN pages under its
     * prefixes: a lower bound of its failures of existing keys, for a quick look ({@link UnreadKeys}).
     */
    static long existingNotHeldInFirstPages(RedisSession session, IndexSchema schema, int pages) {
        List<byte[]> missing = new ArrayList<>();
        int[] read = {0};
        forEachNotHeld(session, schema, schema.name(), missing::add, () -> read[0]++ >= pages);
        return existing(session, missing);
    }

    /** How many of the keys exist: those gone since failed nowhere. */
    private static long existing(RedisSession session, List<byte[]> keys) {
        return IndexedKeys.existing(session.jedis(), keys);
    }

    /**
     * What looking every key up in two indexes found.
     *
     * @param dropped              documents the served index holds and the other misses
     * @param failuresOfExistingKeys keys that exist and that the other index does not hold
     */
    record KeyByKey(Found dropped, long failuresOfExistingKeys) {
        /** Whether the other index holds every document the served one does. */
        boolean dropsNothing() {
            return dropped.count() == 0;
        }
    }

    /** Looks every key under the prefixes of {@code schema} up in both indexes (or aliases). */
    static Found find(RedisSession session, IndexSchema schema, String live, String shadow) {
        return heldAmong(session, live, notHeld(session, schema, live, shadow));
    }

    /** The keys among {@code keys} that {@code live} holds: documents the other index drops. */
    private static Found heldAmong(RedisSession session, String live, List<byte[]> keys) {
        Tally dropped = new Tally(EXAMPLES);
        Set<ByteBuffer> served = IndexedKeys.held(session.jedis(), live, keys);
        keys.stream().filter(key -> served.contains(ByteBuffer.wrap(key))).forEach(dropped::add);
        return dropped.found();
    }

    /** The keys under the prefixes that {@code shadow} does not hold (as many as it fails on, at most). */
    private static List<byte[]> notHeld(RedisSession session, IndexSchema schema, String live, String shadow) {
        List<byte[]> missing = new ArrayList<>();
        if (!forEachNotHeld(session, schema, shadow, missing::add)) {
            LOG.warn("Keys under the prefixes of '{}' contain a NUL byte, which FT.SEARCH INKEYS cannot name, and the "
                    + "index is too large to list (MAXSEARCHRESULTS): whether '{}' drops any of them was not checked",
                    live, shadow);
        }
        return missing;
    }

    /** Counts keys and names the first few, for a {@link Found}. */
    static final class Tally {
        private final int limit;
        private final List<String> examples = new ArrayList<>();
        private long count;

        Tally(int limit) {
            this.limit = limit;
        }

        void add(byte[] key) {
            count++;
            if (examples.size() < limit) {
                examples.add(KeyText.shown(key));
            }
        }

        Found found() {
            return new Found(count, examples);
        }
    }

    /**
     * Passes every key of the schema's type under its prefixes that the index does not hold. Keys with a NUL byte,
     * which FT.SEARCH INKEYS cannot name (the server cuts the argument at the NUL, so such a key is never found:
     * checked on Search 2.10.5; tester session 28 saw 100 dropped documents with such keys pass verification), are
     * looked up at the end by listing the index once.
     *
     * @return false when some such keys were not checked: the server stops the listing short (MAXSEARCHRESULTS)
     */
    static boolean forEachNotHeld(RedisSession session, IndexSchema schema, String index, Consumer<byte[]> notHeld) {
        return forEachNotHeld(session, schema, index, notHeld, () -> false);
    }

    /**
     * As above, stopping before the next page of keys once {@code enough} says so (then returns false: not every key
     * was checked).
     */
    static boolean forEachNotHeld(RedisSession session, IndexSchema schema, String index, Consumer<byte[]> notHeld,
                                  BooleanSupplier enough) {
        Jedis jedis = session.jedis();
        List<byte[]> withNul = new ArrayList<>();
        if (!forEachPage(session, schema, keys -> notIndexed(jedis, index, IndexedKeys.plain(keys, withNul)).forEach(notHeld),
                enough)) {
            return false;
        }
        if (withNul.isEmpty()) {
            return true;
        }
        Optional<Set<ByteBuffer>> listed = IndexedKeys.byListing(jedis, index, IndexedKeys.buffers(withNul));
        listed.ifPresent(held -> withNul.stream().filter(k -> !held.contains(ByteBuffer.wrap(k))).forEach(notHeld));
        return listed.isPresent();
    }

    /**
     * Passes every page of keys of the schema's type under its prefixes ({@code SCAN}, binary-safe); false when
     * {@code enough} stopped it first.
     */
    private static boolean forEachPage(RedisSession session, IndexSchema schema, Consumer<List<byte[]>> perPage,
                                       BooleanSupplier enough) {
        Jedis jedis = session.jedis();
        byte[] type = text(schema.storageType().keyType());
        for (String pattern : KeyCoverage.scanPatterns(schema)) {
            byte[] cursor = text("0");
            do {
                if (enough.getAsBoolean()) {
                    return false;
                }
                List<Object> reply = RedisReplies.list(jedis.sendCommand(RedisSession.command("SCAN"), cursor,
                        text("MATCH"), text(pattern), text("COUNT"), text(String.valueOf(PAGE)), text("TYPE"), type));
                cursor = (byte[]) reply.get(0);
                perPage.accept(RedisReplies.list(reply.get(1)).stream().map(k -> (byte[]) k).toList());
            } while (!(cursor.length == 1 && cursor[0] == '0'));
        }
        return true;
    }

    /** Which of {@code keys} the index does not hold (keys INKEYS can name). */
    private static List<byte[]> notIndexed(Jedis jedis, String index, List<byte[]> keys) {
        Set<ByteBuffer> held = IndexedKeys.heldPlain(jedis, index, keys);
        return keys.stream().filter(k -> !held.contains(ByteBuffer.wrap(k))).toList();
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
