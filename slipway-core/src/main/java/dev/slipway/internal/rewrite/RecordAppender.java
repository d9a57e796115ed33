package dev.slipway.internal.rewrite;

import com.sun.nio.file.ExtendedOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * Writes framed records ({@code [int length][payload][int CRC-32]}) at the logical end of the backup's data file and
 * forces each one to disk before returning.
 *
 * <p>Where the file system allows it the file is written with {@code O_DIRECT}: a rewrite backs up every original
 * byte (600 MB for 200,000 vectors of 768 floats), and going through the page cache costs a copy into freshly
 * allocated cache pages per byte, which measured 20 times the CPU of a direct write on the benchmark machine, CPU
 * the migration's other stages and the Redis server need; it also leaves the backup out of the cache of a host whose
 * memory belongs to Redis. Direct writes must cover whole aligned blocks, so each append rewrites the last partial
 * block (the bytes of earlier records in it unchanged, as page-cache writeback would) and pads the final block with
 * zeros. The file is therefore longer than its logical end while records are appended; {@link #close()} callers cut
 * it back, and a reader stops at the first record that is not intact, which a zero length is not.
 *
 * <p>When the file system refuses direct I/O (tmpfs, some network file systems) the appender falls back to ordinary
 * positioned writes, with the same guarantees.
 */
final class RecordAppender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecordAppender.class);
    private static final int MAX_BLOCK = 1 << 16;

    private final Path file;
    private FileChannel channel;
    /** Direct I/O block size; 0 when writing through the page cache. */
    private int block;
    private ByteBuffer buffer;
    /** The bytes between the last block boundary and the logical end (direct I/O only). */
    private byte[] tail = new byte[0];
    private long end;
    private boolean written;

    private RecordAppender(Path file, FileChannel channel, int block, long end) {
        this.file = file;
        this.channel = channel;
        this.block = block;
        this.end = end;
    }

    /**
     * Opens the data file for appending at {@code end}, the length of its intact records.
     *
     * @param direct whether to try direct I/O at all (tests pass false to cover the fallback)
     */
    static RecordAppender open(Path file, long end, boolean direct) throws IOException {
        int block = direct ? directBlockSize(file) : 0;
        if (block > 0) {
            try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
                RecordAppender appender = new RecordAppender(file, channel, block, end);
                appender.loadTail();
                return appender;
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("Direct I/O refused for {} ({}); writing through the page cache", file, e.toString());
            }
        }
        return new RecordAppender(file, FileChannel.open(file, StandardOpenOption.WRITE), 0, end);
    }

    private static int directBlockSize(Path file) {
        try {
            long size = Files.getFileStore(file).getBlockSize();
            return size > 0 && size <= MAX_BLOCK && Long.bitCount(size) == 1 ? (int) size : 0;
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    /** Reads the partial last block, which the next direct write covers again. */
    private void loadTail() throws IOException {
        int length = (int) (end % block);
        tail = new byte[length];
        try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer into = ByteBuffer.wrap(tail);
            long at = end - length;
            while (into.hasRemaining()) {
                if (reader.read(into, at + into.position()) < 0) {
                    throw new IOException("the data file is shorter than its intact records (" + end + " bytes)");
                }
            }
        }
    }

    /** Whether writes bypass the page cache. */
    boolean direct() {
        return block > 0;
    }

    /** The logical end: the length of every record appended so far. */
    long end() {
        return end;
    }

    /** Appends one framed record and forces it to disk; returns the new logical end. */
    long append(BackupRecord record) throws IOException {
        int length = record.encodedSize();
        if (block > 0) {
            try {
                appendDirect(record, length);
                return end;
            } catch (IOException e) {
                if (written) {
                    throw e;
                }
                // the first direct write was refused (alignment rules stricter than the block size): nothing was
                // written; go through the page cache from now on
                LOG.debug("Direct write refused for {} ({}); writing through the page cache", file, e.toString());
                channel.close();
                channel = FileChannel.open(file, StandardOpenOption.WRITE);
                block = 0;
            }
        }
        ByteBuffer frame = buffer(length + 8, 1);
        frame(frame, record, length);
        frame.flip();
        writeFully(frame, end);
        channel.force(false);
        end += length + 8L;
        written = true;
        return end;
    }

    private void appendDirect(BackupRecord record, int length) throws IOException {
        long newEnd = end + length + 8L;
        long start = end - tail.length;
        int used = tail.length + length + 8;
        int padded = (int) ((used + (long) block - 1) / block * block);
        ByteBuffer frame = buffer(padded, block);
        frame.put(tail);
        frame(frame, record, length);
        while (frame.position() < padded) {
            frame.put((byte) 0);
        }
        frame.flip();
        writeFully(frame, start);
        channel.force(false);
        byte[] newTail = new byte[(int) (newEnd % block)];
        frame.get(used - newTail.length, newTail);
        tail = newTail;
        end = newEnd;
        written = true;
    }

    /** Puts {@code [length][payload][crc]} at the buffer's position. */
    private static void frame(ByteBuffer frame, BackupRecord record, int length) {
        int payloadStart = frame.position() + 4;
        frame.putInt(length);
        record.encodeInto(frame);
        CRC32 crc = new CRC32();
        crc.update(frame.duplicate().position(payloadStart).limit(payloadStart + length));
        frame.putInt((int) crc.getValue());
    }

    private void writeFully(ByteBuffer frame, long position) throws IOException {
        long at = position;
        while (frame.hasRemaining()) {
            at += channel.write(frame, at);
        }
    }

    /** The reused buffer, cleared, with room for {@code bytes}, aligned to {@code alignment}. */
    private ByteBuffer buffer(int bytes, int alignment) {
        if (buffer == null || buffer.capacity() < bytes) {
            int capacity = Math.max(bytes, 64 * 1024);
            buffer = ByteBuffer.allocateDirect(capacity + alignment).alignedSlice(Math.max(alignment, 1));
        }
        return buffer.clear().limit(bytes);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
