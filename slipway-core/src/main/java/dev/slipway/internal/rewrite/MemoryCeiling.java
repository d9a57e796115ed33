package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.ServerInfo;
import dev.slipway.internal.apply.Evictions;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.LiveIndexReader;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Stops a rewrite between batches before a server that evicts reaches its {@code maxmemory}. A rewrite that widens
 * vectors grows every document, and the plan's estimate, which apply checks up front, can fall short (a sample, a
 * model) or be overruled ({@code --ignore-maxmemory}); at the limit a server with an evicting policy removes keys,
 * the documents being rewritten among them. A server with {@code noeviction} refuses the rewrite's writes instead,
 * which stops it with every document kept, so it is not watched. Reads {@code INFO memory} on the pool's reading
 * connection; stops at the share of the limit where the build's guard stops ({@link MemoryHeadroom#USABLE_SHARE}),
 * or when the batch in flight and the next one would reach the limit, at the larger of the planned growth per
 * document and the growth measured per document between looks, whatever wrote it (tester session 33 R14 H1: batches
 * of 5,000 documents each grew 8.5 MB, more than the 10% above the line, and 3,300 documents were evicted). A rewrite
 * whose documents grow looks before every batch, since an operator may lower the limit at any moment (tester session
 * 34 R17 f9: a limit lowered to 1 MiB above the memory in use, seen up to 50 ms later, let some 2,000 documents grow
 * past it and 2,049 keys were evicted); one INFO per batch costs about 1% of a batch's time. A rewrite the plan does
 * not expect to grow documents (a narrowing conversion, a rename) looks at most every {@value #INTERVAL_MILLIS} ms
 * while the projection (other clients' growth included) stays well under the line, and before every batch once it
 * does not.
 */
final class MemoryCeiling {
    /** The least time between two looks at the server's memory. */
    static final long INTERVAL_MILLIS = 50;
    /** A ceiling that never stops anything. */
    static final MemoryCeiling NONE = new MemoryCeiling(null, 0);

    private final WorkerPool workers;
    private final double plannedPerDocument;
    private long maxBytes;
    private String policy = "";
    private boolean evicting;
    private long lookedAt;
    private long lastUsed = -1;
    private long lastDocuments;
    private double measuredPerDocument;
    private long reachedAt = -1;
    private long evictedAtStart = -1;
    private long evictedSince;
    private long intervalNanos = INTERVAL_MILLIS * 1_000_000L;

    private MemoryCeiling(WorkerPool workers, double plannedPerDocument) {
        this.workers = workers;
        this.plannedPerDocument = plannedPerDocument;
    }

    /**
     * The ceiling of the server the pool writes to, for documents the plan expects to grow by
     * {@code plannedPerDocument} bytes each (0 when they do not grow), on a server whose {@code evicted_keys} was
     * {@code evictedAtStart} when the migration began (-1: not known, read at the first look). The limit and the
     * policy are read at every look: an operator may lower maxmemory (or change the policy) while the rewrite runs.
     */
    static MemoryCeiling of(WorkerPool workers, double plannedPerDocument, long evictedAtStart) {
        MemoryCeiling ceiling = new MemoryCeiling(workers, Math.max(0, plannedPerDocument));
        ceiling.evictedAtStart = evictedAtStart;
        return ceiling;
    }

    /**
     * Looks before every batch, not at most every {@value #INTERVAL_MILLIS} ms: for a rollback's restore, whose
     * throughput matters less than the rewrite's, so that a limit lowered while it runs is seen one record later
     * (tester session 34 R17: with the limit set 1 MiB above the memory in use, 50 ms of restoring evicted 1,271 keys).
     */
    MemoryCeiling everyBatch() {
        this.intervalNanos = 0;
        return this;
    }

    /**
     * Whether the server is near its limit now, or the next batch of {@code batchDocuments} would bring it there,
     * {@code documentsSent} having been sent to be rewritten so far.
     */
    boolean reached(long documentsSent, int batchDocuments) {
        if (workers == null) {
            return false;
        }
        if (reachedAt >= 0) {
            return true;
        }
        long now = System.nanoTime();
        boolean growing = plannedPerDocument > 0;
        boolean recent = lastUsed >= 0 && !growing && now - lookedAt < intervalNanos;
        if (recent && (maxBytes <= 0 || !evicting || lastUsed + projected(documentsSent - lastDocuments
                + 2L * batchDocuments) < maxBytes * MemoryHeadroom.USABLE_SHARE)) {
            return false; // no limit, or well under it even after the next batch: the look can wait
        }
        lookedAt = now;
        if (evictedAtStart < 0) {
            evictedAtStart = evictedKeys().orElse(0);
        }
        Optional<ServerInfo.Memory> memory = memoryNow(workers);
        if (memory.isEmpty()) {
            return false; // an ACL refusing INFO: the up-front estimate is all there is
        }
        long used = memory.get().usedBytes();
        long growth = lastUsed < 0 ? 0 : Math.max(0, used - lastUsed);
        long documents = documentsSent - lastDocuments;
        if (lastUsed >= 0 && documents >= batchDocuments) { // a whole batch's worth: the documents' own growth
            measuredPerDocument = Math.max(measuredPerDocument, (double) growth / documents);
        }
        lastUsed = used;
        lastDocuments = documentsSent;
        policy = memory.get().policy();
        maxBytes = memory.get().maxBytes();
        evicting = memory.get().evicts();
        if (maxBytes <= 0 || !evicting) {
            return false; // no limit, or one where the server refuses writes instead of evicting
        }
        // the batch in flight may not have landed yet, and the next one is about to be sent. Growth is judged per
        // document, not per look: three times the growth since the last look stopped rewrites at 60% of the limit
        // when a busy machine spaced the looks out (tester session 33 R15 M3)
        if (used >= maxBytes * MemoryHeadroom.USABLE_SHARE || used + projected(2L * batchDocuments) >= maxBytes) {
            reachedAt = used;
            evictedSince = Math.max(0, evictedKeys().orElse(evictedAtStart) - evictedAtStart);
        }
        return reachedAt >= 0;
    }

    /** What {@code documents} more rewritten documents are expected to add. */
    private long projected(long documents) {
        return (long) Math.ceil(Math.max(plannedPerDocument, measuredPerDocument) * documents);
    }

    /** The server's maxmemory-policy at the last look (empty before the first). */
    String policy() {
        return policy;
    }

    /** What was reached, for the message that stops the rewrite. */
    String describe() {
        return "the server used " + StrategyChoice.mib(reachedAt) + " of its maxmemory " + StrategyChoice.mib(maxBytes)
                + " (maxmemory-policy " + policy + ", which evicts keys at the limit)";
    }

    /**
     * Keys the server evicted since the rewrite began (0 when INFO stats is refused), read again now: the stop message
     * must not say nothing was lost when the batches that were in flight at the stop made the server evict as they
     * landed (173 keys in a test, after the look that stopped the rewrite had counted none).
     */
    long evictedSince() {
        if (reachedAt >= 0 && evictedAtStart >= 0) {
            evictedSince = Math.max(evictedSince, evictedKeys().orElse(evictedAtStart) - evictedAtStart);
        }
        return evictedSince;
    }

    private OptionalLong evictedKeys() {
        try {
            return workers.read(store -> WorkerPool.info(store, "stats")).map(Evictions::evictedKeysOf)
                    .orElse(OptionalLong.empty());
        } catch (RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether it was reached (without looking again). */
    boolean wasReached() {
        return reachedAt >= 0;
    }

    private static Optional<ServerInfo.Memory> memoryNow(WorkerPool workers) {
        try {
            return workers.read(store -> WorkerPool.info(store, "memory")).flatMap(LiveIndexReader::memoryOf);
        } catch (RuntimeException e) {
            return Optional.empty(); // an ACL refusing INFO: the up-front estimate is all there is
        }
    }
}
