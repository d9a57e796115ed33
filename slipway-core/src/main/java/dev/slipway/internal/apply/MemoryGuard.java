package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.StepKind;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.LiveIndexReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Watches the server's memory while a zero-downtime migration's new versions index (or any migration's new index,
 * on a server that evicts), and stops the build before the server reaches its {@code maxmemory}: at the limit Redis
 * evicts keys or refuses writes, the application's included.
 * The plan's estimate can fall short (FT.INFO of the live index, a model of the target's vector indexes, words of 20
 * sampled documents; before those, tester session 30 R9 H1: 37 MiB estimated, 46 MiB used, 4,642 documents evicted). The new versions are dropped
 * (documents kept) and their steps undone, so that a re-run builds them again once there is room.
 */
final class MemoryGuard {
    private ServerInfo.Memory limit;
    private final MemoryHeadroom.BuildGrowth growth = new MemoryHeadroom.BuildGrowth();

    private MemoryGuard(ServerInfo.Memory limit) {
        this.limit = limit;
        growth.look(limit.usedBytes());
    }

    /**
     * Whether the server was below the line where the guard stops when the migration began ({@link
     * Checkpoint#FULL_AT_START} absent). A server that runs above it (an LRU cache kept full by evictions) would have
     * every drop-recreate build stopped, with the index down for good, even one that needs no more memory than before
     * (tester session 32 R13: a distance-metric change on an allkeys-lru cache at 95%).
     */
    static boolean startedBelowLine(Checkpoint checkpoint) {
        return !Long.valueOf(1).equals(checkpoint.marks().get(Checkpoint.FULL_AT_START));
    }

    /** A guard for a server with a memory limit; empty without one, or when INFO memory is refused. */
    static Optional<MemoryGuard> of(LiveIndexReader reader) {
        return reader.memory().filter(m -> m.maxBytes() > 0).map(MemoryGuard::new);
    }

    /** Stops the build (drops this plan's new versions, undoes their steps) when memory is near the limit. */
    void stopIfNear(StepContext context, LiveIndexReader reader) {
        Optional<ServerInfo.Memory> now = reader.memory();
        if (now.isEmpty()) {
            return;
        }
        long used = now.get().usedBytes();
        long peakGrowth = growth.look(used); // the most it grew between two looks: a burst may bring more
        // the limit and the policy as they are now: an operator may lower maxmemory while the index builds (tester
        // session 32 R13 M2: 40,712 keys evicted under a limit lowered during a drop-recreate build)
        limit = now.get();
        // a server that evicts at the limit costs the application's data: there even a drop-recreate build, whose
        // index is down already, is stopped
        boolean guarded = context.plan().mode() == MigrationMode.ZERO_DOWNTIME || limit.evicts();
        if (!guarded || !MemoryHeadroom.buildNearLimit(used, peakGrowth, limit.maxBytes())) {
            return;
        }
        MigrationPlan plan = context.plan();
        List<String> dropped = new ArrayList<>();
        Checkpoint checkpoint = context.checkpoint();
        for (PlanStep step : plan.steps()) {
            boolean create = step.kind() == StepKind.CREATE_INDEX || step.kind() == StepKind.CREATE_SHADOW_INDEX;
            if (create) {
                String index = step.commands().get(0).get(1);
                if (context.session().dropIndexIfPresent(index)) {
                    dropped.add(index);
                }
            }
            if (create || step.kind() == StepKind.WAIT_FOR_INDEXING) {
                checkpoint = checkpoint.withStepUndone(step.name());
            }
        }
        if (!dropped.isEmpty()) { // the name is unserved again: the downtime goes on (tester session 32 R13 L3)
            checkpoint = checkpoint.withoutMarks(IndexStepHandlers.AVAILABLE_AT, IndexStepHandlers.COMPLETE_AT);
        }
        context.checkpoint(checkpoint);
        // a burst between two looks may reach the limit first: then saying "before" hid evicted keys (tester
        // session 44 R39 F2: 16 to 590 keys evicted in 3 of 4 runs with --ignore-maxmemory)
        long evicted = Evictions.sinceSettled(context.session(), Evictions.atStart(checkpoint));
        String stopped = evicted == 0 ? "Stopped the build before the server reached its maxmemory"
                : "Stopped the build near the server's maxmemory, but not before it evicted " + Wording.count(evicted,
                "key", "keys") + " (" + Evictions.mayBeAmongThem("documents", now.get().policy()) + "; 'slipway "
                + "status' counts them)";
        if (plan.mode() != MigrationMode.ZERO_DOWNTIME) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, stopped + ": it used "
                    + StrategyChoice.mib(now.get().usedBytes()) + " of "
                    + StrategyChoice.mib(limit.maxBytes()) + " (maxmemory-policy " + now.get().policy() + ", which "
                    + "evicts keys at the limit) while the new index indexed, past 90% of the limit or about to be "
                    + "(the plan estimated " + StrategyChoice.mib(plan.estimate().extraMemoryBytes()) + " more). "
                    + (dropped.isEmpty() ? "" : "The new index " + String.join(", ", dropped) + " was dropped; ")
                    + "every document is kept" + (plan.rewrite().isPresent() ? " (in the new form; their originals "
                    + "are in the backup)" : "") + ", but '" + plan.servedName() + "' is not served until the "
                    + "migration finishes. Raise maxmemory (CONFIG SET maxmemory) or free memory, then re-run "
                    + "'slipway apply' with the same plan, which builds it again"
                    + (plan.rewrite().isPresent() ? "; or restore the original documents and index with 'slipway "
                    + "rollback --backup-dir <the --backup-dir of this apply>'" : "") + ".");
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, stopped + ": it used "
                + StrategyChoice.mib(now.get().usedBytes()) + " of "
                + StrategyChoice.mib(limit.maxBytes()) + " (maxmemory-policy " + now.get().policy() + ") while the "
                + "new versions indexed, past 90% of the limit or about to be (the plan estimated "
                + StrategyChoice.mib(plan.estimate().extraMemoryBytes()) + " more, from FT.INFO of the live index, "
                + "the target schema and 20 sampled documents, which can fall short). At the limit Redis would evict "
                + "keys or refuse writes, so "
                + (dropped.isEmpty() ? "the build stopped" : "the new versions " + String.join(", ", dropped)
                + " were dropped (documents kept)") + "; '" + plan.source().indexName() + "' still serves what it "
                + "served. Raise maxmemory (CONFIG SET maxmemory) or free memory, then re-run 'slipway apply' with "
                + "the same plan, which builds them again; or discard the migration with 'slipway rollback --index "
                + plan.source().indexName() + "'.");
    }
}
