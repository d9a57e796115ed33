package dev.slipway.internal.apply;

import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.FtInfoReader;
import dev.slipway.internal.schema.IndexInfo;

import java.util.OptionalLong;

/**
 * Keys under an index's prefixes that it neither holds nor counts as indexing failures: it never read them, as an
 * index created {@code SKIPINITIALSCAN} does with the keys that existed then. {@code FT.INFO} does not report that
 * option, and a new version built from it reads every key, so it serves documents the application had kept out
 * (tester session 40 R29 F2: 1 document served before a migration, 501 after, with no word in the plan).
 *
 * <p>The server counts a failure for every write it cannot index and never counts one down, so an index that read
 * every key has at least as many failures as keys it does not hold; more keys than that, even among a part of the
 * keyspace, were never read. Only the first {@value #PAGES} SCAN pages for each prefix (in all, so the first prefix
 * may take them) are looked at, so that planning stays quick on a large keyspace: the figure is a lower bound. The keys are looked up as validation's look-up does
 * ({@link DroppedDocuments}), and only those that still exist count.
 */
public final class UnreadKeys {
    /** SCAN pages (of COUNT {@value DroppedDocuments#PAGE}) looked at for each prefix. */
    static final int PAGES = 20;

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
        // a key that expired (or was deleted) since SCAN has left the index and counts no failure: only those that
        // exist count (tester session 41 R31 F4: a false warning under keys with a TTL of milliseconds)
        long notHeld = DroppedDocuments.existingNotHeldInFirstPages(session, schema,
                PAGES * KeyCoverage.scanPatterns(schema).size());
        // read after the scan: a key that failed meanwhile is counted among the failures too
        IndexInfo after = FtInfoReader.read(schema.name(), session.call("FT.INFO", schema.name()));
        long unread = notHeld - after.stats().indexingFailures();
        return unread > 0 ? OptionalLong.of(unread) : OptionalLong.empty();
    }
}
