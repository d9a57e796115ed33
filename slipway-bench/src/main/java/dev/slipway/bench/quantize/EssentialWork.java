package dev.slipway.bench.quantize;

import com.sun.nio.file.ExtendedOpenOption;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The work every safe float32 to float16 migration does besides moving the bytes, done as plainly as possible, for
 * the {@code essential} moves of {@link RawCeiling}: before a batch's writes, its original values are saved (one
 * record per batch with a CRC-32, written with direct I/O where the file system allows it, and forced to disk),
 * and each vector is converted with Slipway's own converter as it is sent. No planning, no reply checks, no
 * progress, no resumable format: what is left between Slipway and these moves is the migrator's own overhead.
 *
 * <p>Each record starts at a block boundary (the padding of the last block is zeros), unlike Slipway's backup,
 * which packs its records and rewrites the last partial block: the bytes written per batch differ by less than a
 * block.
 */
final class EssentialWork implements AutoCloseable {
    private static final int MAX_BLOCK = 1 << 16;

    private final FileChannel channel;
    /** Direct I/O block size; 1 when writing through the page cache. */
    private final int block;
    private ByteBuffer buffer;
    private long end;
    private long records;

    private EssentialWork(FileChannel channel, int block) {
        this.channel = channel;
        this.block = block;
        this.buffer = allocate(1 << 20);
    }

    /** Creates the backup file in {@code directory}, with direct I/O when the file system takes it. */
    static EssentialWork open(Path directory) {
        Path file = directory.resolve("originals.bin");
        try {
            Files.createFile(file);
            int block = blockSize(file);
            if (block > 1) {
                try {
                    return new EssentialWork(FileChannel.open(file, StandardOpenOption.WRITE,
                            ExtendedOpenOption.DIRECT), block);
                } catch (IOException | UnsupportedOperationException e) {
                    // the file system refuses direct I/O (tmpfs): through the page cache, as Slipway falls back
                }
            }
            return new EssentialWork(FileChannel.open(file, StandardOpenOption.WRITE), 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the essential moves' backup file " + file, e);
        }
    }

    private static int blockSize(Path file) {
        try {
            long size = Files.getFileStore(file).getBlockSize();
            return size > 1 && size <= MAX_BLOCK && Long.bitCount(size) == 1 ? (int) size : 1;
        } catch (IOException | UnsupportedOperationException e) {
            return 1;
        }
    }

    private ByteBuffer allocate(int capacity) {
        return ByteBuffer.allocateDirect(capacity + block).alignedSlice(block);
    }

    /**
     * Saves a batch's originals ({@code values.get(i)} of {@code keys.get(i)}, null for a document without the
     * field) and forces them to disk; returns when they are durable.
     */
    void backUp(List<byte[]> keys, List<byte[]> values) {
        int size = Integer.BYTES * 2;
        for (int i = 0; i < keys.size(); i++) {
            byte[] value = values.get(i);
            size += Integer.BYTES * 2 + keys.get(i).length + (value == null ? 0 : value.length);
        }
        int padded = (size + block - 1) / block * block;
        if (buffer.capacity() < padded) {
            buffer = allocate(padded);
        }
        buffer.clear();
        buffer.putInt(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = keys.get(i);
            byte[] value = values.get(i);
            buffer.putInt(key.length).put(key).putInt(value == null ? -1 : value.length);
            if (value != null) {
                buffer.put(value);
            }
        }
        CRC32 crc = new CRC32();
        crc.update(buffer.duplicate().flip());
        buffer.putInt((int) crc.getValue());
        while (buffer.position() < padded) {
            buffer.put((byte) 0);
        }
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                end += channel.write(buffer, end);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the essential moves' backup", e);
        }
        records++;
    }

    /** Batches saved so far. */
    long records() {
        return records;
    }

    /** Bytes written to the backup file so far. */
    long bytesWritten() {
        return end;
    }

    /**
     * Converts a float32 vector into {@code half} (of half its length, reused from document to document by the
     * sending thread), as Slipway's sending threads do.
     */
    static void toFloat16(byte[] original, byte[] half) {
        VectorCodec.convert(original, 0, VectorDataType.FLOAT32, half, 0, VectorDataType.FLOAT16,
                original.length / Float.BYTES, null);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // the scratch directory is deleted next anyway
        }
    }
}
