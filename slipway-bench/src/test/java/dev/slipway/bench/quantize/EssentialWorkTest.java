package dev.slipway.bench.quantize;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

class EssentialWorkTest {

    @TempDir
    Path dir;

    @Test
    void eachBatchIsOneIntactRecordOnABlockBoundary() throws IOException {
        List<byte[]> keys = List.of(bytes("doc:1"), bytes("doc:22"));
        List<byte[]> values = Arrays.asList(new byte[]{1, 2, 3, 4}, null);
        try (EssentialWork work = EssentialWork.open(dir)) {
            work.backUp(keys, values);
            long first = work.bytesWritten();
            work.backUp(List.of(bytes("doc:3")), List.of(new byte[]{9, 9}));
            assertThat(work.records()).isEqualTo(2);
            assertThat(work.bytesWritten()).isGreaterThan(first);

            ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("originals.bin")));
            assertThat((long) file.remaining()).isEqualTo(work.bytesWritten());
            assertThat(readRecord(file, 0)).containsExactly("doc:1=[1, 2, 3, 4]", "doc:22=null");
            assertThat(readRecord(file, (int) first)).containsExactly("doc:3=[9, 9]");
        }
    }

    /** The documents of the record at {@code at} as key=value, after checking its CRC-32. */
    private static List<String> readRecord(ByteBuffer file, int at) {
        ByteBuffer record = file.duplicate().order(ByteOrder.BIG_ENDIAN).position(at);
        int count = record.getInt();
        List<String> documents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[record.getInt()];
            record.get(key);
            int length = record.getInt();
            byte[] value = length < 0 ? null : new byte[length];
            if (value != null) {
                record.get(value);
            }
            documents.add(new String(key, StandardCharsets.UTF_8) + "=" + Arrays.toString(value));
        }
        CRC32 crc = new CRC32();
        crc.update(file.duplicate().position(at).limit(record.position()));
        assertThat(record.getInt()).as("the record's CRC-32").isEqualTo((int) crc.getValue());
        return documents;
    }

    @Test
    void convertsAsTheIndependentReferenceRounds() {
        SplittableRandom random = new SplittableRandom(7);
        int dims = 768;
        ByteBuffer original = ByteBuffer.allocate(dims * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < dims; i++) {
            original.putFloat((float) (random.nextGaussian() * Math.pow(10, random.nextInt(-8, 6))));
        }
        byte[] half = new byte[dims * 2];
        EssentialWork.toFloat16(original.array(), half);
        ByteBuffer converted = ByteBuffer.wrap(half).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < dims; i++) {
            assertThat(converted.getShort(2 * i)).as("element %d", i)
                    .isEqualTo(HalfPrecision.fromFloat(original.getFloat(4 * i)));
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
