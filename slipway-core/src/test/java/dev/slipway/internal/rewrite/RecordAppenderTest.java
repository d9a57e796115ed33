package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.rewrite.BackupRecord.DocumentOriginal;
import dev.slipway.internal.rewrite.BackupRecord.FieldOriginal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backup's data file is the same byte for byte whether records go through direct I/O or the page cache, and a
 * crash while direct writes have padded the file loses nothing.
 */
class RecordAppenderTest {
    private static final MigrationPlan PLAN = RewritePlans.quantize("float16");
    /** Payload sizes around the usual block sizes (512, 4096), so records start and end inside and on blocks. */
    private static final int[] SIZES = {1, 500, 4070, 4080, 4096, 10_000, 3, 8192, 65_537};

    private static BackupRecord record(long batch, int valueSize) {
        byte[] value = new byte[valueSize];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31 + batch);
        }
        return new BackupRecord(batch, "c" + batch, List.of(new DocumentOriginal(("doc:" + batch).getBytes(),
                List.of(new FieldOriginal("emb", value)))));
    }

    /** What the file must hold: every record framed as [length][payload][CRC-32], nothing else. */
    private static byte[] framed(List<BackupRecord> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (BackupRecord record : records) {
            byte[] payload = record.encode();
            CRC32 crc = new CRC32();
            crc.update(payload);
            out.writeBytes(ByteBuffer.allocate(4).putInt(payload.length).array());
            out.writeBytes(payload);
            out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        }
        return out.toByteArray();
    }

    private static List<BackupRecord> records() {
        List<BackupRecord> records = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            records.add(record(i + 1, SIZES[i]));
        }
        return records;
    }

    @ParameterizedTest(name = "direct I/O tried: {0}")
    @ValueSource(booleans = {true, false})
    void theFileHoldsExactlyTheFramedRecords(boolean direct, @TempDir Path dir) throws IOException {
        List<BackupRecord> records = records();
        try (BackupDirectory backup = BackupDirectory.openForPlan(dir, PLAN, direct)) {
            long expectedEnd = 0;
            for (BackupRecord record : records) {
                expectedEnd += record.encodedSize() + 8L;
                assertThat(backup.append(record)).isEqualTo(expectedEnd);
            }
            if (!direct) {
                assertThat(backup.writesDirectly()).isFalse();
            }
        }
        assertThat(Files.readAllBytes(dir.resolve(BackupDirectory.DATA))).isEqualTo(framed(records));
    }

    @ParameterizedTest(name = "direct I/O tried: {0}")
    @ValueSource(booleans = {true, false})
    void appendsAfterReopeningKeepTheBytesBeforeThemInTheSharedBlock(boolean direct, @TempDir Path dir)
            throws IOException {
        List<BackupRecord> records = records();
        for (BackupRecord record : records) {
            // one append per open: each resumes inside the block the previous run ended in
            try (BackupDirectory backup = BackupDirectory.openForPlan(dir, PLAN, direct)) {
                long length = backup.append(record);
                backup.writeHeader(backup.header().backedUp(record.nextCursor(), 1, length));
            }
        }
        assertThat(Files.readAllBytes(dir.resolve(BackupDirectory.DATA))).isEqualTo(framed(records));
    }

    @Test
    void aCrashWhileTheFileIsPaddedLosesNoRecordAndLaterAppendsStayReadable(@TempDir Path dir) throws IOException {
        List<BackupRecord> records = records();
        BackupDirectory crashed = BackupDirectory.openForPlan(dir, PLAN, true);
        long committed = 0;
        for (int i = 0; i < 4; i++) {
            committed = crashed.append(records.get(i));
            if (i < 2) { // the header records the first two batches; the crash comes before it records the others
                crashed.writeHeader(crashed.header().backedUp(records.get(i).nextCursor(), 1, committed));
            }
        }
        // no close(): the process died; with direct I/O zeros pad the file past the last record
        long onDisk = Files.size(dir.resolve(BackupDirectory.DATA));
        assertThat(onDisk).isGreaterThanOrEqualTo(committed);
        if (crashed.writesDirectly()) {
            assertThat(onDisk).isGreaterThan(committed); // 4 records of these sizes never end on a block boundary
        }

        try (BackupDirectory resumed = BackupDirectory.openForPlan(dir, PLAN, true)) {
            assertThat(resumed.header().batchesBackedUp()).isEqualTo(4);
            assertThat(resumed.header().dataLength()).isEqualTo(committed);
            for (int i = 4; i < records.size(); i++) {
                resumed.append(records.get(i));
            }
            assertThat(resumed.header().pendingCursor()).isEqualTo("c4");
        }
        assertThat(Files.readAllBytes(dir.resolve(BackupDirectory.DATA))).isEqualTo(framed(records));
        try (BackupDirectory forRollback = BackupDirectory.openExisting(dir)) {
            List<Long> batches = new ArrayList<>();
            forRollback.forEachRecord(0, r -> batches.add(r.batch()));
            assertThat(batches).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        }
        crashed.close();
    }

    @Test
    void zeroPaddingIsNotMistakenForARecord(@TempDir Path dir) throws IOException {
        try (BackupDirectory backup = BackupDirectory.openForPlan(dir, PLAN, false)) {
            backup.append(record(1, 10));
        }
        long intact = Files.size(dir.resolve(BackupDirectory.DATA));
        byte[] zeros = new byte[4096];
        Arrays.fill(zeros, (byte) 0);
        Files.write(dir.resolve(BackupDirectory.DATA), zeros, java.nio.file.StandardOpenOption.APPEND);

        try (BackupDirectory reopened = BackupDirectory.openForPlan(dir, PLAN, false)) {
            assertThat(reopened.header().batchesBackedUp()).isEqualTo(1);
            assertThat(Files.size(dir.resolve(BackupDirectory.DATA))).isEqualTo(intact);
        }
    }
}
