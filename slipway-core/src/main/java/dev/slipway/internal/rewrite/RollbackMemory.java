package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.internal.apply.Evictions;
import dev.slipway.internal.apply.PlanPreconditions;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The memory a rollback from a backup adds, and the look at it while the original index is rebuilt. A rollback
 * drops the index the migration built, writes the original values back (a rollback of a narrowing rewrite widens
 * every document again) and builds the original index, which is larger than the quantized one it replaces. On a
 * server near its {@code maxmemory} that evicts, the rebuild evicted 2,000 to 6,000 of the application's keys
 * (tester session 33 R15 H1), as apply's builds did before {@code MemoryGuard}: so the rollback refuses up front,
 * with nothing changed, when what it adds would pass the line where a build stops ({@link
 * MemoryHeadroom#USABLE_SHARE}), unless told to go on; its restore stops between records before the limit
 * ({@link MemoryCeiling}); and its rebuild is dropped (documents kept, original values and all) when the server
 * comes near the limit, so that a re-run with room builds it again.
 */
final class RollbackMemory {
    private static final Logger LOG = LoggerFactory.getLogger(RollbackMemory.class);

    private final boolean startedBelowLine;
    private final MemoryHeadroom.BuildGrowth growth = new MemoryHeadroom.BuildGrowth();

    private RollbackMemory(boolean startedBelowLine) {
        this.startedBelowLine = startedBelowLine;
    }

    /**
     * What the rollback is expected to add to the server's memory: the documents not restored yet, grown back to
     * their original vectors ({@link IndexMemoryModel#restoreGrowthPerDocument}), plus the original index as
     * {@code FT.INFO} measured it when the plan was made (unless {@code sourceBuilt}: an earlier run recreated it),
     * less {@code targetIndexBytes}, the index the migration built, which the rollback drops first; the indexes with
     * the allocator's overhead apply assumes ({@link StrategyChoice#MEMORY_OVERHEAD}). Undoing a float32 to float16
     * rewrite of 10,000 documents of 256 dims: 14.8 MiB estimated, 12.4 MiB measured.
     */
    static long extraBytes(MigrationPlan plan, BackupHeader header, long targetIndexBytes, boolean sourceBuilt) {
        long documents = IndexMemoryModel.restoreGrowthPerDocument(plan) * unrestored(header);
        long index = sourceBuilt ? 0 : plan.source().indexMemoryBytes();
        return documents + Math.round((index - targetIndexBytes) * StrategyChoice.MEMORY_OVERHEAD);
    }

    /** The documents of the records not restored yet (in proportion to the records). */
    private static long unrestored(BackupHeader header) {
        long records = header.batchesBackedUp();
        return records <= 0 ? 0 : Math.round((double) header.documentsBackedUp()
                * Math.max(0, records - header.recordsRestored()) / records);
    }

    /**
     * Refuses, before the rollback changes anything, one whose added memory ({@link #extraBytes}) would take the
     * server past the line where its build stops; with {@code ignore}, warns and goes on. Returns the look at the
     * memory while the rollback runs, which stops nothing on a server that was above the line already (a cache kept
     * full by evictions: every rebuild would be stopped). When INFO memory is refused, see
     * {@link PlanPreconditions#unreadableMemory}.
     */
    static RollbackMemory check(LiveIndexReader reader, MigrationPlan plan, BackupHeader header, Path dir,
                                boolean ignore, ProgressListener progress) {
        Optional<ServerInfo.Memory> memory = reader.memory();
        if (memory.isEmpty()) {
            PlanPreconditions.unreadableMemory(plan, reader, "the rollback", "'slipway rollback --backup-dir " + dir
                    + " --ignore-maxmemory'", ignore, progress);
            return new RollbackMemory(true);
        }
        if (memory.get().maxBytes() <= 0) {
            return new RollbackMemory(true); // a limit set while the rollback runs is watched too
        }
        String target = plan.targetSchema().name();
        long targetBytes = reader.findPhysical(target)
                .filter(live -> !VisibleSchema.matches(plan.source().schema().withName(target), live.schema()))
                .map(live -> live.stats().memoryBytes()).orElse(0L);
        boolean sourceBuilt = reader.findPhysical(plan.source().schema().name()).map(IndexInfo::schema)
                .filter(live -> VisibleSchema.matches(plan.source().schema(), live)).isPresent();
        long extra = extraBytes(plan, header, targetBytes, sourceBuilt);
        Optional<String> shortfall = MemoryHeadroom.shortfall(extra, memory.get(), "the rollback", "the rollback");
        if (shortfall.isPresent() && ignore) {
            String text = "Rolling back with --ignore-maxmemory although " + shortfall.get() + ".";
            UserWarnings.warn(LOG, progress, text);
        } else if (shortfall.isPresent()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Not rolling back: " + shortfall.get() + ". It "
                    + "restores the original values of " + unrestored(header) + " documents" + (header
                    .recordsRestored() > 0 ? " (those an earlier run did not restore)" : "") + " and " + (sourceBuilt
                    ? "has rebuilt the original index already" : "rebuilds the original index ("
                    + StrategyChoice.mib(plan.source().indexMemoryBytes()) + " by FT.INFO when the plan was made), "
                    + "less the " + StrategyChoice.mib(targetBytes) + " of the index it drops, those two x"
                    + StrategyChoice.MEMORY_OVERHEAD + " for allocator overhead") + ". Nothing was changed. Raise "
                    + "maxmemory (CONFIG SET maxmemory) or free memory, then re-run; if you know the estimate is too "
                    + "high for your data, 'slipway rollback --backup-dir " + dir + " --ignore-maxmemory' starts "
                    + "anyway (the rollback still stops near the limit).");
        }
        ServerInfo.Memory now = memory.get();
        return new RollbackMemory(now.usedBytes() < now.maxBytes() * MemoryHeadroom.USABLE_SHARE);
    }

    /** Whether the rollback is to stop near the limit: the server was below the line when it started. */
    boolean guards() {
        return startedBelowLine;
    }

    /**
     * Before the original index {@code index} is created ({@code before}), and while it builds: stops the rollback
     * (exit 1) when a server that evicts is past the line, or comes near its limit; a build under way is dropped
     * (documents kept). The look before the build also stops when the index's {@code buildBytes} (its FT.INFO size
     * when the plan was made) would take the server past the line: times the allocator overhead, or as measured
     * when the user said the estimate is too high ({@code ignore}, {@code --ignore-maxmemory}); the limit may have
     * been lowered since the rollback began, and a build outruns any look at it (tester session 34 R16 H2: with the
     * look skipped under {@code --ignore-maxmemory}, a build evicted 6,630 keys). A re-run builds it again.
     * {@code evictedAtStart}: the server's {@code evicted_keys} when the rollback began, for the message.
     */
    void stopBuildIfNear(RedisSession session, boolean before, String index, long buildBytes, boolean ignore,
                         OptionalLong evictedAtStart, String servedName, Path dir) {
        if (!startedBelowLine) {
            return;
        }
        Optional<ServerInfo.Memory> now = new LiveIndexReader(session).memory();
        if (now.isEmpty()) {
            return;
        }
        long used = now.get().usedBytes();
        long max = now.get().maxBytes();
        long peakGrowth = growth.look(used);
        long expected = ignore ? buildBytes : Math.round(buildBytes * StrategyChoice.MEMORY_OVERHEAD);
        boolean near = before ? max > 0 && used + expected > max * MemoryHeadroom.USABLE_SHARE
                : MemoryHeadroom.buildNearLimit(used, peakGrowth, max);
        if (!now.get().evicts() || !near) {
            return;
        }
        boolean dropped = !before && session.dropIndexIfPresent(index);
        long evicted = Evictions.sinceSettled(session, evictedAtStart);
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, (before ? "Did not rebuild the original index: the "
                + "server uses " : "Stopped rebuilding the original index before the server reached its maxmemory: "
                + "it used ") + StrategyChoice.mib(used) + " of " + StrategyChoice.mib(max) + " (maxmemory-policy "
                + now.get().policy() + ", which evicts keys at the limit), " + (before ? "and the index takes about "
                + StrategyChoice.mib(expected) + " more, past 90% of the limit" : "past 90% of the limit or about "
                + "to be") + ". " + evictedSaying(evicted, dir, now.get().policy()) + (dropped ? "The index '" + index
                + "' being built was dropped (documents kept), so '" : "'") + servedName + "' is not served until the "
                + "rollback finishes. Raise maxmemory (CONFIG SET maxmemory) or free memory, then re-run 'slipway "
                + "rollback --backup-dir " + dir + "', which builds it.");
    }

    /** What a stop says of the keys evicted since the rollback began, under maxmemory-policy {@code policy}. */
    static String evictedSaying(long evicted, Path dir, String policy) {
        return evicted > 0 ? "The server EVICTED " + Wording.count(evicted, "key", "keys") + " since the rollback "
                + "began (INFO stats evicted_keys, every database): "
                + Evictions.mayBeAmongThem("restored documents", policy) + "; the backup "
                + "in " + dir + " still holds every original. " : "No key was evicted; every document restored so "
                + "far has its original values again. ";
    }

    /**
     * After the rollback: warns when the server uses more than its {@code maxmemory} (an index build is not held to
     * the limit, and a server with {@code noeviction} then refuses every write that could grow memory, the
     * application's included; tester session 34 R16 M2: 118.5 MiB of 79.1 MiB after a rollback that exited 0).
     */
    static void warnIfOverLimit(LiveIndexReader reader, ProgressListener progress) {
        reader.memory().filter(m -> m.maxBytes() > 0 && m.usedBytes() > m.maxBytes()).ifPresent(m -> {
            String text = "the server now uses " + StrategyChoice.mib(m.usedBytes()) + ", more than its maxmemory "
                    + StrategyChoice.mib(m.maxBytes()) + " (maxmemory-policy " + m.policy() + "): "
                    + (m.evicts() ? "it evicts keys" : "it refuses writes that could grow memory (OOM), the "
                    + "application's included,") + " until memory is freed or maxmemory raised (CONFIG SET "
                    + "maxmemory).";
            UserWarnings.warn(LOG, progress, text);
        });
    }
}
