package dev.slipway.internal.rewrite;

import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.internal.redis.LiveIndexReader;

import java.util.Optional;

/**
 * Stops a rewrite between batches before a server that evicts reaches its {@code maxmemory}. A rewrite that widens
 * vectors grows every document, and the plan's estimate, which apply checks up front, can fall short (a sample, a
 * model) or be overruled ({@code --ignore-maxmemory}); at the limit a server with an evicting policy removes keys,
 * the documents being rewritten among them. A server with {@code noeviction} refuses the rewrite's writes instead,
 * which stops it with every document kept, so it is not watched. Reads {@code INFO memory} at most every
 * {@value #INTERVAL_MILLIS} ms, on the pool's reading connection; stops at the share of the limit where the build's
 * guard stops ({@link MemoryHeadroom#USABLE_SHARE}), or when three times the growth since the last look would reach
 * the limit.
 */
final class MemoryCeiling {
    /** The least time between two looks at the server's memory. */
    static final long INTERVAL_MILLIS = 250;
    /** A ceiling that never stops anything. */
    static final MemoryCeiling NONE = new MemoryCeiling(null);

    private final WorkerPool workers;
    private long maxBytes;
    private String policy = "";
    private long lookedAt;
    private long lastUsed = -1;
    private long reachedAt = -1;

    private MemoryCeiling(WorkerPool workers) {
        this.workers = workers;
    }

    /**
     * The ceiling of the server the pool writes to. The limit and the policy are read at every look: an operator may
     * lower maxmemory (or change the policy) while the rewrite runs.
     */
    static MemoryCeiling of(WorkerPool workers) {
        return new MemoryCeiling(workers);
    }

    /** Whether the server is near its limit now (looked at no more often than every {@value #INTERVAL_MILLIS} ms). */
    boolean reached() {
        if (workers == null) {
            return false;
        }
        if (reachedAt >= 0) {
            return true;
        }
        long now = System.nanoTime();
        if (lastUsed >= 0 && now - lookedAt < INTERVAL_MILLIS * 1_000_000L) {
            return false;
        }
        lookedAt = now;
        Optional<ServerInfo.Memory> memory = memoryNow(workers);
        if (memory.isEmpty()) {
            return false; // an ACL refusing INFO: the up-front estimate is all there is
        }
        long used = memory.get().usedBytes();
        long growth = lastUsed < 0 ? 0 : Math.max(0, used - lastUsed);
        lastUsed = used;
        policy = memory.get().policy();
        maxBytes = memory.get().maxBytes();
        if (maxBytes <= 0 || !memory.get().evicts()) {
            return false; // no limit, or one where the server refuses writes instead of evicting
        }
        if (used >= maxBytes * MemoryHeadroom.USABLE_SHARE || used + 3 * growth >= maxBytes) {
            reachedAt = used;
        }
        return reachedAt >= 0;
    }

    /** What was reached, for the message that stops the rewrite. */
    String describe() {
        return "the server used " + StrategyChoice.mib(reachedAt) + " of its maxmemory " + StrategyChoice.mib(maxBytes)
                + " (maxmemory-policy " + policy + ", which evicts keys at the limit)";
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
