package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.rewrite.WriteWatch;
import dev.slipway.internal.vector.VectorDataType;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Runs the rewrite step, and checks before a migration starts that a rewrite can run at all. */
final class RewriteStepHandler {
    private RewriteStepHandler() {
    }

    static String run(StepContext context, PlanStep step) {
        ApplyOptions options = context.options();
        Path dir = options.backupDir().orElseThrow();
        try (BackupDirectory backup = BackupDirectory.openForPlan(dir, context.plan());
             WorkerPool pool = WorkerPool.open(context.session().endpoint(), options.workers(),
                     options.maxRetries());
             WriteWatch watch = options.watchWrites() ? startWatch(context, options) : null) {
            return new RewriteEngine(context.plan(), backup, pool, context.progress(),
                    new RewriteEngine.RewriteSettings(options.batchSize(), options.maxDocsPerSecond()), watch).run();
        }
    }

    private static WriteWatch startWatch(StepContext context, ApplyOptions options) {
        return WriteWatch.startOrWarn(context.session().endpoint(), context.plan().rewrite().orElseThrow(),
                options.workers(), context.keys().prefix(), "this rewrite");
    }

    /**
     * Refuses, before anything changes, a rewrite without a backup directory, a lossy one without
     * {@code --accept-data-loss}, a directory holding another plan's backup, a resume with another directory, and
     * a disk too small for the originals.
     */
    static void check(MigrationPlan plan, ApplyOptions options, Optional<Checkpoint> resumed) {
        if (plan.rewrite().isEmpty()) {
            return;
        }
        RewriteSpec rewrite = plan.rewrite().get();
        if (options.backupDir().isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "This plan rewrites documents, so apply needs "
                    + "--backup-dir <dir>, where the original bytes are saved before anything changes; nothing was "
                    + "changed.");
        }
        if (rewrite.lossy() && !options.acceptDataLoss()) {
            throw new SlipwayException(ErrorCode.CONFIRMATION_REQUIRED, "This plan converts vectors with loss of "
                    + "precision (" + rewrite.conversions().stream().map(c -> c.from() + " -> " + c.to()).toList()
                    + "); re-run with --accept-data-loss to confirm. Nothing was changed.");
        }
        Path dir = options.backupDir().get().toAbsolutePath().normalize();
        BackupDirectory.readHeader(dir).filter(h -> !h.planId().equals(plan.planId())).ifPresent(h -> {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Backup directory " + dir + " holds the backup of "
                    + "another plan (" + h.planId() + "); nothing was changed. Use an empty directory.");
        });
        resumed.map(Checkpoint::backupDir).filter(d -> !d.isEmpty() && !d.equals(dir.toString())).ifPresent(d -> {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "This migration was started with --backup-dir " + d
                    + "; resume it with the same directory (given: " + dir + "). Nothing was changed.");
        });
        if (BackupDirectory.readHeader(dir).map(h -> h.phase() == BackupHeader.Phase.ROLLED_BACK).orElse(false)) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup in " + dir + " was rolled back; start a new "
                    + "migration with a new plan and an empty backup directory. Nothing was changed.");
        }
        checkDiskSpace(dir, rewrite);
    }

    private static void checkDiskSpace(Path dir, RewriteSpec rewrite) {
        long perDocument = 64;
        for (RewriteSpec.VectorConversion conversion : rewrite.conversions()) {
            perDocument += (long) conversion.dims() * VectorDataType.parse(conversion.from()).bytesPerElement();
        }
        long needed = perDocument * rewrite.documents();
        try {
            Path existing = dir;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            long free = existing == null ? Long.MAX_VALUE : Files.getFileStore(existing).getUsableSpace();
            if (free < needed) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup needs about " + needed / (1024 * 1024)
                        + " MiB but " + dir + " has " + free / (1024 * 1024) + " MiB free; nothing was changed. "
                        + "Free space or choose another --backup-dir.");
            }
        } catch (IOException e) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Cannot check free space of " + dir + ": "
                    + e.getMessage(), e);
        }
    }
}
