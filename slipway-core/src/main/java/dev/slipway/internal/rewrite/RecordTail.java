package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The records a run appended to a backup after its header was last written (at most about a second of batches, the
 * header being replaced at most once a second), read back when the backup is opened again, and the line between a
 * write a crash cut short and a damaged file.
 */
final class RecordTail {
    /** Bytes of the records file mapped at a time while looking past a damaged record. */
    private static final long SEARCH_CHUNK = 1 << 24;

    private RecordTail() {
    }

    /**
     * The header with the complete records appended after it was last written counted in (their batches are backed
     * up, maybe not applied): the header itself when there are none. The caller cuts the file at its data length.
     *
     * @throws SlipwayException {@link ErrorCode#MALFORMED_INPUT} when an intact record follows one that is not
     */
    static BackupHeader recover(Path dir, BackupHeader header, long size) throws IOException {
        long offset = header.dataLength();
        String cursor = header.pendingCursor();
        long batches = header.batchesBackedUp();
        long documents = header.documentsBackedUp();
        try (InputStream raw = Files.newInputStream(dir.resolve(BackupDirectory.DATA));
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            in.skipNBytes(offset);
            while (offset + 8 <= size) {
                int length = in.readInt();
                if (length <= 0 || offset + 8 + length > size) {
                    break; // torn, or the zero padding of a direct write: no record has an empty payload
                }
                byte[] payload = new byte[length];
                in.readFully(payload);
                if (!BackupDirectory.crcMatches(payload, in.readInt())) {
                    break;
                }
                BackupRecord record = BackupRecord.decode(payload);
                offset += 8L + length;
                batches++;
                documents += record.documents().size();
                cursor = record.nextCursor();
            }
        } catch (EOFException e) {
            // a torn record: everything before it counts
        }
        refuseIfRecordsFollow(dir, offset, batches + 1, size);
        return offset == header.dataLength() ? header : header.recovered(cursor, batches, documents, offset);
    }

    /**
     * Whether what follows the last intact record is only a torn write: records are forced to disk one at a time,
     * before their batch is applied, so a crash can only cut the one being written, whose batch never ran, and only
     * zero padding may follow it. Anything else means the file was damaged, and cutting it off there would drop the
     * originals of documents already rewritten (tester session 28: apply and rollback both did so and exited 0).
     * <ul>
     *   <li>A record whose length fits the file but whose checksum fails is torn only when nothing but zeros follows
     *   it (a second bad record after it, say, shows it was complete once).</li>
     *   <li>A length that does not fit (damaged, or zeroed) hides where the next record starts, so records are looked
     *   for by their batch number (any after {@code nextBatch} that could fit, big-endian at the start of a
     *   payload), each confirmed by its length and CRC.</li>
     * </ul>
     *
     * @param bad       where the first record that is not intact starts
     * @param nextBatch the batch number that record would have
     */
    private static void refuseIfRecordsFollow(Path dir, long bad, long nextBatch, long size) throws IOException {
        if (bad + 8 >= size) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dir.resolve(BackupDirectory.DATA), StandardOpenOption.READ)) {
            ByteBuffer lengthBytes = ByteBuffer.allocate(4);
            channel.read(lengthBytes, bad);
            int length = lengthBytes.flip().getInt();
            if (length > 0 && bad + 8 + length <= size) {
                long end = bad + 8 + length;
                if (!zerosFrom(channel, end, size)) {
                    throw damaged(dir, bad, "more data follows it (from byte " + end + ")");
                }
                return;
            }
            // at least a length, a batch number, an empty cursor and a document count per record
            long most = nextBatch + (size - bad) / 22 + 1;
            long from = bad + 4; // the batch number of a record at 'bad' itself would be here
            long span = size - from;
            for (long chunk = 0; chunk < span; chunk += SEARCH_CHUNK) {
                long count = Math.min(span - chunk, SEARCH_CHUNK + 8);
                ByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY, from + chunk, count);
                for (int at = 0; at + 8 <= count && at < SEARCH_CHUNK; at++) {
                    long value = window.getLong(at);
                    if (value > nextBatch && value <= most && intactRecordAt(channel, from + chunk + at - 4, size)) {
                        throw damaged(dir, bad, "a complete record (batch " + value + ") follows it");
                    }
                }
            }
        }
    }

    private static SlipwayException damaged(Path dir, long bad, String evidence) {
        return new SlipwayException(ErrorCode.MALFORMED_INPUT, "The backup data in " + dir + " is damaged: the record "
                + "at byte " + bad + " of " + BackupDirectory.DATA + " is not intact, yet " + evidence + ", so it is "
                + "not a write cut short by a crash. Nothing was changed: the records after it hold the originals of "
                + "documents already rewritten. Keep " + dir + " as it is; if you have a copy of it (or of "
                + BackupDirectory.DATA + "), put it back and re-run the same command.");
    }

    /** Whether every byte from {@code from} to {@code size} is zero (the padding of a direct write). */
    private static boolean zerosFrom(FileChannel channel, long from, long size) throws IOException {
        for (long at = from; at < size; at += SEARCH_CHUNK) {
            ByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY, at, Math.min(SEARCH_CHUNK, size - at));
            while (window.hasRemaining()) {
                if (window.get() != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether a record whose length and CRC check out starts at {@code start}. */
    private static boolean intactRecordAt(FileChannel channel, long start, long size) throws IOException {
        ByteBuffer lengthBytes = ByteBuffer.allocate(4);
        channel.read(lengthBytes, start);
        int length = lengthBytes.flip().getInt();
        if (length <= 0 || start + 8 + length > size) {
            return false;
        }
        ByteBuffer frame = ByteBuffer.allocate(length + 4);
        while (frame.hasRemaining() && channel.read(frame, start + 4 + frame.position()) > 0) {
            // reads until the payload and its CRC are in
        }
        byte[] payload = new byte[length];
        frame.flip().get(payload);
        return BackupDirectory.crcMatches(payload, frame.getInt());
    }
}
