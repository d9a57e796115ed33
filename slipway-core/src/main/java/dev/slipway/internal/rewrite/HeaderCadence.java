package dev.slipway.internal.rewrite;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * How often a rewrite writes its progress into the backup header. A batch's progress is taken into the header in
 * memory at once and written to disk (atomically, not forced) when the last write is {@code interval} old:
 * serialising and replacing the file after every batch cost a tenth of the planning thread's time (when it also
 * converted), and what a resume relies on is the fsynced records.
 */
final class HeaderCadence {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteEngine.class);

    private final BackupDirectory backup;
    private final long intervalNanos;
    private long writtenAt = System.nanoTime();

    HeaderCadence(BackupDirectory backup, Duration interval) {
        this.backup = backup;
        this.intervalNanos = interval.toNanos();
    }

    /** Takes a batch's progress into the header; on disk when the interval has passed since the last write. */
    void record(BackupHeader progressed) {
        long now = System.nanoTime();
        if (now - writtenAt >= intervalNanos) {
            backup.writeHeader(progressed, false);
            writtenAt = now;
        } else {
            backup.holdHeader(progressed);
        }
    }

    /** Best effort after a failure: the header on disk shows the progress reached (the records hold it anyway). */
    void flush() {
        try {
            if (backup.headerHeld()) {
                backup.writeHeader(backup.header(), false);
            }
        } catch (RuntimeException e) {
            LOG.debug("Could not write the backup header after a failure: {}", e.getMessage());
        }
    }
}
