package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.ServerInfo;

import java.util.Optional;

/**
 * Whether the server's {@code maxmemory} leaves room for the memory a migration adds (a zero-downtime migration
 * builds a second copy of the index), and what the server does when it does not: evict keys (documents are lost) or
 * refuse writes, the application's included. Pure: the plan warns from its snapshot; apply asks again before its first
 * change and refuses.
 */
public final class MemoryHeadroom {
    /**
     * The share of maxmemory a migration may fill: a zero-downtime build is stopped there (the indexing grows between
     * two looks at it), so a plan that needs more is refused before it starts (tester session 31 R11 M4: it was
     * accepted up to the whole limit, then stopped at 90%).
     */
    public static final double USABLE_SHARE = 0.90;

    private MemoryHeadroom() {
    }

    /**
     * What is wrong, when the server's used memory plus {@code extraBytes} goes over {@value #USABLE_SHARE} of its
     * limit; empty when there is no limit, nothing is added, or it fits.
     */
    public static Optional<String> shortfall(long extraBytes, ServerInfo.Memory memory) {
        return shortfall(extraBytes, memory, "the migration", "apply");
    }

    /**
     * As above, for {@code work} ("the rollback") that {@code stopper} ("the rollback") stops near the limit.
     */
    public static Optional<String> shortfall(long extraBytes, ServerInfo.Memory memory, String work, String stopper) {
        long after = memory.usedBytes() + Math.max(extraBytes, 0);
        long usable = Math.round(memory.maxBytes() * USABLE_SHARE);
        if (memory.maxBytes() <= 0 || after <= usable) {
            return Optional.empty();
        }
        if (extraBytes <= 0) {
            // already past the mark: any growth, the client buffers of the work's own reads included, meets the
            // limit; a rewrite estimated at ~0 B was planned and applied without a word, and its reads made the
            // server evict 216 to 719 keys (tester session 53 R47 T1 H3)
            return Optional.of("the server uses " + StrategyChoice.mib(memory.usedBytes()) + " of its maxmemory "
                    + StrategyChoice.mib(memory.maxBytes()) + ", beyond 90% of the limit already, and " + work
                    + "'s own reads and writes make it grow (client buffers, a field written before its old one is "
                    + "deleted); near the limit " + consequence(memory.policy(), work));
        }
        return Optional.of("the server uses " + StrategyChoice.mib(memory.usedBytes()) + " of its maxmemory "
                + StrategyChoice.mib(memory.maxBytes()) + ", and " + work + " needs about "
                + StrategyChoice.mib(extraBytes) + " more, " + StrategyChoice.mib(after - usable)
                + " beyond 90% of the limit (where " + stopper + " stops a build, since " + (after > memory.maxBytes()
                ? "" : "near the limit ") + consequence(memory.policy(), work) + ")");
    }

    /** What the server does at its limit under a policy. */
    static String consequence(String policy, String work) {
        String under = "under maxmemory-policy " + policy + " Redis would ";
        if (policy.startsWith("allkeys-")) {
            return under + "evict keys, documents included, and they would be lost";
        }
        if (policy.startsWith("volatile-")) {
            return under + "evict keys that have a TTL (documents with one would be lost), then refuse writes with "
                    + "OOM errors, the application's included";
        }
        return under + "refuse writes with OOM errors, the application's included, and " + work + " would fail";
    }

    /**
     * Whether a build that uses {@code usedBytes} now is to stop: past {@value #USABLE_SHARE} of the limit, or about
     * to reach the limit (a burst of indexing may bring several times {@code peakGrowth}, the most it grew between
     * two looks so far, before the next look). Never without a limit. The peak, not the last growth: a server busy
     * indexing answers a look late, and the growth of one late look was seven times the 10 ms ones before it, after
     * a look that had grown little (a CI run evicted 48 keys between two looks, session 45).
     */
    public static boolean buildNearLimit(long usedBytes, long peakGrowth, long maxBytes) {
        return maxBytes > 0 && (usedBytes >= maxBytes * USABLE_SHARE || usedBytes + 3 * peakGrowth >= maxBytes);
    }

    /**
     * The looks at a build's memory: each records the server's used memory and gives the largest growth between two
     * looks so far, for {@link #buildNearLimit}. The first look grows by nothing.
     */
    public static final class BuildGrowth {
        private long lastUsed = -1;
        private long peak;

        /** Records a look at {@code usedBytes}; the largest growth between two looks so far. */
        public long look(long usedBytes) {
            if (lastUsed >= 0) {
                peak = Math.max(peak, usedBytes - lastUsed);
            }
            lastUsed = usedBytes;
            return peak;
        }
    }

    /** What to do about it (apply's flag, when the estimate is known to be too high, comes last). */
    public static String advice(MigrationMode mode) {
        return "Raise maxmemory (CONFIG SET maxmemory), free memory (for example 'slipway prune' of retained "
                + "versions), or " + (mode == MigrationMode.ZERO_DOWNTIME ? "plan with --mode drop-recreate (no "
                + "second copy of the index, but queries fail while it is rebuilt)" : "plan a smaller index (a lower "
                + "HNSW m, a narrower vector datatype, fewer fields)") + ". If you know the estimate is too high for "
                + "your data, the same 'slipway apply' with --ignore-maxmemory starts anyway.";
    }
}
