package dev.slipway.internal.rewrite;

import dev.slipway.api.ApplyOptions;

import java.time.Duration;

/**
 * Tunables of a {@link RewriteEngine} run.
 *
 * @param batchSize        keys per SCAN page and batch
 * @param maxDocsPerSecond rate limit, 0 for none
 * @param headerInterval   least time between two progress writes of the backup header; zero writes it after
 *                         every batch. Progress on disk may lag by this much: a resumed run then re-applies those
 *                         batches from their records, which changes nothing in documents already rewritten.
 * @param batchBytes       at most this many bytes of values per batch, 0 for no limit: each page's documents
 *                         are then measured before they are read and the page is cut into batches that fit
 *                         ({@link DocumentSizes}), for documents too large for {@code batchSize} of them to fit
 *                         in memory
 */
public record RewriteSettings(int batchSize, int maxDocsPerSecond, Duration headerInterval, long batchBytes,
                              boolean fieldExpiries) {
    /**
     * With a rate limit, a batch is a whole fraction of a second of the rate: the limit is kept batch by batch,
     * so a batch larger than the rate landed at once (tester session 35 R19 M3: 2,000 documents in half a second
     * at {@code --rate-limit 300}, then nothing for 6.5 s), and since a second holds at most the rate in whole
     * batches ({@link RatePacer}), batches of 300 at 500 a second made 300 a second; cut to 250, they make 500.
     */
    public RewriteSettings {
        batchSize = ApplyOptions.batchSizeAt(batchSize, maxDocsPerSecond);
    }

    /** Writes the header's progress at most once a second; no limit of bytes per batch. */
    public RewriteSettings(int batchSize, int maxDocsPerSecond) {
        this(batchSize, maxDocsPerSecond, Duration.ofSeconds(1), 0, false);
    }

    /** No limit of bytes per batch. */
    public RewriteSettings(int batchSize, int maxDocsPerSecond, Duration headerInterval) {
        this(batchSize, maxDocsPerSecond, headerInterval, 0, false);
    }

    /** Hash field expiries neither read nor kept (a database without them). */
    public RewriteSettings(int batchSize, int maxDocsPerSecond, Duration headerInterval, long batchBytes) {
        this(batchSize, maxDocsPerSecond, headerInterval, batchBytes, false);
    }

    /** A copy with that limit of bytes per batch (0 for none). */
    public RewriteSettings withBatchBytes(long bytes) {
        return new RewriteSettings(batchSize, maxDocsPerSecond, headerInterval, bytes, fieldExpiries);
    }

    /**
     * A copy that reads and keeps hash fields' own expiries (see {@link BatchReader#readFieldExpiries}): for a
     * hash rewrite in a database that has such fields.
     */
    public RewriteSettings withFieldExpiries(boolean value) {
        return new RewriteSettings(batchSize, maxDocsPerSecond, headerInterval, batchBytes, value);
    }
}
