package dev.slipway.internal.rewrite;

import dev.slipway.internal.rewrite.BackupRecord.DocumentOriginal;
import dev.slipway.internal.rewrite.BackupRecord.FieldOriginal;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupRecordTest {

    private static byte[] allByteValues() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    /** Records hold byte arrays, whose equals is identity; compare them by content. */
    static void assertSameContent(BackupRecord actual, BackupRecord expected) {
        assertThat(actual.batch()).isEqualTo(expected.batch());
        assertThat(actual.documents()).hasSameSizeAs(expected.documents());
        for (int d = 0; d < expected.documents().size(); d++) {
            DocumentOriginal a = actual.documents().get(d);
            DocumentOriginal e = expected.documents().get(d);
            assertThat(a.key()).isEqualTo(e.key());
            assertThat(a.fieldsAtRead()).isEqualTo(e.fieldsAtRead());
            assertThat(a.fields()).hasSameSizeAs(e.fields());
            for (int f = 0; f < e.fields().size(); f++) {
                assertThat(a.fields().get(f).name()).isEqualTo(e.fields().get(f).name());
                if (e.fields().get(f).value() == null) {
                    assertThat(a.fields().get(f).value()).isNull();
                } else {
                    assertThat(a.fields().get(f).value()).isEqualTo(e.fields().get(f).value());
                }
                assertThat(a.fields().get(f).expiresAt()).isEqualTo(e.fields().get(f).expiresAt());
                assertThat(a.fields().get(f).cutShort()).isEqualTo(e.fields().get(f).cutShort());
            }
        }
    }

    @Test
    void roundTripKeepsBinaryKeysValuesAndAbsentFields() throws IOException {
        BackupRecord record = new BackupRecord(Long.MAX_VALUE, "42", List.of(
                new DocumentOriginal(allByteValues(), List.of(
                        new FieldOriginal("emb", allByteValues()),
                        new FieldOriginal("n\u00e4me \u4e2d", null),
                        new FieldOriginal("$.title", "\"t\"".getBytes()),
                        new FieldOriginal("empty", new byte[0]))),
                new DocumentOriginal("doc:2".getBytes(), List.of()),
                new DocumentOriginal(new byte[0], List.of(new FieldOriginal("", new byte[]{0})))));

        BackupRecord decoded = BackupRecord.decode(record.encode());

        assertSameContent(decoded, record);
        // absent and empty are different originals: one is HDEL on restore, the other HSET ""
        assertThat(decoded.documents().get(0).fields().get(1).value()).isNull();
        assertThat(decoded.documents().get(0).fields().get(3).value()).isNotNull().isEmpty();
    }

    /**
     * A hash field's own expiry goes with its value (presence flag 2, then the time); a record without one is
     * byte for byte what it was before expiries were kept, so older backups read as before.
     */
    @Test
    void fieldExpiriesRoundTripAndLeaveOtherRecordsAsTheyWere() throws IOException {
        BackupRecord record = new BackupRecord(3, "9", List.of(new DocumentOriginal("doc:1".getBytes(), List.of(
                new FieldOriginal("emb", new byte[]{1, 2}, 1_790_000_000_123L),
                new FieldOriginal("title", "t".getBytes()),
                new FieldOriginal("gone", null)))));
        BackupRecord plain = new BackupRecord(3, "9", List.of(new DocumentOriginal("doc:1".getBytes(), List.of(
                new FieldOriginal("title", "t".getBytes())))));

        byte[] encoded = record.encode();

        assertThat(encoded).hasSize(record.encodedSize());
        assertSameContent(BackupRecord.decode(encoded), record);
        // batch, cursor, count; key; field count; "title": name, flag 1, length, value
        assertThat(plain.encode()).hasSize(8 + 3 + 4 + 4 + 5 + 4 + 7 + 1 + 4 + 1);
        assertThat(plain.encode()[8 + 3 + 4 + 4 + 5 + 4 + 7]).isEqualTo((byte) 1);
    }

    /**
     * A move's new name recorded as cut short (flag 4, no value) reads back as such, apart from a plain absent field;
     * it cannot carry a value.
     */
    @Test
    void aCutShortFieldRoundTripsApartFromAnAbsentOne() throws IOException {
        BackupRecord record = new BackupRecord(5, "0", List.of(new DocumentOriginal("doc:1".getBytes(), List.of(
                new FieldOriginal("title", "t".getBytes()), FieldOriginal.cutShort("name"),
                new FieldOriginal("gone", null)), 3)));

        byte[] encoded = record.encode();

        assertThat(encoded).hasSize(record.encodedSize());
        BackupRecord decoded = BackupRecord.decode(encoded);
        assertSameContent(decoded, record);
        assertThat(decoded.documents().get(0).fields()).extracting(FieldOriginal::cutShort)
                .containsExactly(false, true, false);
        assertThat(decoded.documents().get(0).values()).containsEntry("name", null);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new FieldOriginal("name", new byte[]{1}, 0, true));
    }

    /**
     * A hash's field count at the read rides along as an entry with an empty name and the flag 3, which is not one of
     * the fields; a document without it is encoded as before, and a field of its own named "" stays a field.
     */
    @Test
    void theFieldCountAtTheReadRoundTripsApartFromTheFields() throws IOException {
        BackupRecord record = new BackupRecord(3, "9", List.of(
                new DocumentOriginal("doc:1".getBytes(), List.of(new FieldOriginal("emb", new byte[]{1, 2}),
                        new FieldOriginal("", "empty name".getBytes())), 4),
                new DocumentOriginal("doc:2".getBytes(), List.of(new FieldOriginal("emb", new byte[]{3})))));
        BackupRecord plain = new BackupRecord(3, "9", List.of(
                new DocumentOriginal("doc:2".getBytes(), List.of(new FieldOriginal("emb", new byte[]{3})))));

        byte[] encoded = record.encode();

        assertThat(encoded).hasSize(record.encodedSize());
        BackupRecord decoded = BackupRecord.decode(encoded);
        assertSameContent(decoded, record);
        assertThat(decoded.documents().get(0).fieldsAtRead()).isEqualTo(4);
        assertThat(decoded.documents().get(0).fields()).extracting(FieldOriginal::name).containsExactly("emb", "");
        assertThat(decoded.documents().get(1).fieldsAtRead()).isEqualTo(-1);
        // the count costs 11 bytes: an empty name's length, the flag, eight bytes
        assertThat(new BackupRecord(3, "9", List.of(record.documents().get(0))).encode())
                .hasSize(8 + 3 + 4 + 4 + 5 + 4 + 11 + (2 + 3 + 1 + 4 + 2) + (2 + 1 + 4 + 10));
        assertThat(plain.encode()).hasSize(8 + 3 + 4 + 4 + 5 + 4 + 2 + 3 + 1 + 4 + 1);
    }

    @Test
    void emptyRecordRoundTrips() throws IOException {
        BackupRecord empty = new BackupRecord(7, "42", List.of());

        BackupRecord decoded = BackupRecord.decode(empty.encode());

        assertThat(decoded.batch()).isEqualTo(7);
        assertThat(decoded.nextCursor()).isEqualTo("42");
        assertThat(decoded.documents()).isEmpty();
        assertThat(empty.encode()).hasSize(16); // batch number, cursor ("42" as modified UTF-8) and document count
    }

    @Test
    void largeValuesRoundTrip() throws IOException {
        byte[] big = new byte[3_000_000];
        Arrays.fill(big, (byte) 0x5a);
        big[big.length - 1] = 1;
        BackupRecord record = new BackupRecord(1, "42", List.of(new DocumentOriginal("k".getBytes(),
                List.of(new FieldOriginal("v", big)))));

        assertSameContent(BackupRecord.decode(record.encode()), record);
    }

    @Test
    void truncatedPayloadIsRejected() {
        byte[] payload = new BackupRecord(1, "42", List.of(new DocumentOriginal("doc:1".getBytes(),
                List.of(new FieldOriginal("f", "value".getBytes()))))).encode();

        for (int cut = 0; cut < payload.length; cut++) {
            byte[] truncated = Arrays.copyOf(payload, cut);
            assertThatThrownBy(() -> BackupRecord.decode(truncated)).as("cut at %d", cut)
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void negativeLengthIsRejected() {
        // batch 1, cursor "0" (length-prefixed modified UTF-8), one document whose key length is -5
        byte[] payload = ByteBuffer.allocate(19).putLong(1).putShort((short) 1).put((byte) '0').putInt(1).putInt(-5)
                .array();

        assertThatThrownBy(() -> BackupRecord.decode(payload)).isInstanceOf(IOException.class)
                .hasMessageContaining("bad length");
    }

    /** The layout the first releases wrote with DataOutputStream; backups written then must still read. */
    private static byte[] dataOutputLayout(BackupRecord record) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeLong(record.batch());
            out.writeUTF(record.nextCursor());
            out.writeInt(record.documents().size());
            for (DocumentOriginal document : record.documents()) {
                out.writeInt(document.key().length);
                out.write(document.key());
                out.writeInt(document.fields().size());
                for (FieldOriginal field : document.fields()) {
                    out.writeUTF(field.name());
                    out.writeBoolean(field.value() != null);
                    if (field.value() != null) {
                        out.writeInt(field.value().length);
                        out.write(field.value());
                    }
                }
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void encodingIsByteForByteTheDataOutputLayoutAtAnyBufferPosition() throws IOException {
        // NUL, two- and three-byte characters and a surrogate pair: the cases where modified UTF-8 differs
        BackupRecord record = new BackupRecord(3, "18446744073709551615", List.of(
                new DocumentOriginal(allByteValues(), List.of(
                        new FieldOriginal("a\u0000b", allByteValues()),
                        new FieldOriginal("n\u00e4me \u4e2d \ud83d\ude00", null),
                        new FieldOriginal("\u07ff\u0800\uffff", new byte[0]))),
                new DocumentOriginal("doc:2".getBytes(), List.of())));
        byte[] expected = dataOutputLayout(record);

        assertThat(record.encodedSize()).isEqualTo(expected.length);
        assertThat(record.encode()).isEqualTo(expected);
        ByteBuffer direct = ByteBuffer.allocateDirect(expected.length + 10);
        direct.position(7);
        record.encodeInto(direct);
        assertThat(direct.position()).isEqualTo(7 + expected.length);
        byte[] written = new byte[expected.length];
        direct.position(7);
        direct.get(written);
        assertThat(written).isEqualTo(expected);
        assertSameContent(BackupRecord.decode(written), record);
    }
}
