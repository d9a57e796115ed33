package dev.slipway.internal.rewrite;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The originals of one batch: for every document that the batch changes, its key and the original value of every
 * field the rewrite touches ({@code null} when the field was absent), with a hash field's own expiry when it had
 * one. Binary, length-prefixed, so vectors cost their raw size. A field's presence flag is 0 (absent), 1 (a value)
 * or 2 (a value, then its expiry as eight bytes), or 4 (absent, taken so: the field a move of this migration writes,
 * found holding the moved value in a later pass, see {@link FieldOriginal#cutShort}); a record without expiries is
 * as it was before they were kept. A
 * hash document's field count at the read, when kept, comes first among its fields as an entry with an empty name,
 * the flag 3 and the count as eight bytes; it is not one of {@link DocumentOriginal#fields}.
 *
 * @param batch      batch number, from 1
 * @param nextCursor the SCAN cursor after this batch's page, so that a run resumed from the data file alone knows
 *                   where to continue ({@code "0"} for the last page)
 * @param documents  the documents
 */
public record BackupRecord(long batch, String nextCursor, List<DocumentOriginal> documents) {

    /** Copies the list. */
    public BackupRecord {
        documents = List.copyOf(documents);
    }

    /**
     * One document's originals.
     *
     * @param key    the key before the rewrite
     * @param fields       field (hash field or JSONPath) and original value (raw bytes; JSON text for JSON); a null
     *                     value means the field was absent
     * @param fieldsAtRead how many fields the hash had when the rewrite read it ({@code HLEN}), kept when the rewrite
     *                     may create a field: by it, a resumed run tells what its killed predecessor's writes brought
     *                     back of a vanished document ({@link VanishedDocuments#partialsLeftBehind}); -1 when not
     *                     kept (JSON, a rewrite that only moves keys, a backup from before it was kept)
     */
    public record DocumentOriginal(byte[] key, List<FieldOriginal> fields, long fieldsAtRead) {
        /** Copies the list. */
        public DocumentOriginal {
            fields = List.copyOf(fields);
        }

        /** Without the field count. */
        public DocumentOriginal(byte[] key, List<FieldOriginal> fields) {
            this(key, fields, -1);
        }

        /** Each field's original value by name, in the record's order (null: the field did not exist). */
        public Map<String, byte[]> values() {
            Map<String, byte[]> values = new LinkedHashMap<>();
            fields.forEach(field -> values.put(field.name(), field.value()));
            return Collections.unmodifiableMap(values);
        }
    }

    /**
     * One field's original value.
     *
     * @param name      field name or JSONPath
     * @param value     original bytes; null when the field did not exist
     * @param expiresAt when a hash field with an expiry of its own ({@code HPEXPIRE}, Redis 7.4) expires, in Unix
     *                  milliseconds; 0 when it has none (or was not read: the database had no field expiries)
     * @param cutShort  whether the field is recorded as absent although it held a value: a move's new name, found in
     *                  a later pass holding the moved value beside the old name, is taken for this migration's own
     *                  move cut short by a server restart, so its value is not an original. A rollback leaves such a
     *                  field as the document's earlier records restored it: deleted when the first record says it
     *                  was absent, written back when the document held both names before the migration (tester
     *                  session 51 R44 T1 H2 and the case left then); the value is null
     */
    public record FieldOriginal(String name, byte[] value, long expiresAt, boolean cutShort) {
        /** A cut-short field has no value. */
        public FieldOriginal {
            if (cutShort && value != null) {
                throw new IllegalArgumentException("a field recorded as cut short has no value: " + name);
            }
        }

        /** A field without an expiry of its own. */
        public FieldOriginal(String name, byte[] value) {
            this(name, value, 0);
        }

        /** A field as it was read. */
        public FieldOriginal(String name, byte[] value, long expiresAt) {
            this(name, value, expiresAt, false);
        }

        /** A move's new name recorded as absent, as its first record has it ({@link #cutShort}). */
        public static FieldOriginal cutShort(String name) {
            return new FieldOriginal(name, null, 0, true);
        }
    }

    /** The presence flag of a field that had a value and an expiry: the flag is followed by the value and the time. */
    private static final byte PRESENT_EXPIRING = 2;
    /** The flag of the entry that holds a document's field count at the read (followed by it, as eight bytes). */
    private static final byte FIELD_COUNT = 3;
    /** The presence flag of a field recorded as absent although it held a value ({@link FieldOriginal#cutShort}). */
    private static final byte CUT_SHORT = 4;
    /** The bytes that entry takes: an empty name's length, the flag, the count. */
    private static final int FIELD_COUNT_SIZE = 2 + 1 + 8;

    /** Serialises the record's payload. */
    public byte[] encode() {
        ByteBuffer buffer = ByteBuffer.allocate(encodedSize());
        encodeInto(buffer);
        return buffer.array();
    }

    /** The exact length of the payload {@link #encode()} returns. */
    public int encodedSize() {
        long size = 8 + 2 + modifiedUtf8Length(nextCursor) + 4;
        for (DocumentOriginal document : documents) {
            size += 4 + document.key().length + 4 + (document.fieldsAtRead() >= 0 ? FIELD_COUNT_SIZE : 0);
            for (FieldOriginal field : document.fields()) {
                size += 2 + modifiedUtf8Length(field.name()) + 1 + (field.value() == null ? 0 : 4
                        + field.value().length + (field.expiresAt() > 0 ? 8 : 0));
            }
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a backup record of " + size + " bytes is too large; use a smaller "
                    + "--batch-size");
        }
        return (int) size;
    }

    /**
     * Writes the payload at the buffer's position (big-endian, the layout {@link #decode} reads: what
     * {@link java.io.DataOutputStream} would write), copying every value once. The buffer must have
     * {@link #encodedSize()} bytes remaining.
     */
    public void encodeInto(ByteBuffer out) {
        out.order(ByteOrder.BIG_ENDIAN);
        out.putLong(batch);
        putUtf(out, nextCursor);
        out.putInt(documents.size());
        for (DocumentOriginal document : documents) {
            out.putInt(document.key().length).put(document.key());
            boolean counted = document.fieldsAtRead() >= 0;
            out.putInt(document.fields().size() + (counted ? 1 : 0));
            if (counted) {
                out.putShort((short) 0).put(FIELD_COUNT).putLong(document.fieldsAtRead());
            }
            for (FieldOriginal field : document.fields()) {
                putUtf(out, field.name());
                boolean expiring = field.value() != null && field.expiresAt() > 0;
                out.put((byte) (field.cutShort() ? CUT_SHORT : field.value() == null ? 0
                        : expiring ? PRESENT_EXPIRING : 1));
                if (field.value() != null) {
                    out.putInt(field.value().length).put(field.value());
                }
                if (expiring) {
                    out.putLong(field.expiresAt());
                }
            }
        }
    }

    /** {@link java.io.DataOutput#writeUTF}'s encoding: a two-byte length, then modified UTF-8. */
    private static void putUtf(ByteBuffer out, String text) {
        int length = modifiedUtf8Length(text);
        if (length > 0xffff) {
            throw new IllegalArgumentException("a name of " + length + " bytes is too long for a backup record");
        }
        out.putShort((short) length);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x0001 && c <= 0x007f) {
                out.put((byte) c);
            } else if (c <= 0x07ff) {
                out.put((byte) (0xc0 | (c >> 6))).put((byte) (0x80 | (c & 0x3f)));
            } else {
                out.put((byte) (0xe0 | (c >> 12))).put((byte) (0x80 | ((c >> 6) & 0x3f)))
                        .put((byte) (0x80 | (c & 0x3f)));
            }
        }
    }

    private static int modifiedUtf8Length(String text) {
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            length += c >= 0x0001 && c <= 0x007f ? 1 : c <= 0x07ff ? 2 : 3;
        }
        return length;
    }

    /**
     * Parses a payload written by {@link #encode()}.
     *
     * @throws IOException when the payload is malformed
     */
    public static BackupRecord decode(byte[] payload) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            long batch = in.readLong();
            String nextCursor = in.readUTF();
            int count = in.readInt();
            List<DocumentOriginal> documents = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] key = readBytes(in);
                int fieldCount = in.readInt();
                List<FieldOriginal> fields = new ArrayList<>(fieldCount);
                long fieldsAtRead = -1;
                for (int f = 0; f < fieldCount; f++) {
                    String name = in.readUTF();
                    byte present = in.readByte();
                    if (present == FIELD_COUNT && f == 0 && name.isEmpty()) {
                        fieldsAtRead = in.readLong();
                        continue;
                    }
                    if (present == CUT_SHORT) {
                        fields.add(FieldOriginal.cutShort(name));
                        continue;
                    }
                    if (present < 0 || present > PRESENT_EXPIRING) {
                        throw new IOException("bad presence flag " + present);
                    }
                    byte[] value = present == 0 ? null : readBytes(in);
                    fields.add(new FieldOriginal(name, value, present == PRESENT_EXPIRING ? in.readLong() : 0));
                }
                documents.add(new DocumentOriginal(key, fields, fieldsAtRead));
            }
            return new BackupRecord(batch, nextCursor, documents);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 512 * 1024 * 1024) {
            throw new IOException("bad length " + length);
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }
}
