package dev.slipway.internal.apply;

import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.redis.GlobPattern;
import dev.slipway.internal.redis.KeysUnder;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.FtInfoReader;
import dev.slipway.internal.schema.IndexInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys under the prefixes of indexes that cover the same documents, counted with {@code SCAN}, and what that
 * says of each index's reported indexing failures.
 *
 * <p>The server counts every failed write and keeps counting it after the key is deleted, expires, or is written
 * again in a form it indexes (checked on Redis 7.4.1: three failed writes of one key count 3, and still 3 once it is
 * deleted). An index that has run for a while can therefore report more failures than it has keys it does not hold,
 * while an index just built reports only its current ones; their "indexed + failed" totals differ although both
 * cover the same keys. Counting the keys tells the failures of keys that still exist: the keys the index does not
 * hold.
 *
 * <p>The scan takes a while on a large keyspace and writes go on meanwhile, so each index is read just before and
 * just after it, and the count is accepted only when it lies, for every index, between the documents indexed and
 * those plus the failures (a key deleted while an index was built can stay counted as a failure). Only indexes
 * without a FILTER qualify: with one, the keys under the prefixes are not the documents it covers.
 */
final class KeyCoverage {
    /** The pause between tries of {@link #measure(RedisSession, IndexSchema, List, int)}. */
    private static final long PAUSE_MILLIS = 100;

    private final long keys;
    private final Map<String, IndexInfo> after;

    private KeyCoverage(long keys, Map<String, IndexInfo> after) {
        this.keys = keys;
        this.after = after;
    }

    /** Whether the keys of an index with this schema can be counted: it has no FILTER. */
    static boolean countable(IndexSchema schema) {
        return schema.filter().isEmpty();
    }

    /**
     * Counts the keys once, bracketed by {@code FT.INFO} of every index; empty when writes moved the count outside
     * some index's bracket (try again).
     *
     * @param schema  the schema whose prefixes and key type are counted; every index must cover the same ones
     * @param indexes the indexes (or aliases) to bracket the count with
     */
    static Optional<KeyCoverage> measure(RedisSession session, IndexSchema schema, List<String> indexes) {
        Map<String, IndexInfo> before = read(session, indexes);
        long keys = KeysUnder.count(session, schema.prefixes(), schema.storageType().keyType());
        Map<String, IndexInfo> after = read(session, indexes);
        for (String index : indexes) {
            IndexInfo first = before.get(index);
            IndexInfo last = after.get(index);
            long fewest = Math.min(first.stats().numDocs(), last.stats().numDocs());
            long most = Math.max(first.stats().documents(), last.stats().documents());
            if (keys < fewest || keys > most) {
                return Optional.empty();
            }
        }
        return Optional.of(new KeyCoverage(keys, after));
    }

    /**
     * {@link #measure} tried up to {@code attempts} times, {@value #PAUSE_MILLIS} ms apart, while writes keep moving
     * the count out of a bracket; empty when every try did.
     */
    static Optional<KeyCoverage> measure(RedisSession session, IndexSchema schema, List<String> indexes,
                                         int attempts) {
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (attempt > 0) {
                pause();
            }
            Optional<KeyCoverage> coverage = measure(session, schema, indexes);
            if (coverage.isPresent()) {
                return coverage;
            }
        }
        return Optional.empty();
    }

    /** Waits {@value #PAUSE_MILLIS} ms before a count is tried again. */
    static void pause() {
        try {
            Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The keys under the prefixes. */
    long keys() {
        return keys;
    }

    /** The index as read just after the count. */
    IndexInfo info(String index) {
        return after.get(index);
    }

    /** The failures of keys that still exist: the keys the index does not hold. */
    long failuresOfExistingKeys(String index) {
        return Math.max(0, keys - after.get(index).stats().numDocs());
    }

    /** {@code FT.INFO} of every index, read in one transaction so that no write lands between them. */
    static Map<String, IndexInfo> read(RedisSession session, List<String> indexes) {
        List<Object> replies = session.transaction(indexes.stream().map(index -> List.of("FT.INFO", index))
                .toList());
        Map<String, IndexInfo> infos = new LinkedHashMap<>();
        for (int i = 0; i < indexes.size(); i++) {
            infos.put(indexes.get(i), FtInfoReader.read(indexes.get(i), replies.get(i)));
        }
        return infos;
    }

    /** The SCAN patterns that name every key under the schema's prefixes once. */
    static List<String> scanPatterns(IndexSchema schema) {
        return GlobPattern.underPrefixes(schema.prefixes());
    }
}
