package dev.slipway.internal.rewrite;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The originals of one batch: for every document that the batch changes, its key and the original value of every
 * field the rewrite touches ({@code null} when the field was absent). Binary, length-prefixed, so vectors cost their
 * raw size.
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
     * @param fields field (hash field or JSONPath) and original value (raw bytes; JSON text for JSON); a null value
     *               means the field was absent
     */
    public record DocumentOriginal(byte[] key, List<FieldOriginal> fields) {
        /** Copies the list. */
        public DocumentOriginal {
            fields = List.copyOf(fields);
        }
    }

    /**
     * One field's original value.
     *
     * @param name  field name or JSONPath
     * @param value original bytes; null when the field did not exist
     */
    public record FieldOriginal(String name, byte[] value) {
    }

    /** Serialises the record's payload. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(estimateSize());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(batch);
            out.writeUTF(nextCursor);
            out.writeInt(documents.size());
            for (DocumentOriginal document : documents) {
                writeBytes(out, document.key());
                out.writeInt(document.fields().size());
                for (FieldOriginal field : document.fields()) {
                    out.writeUTF(field.name());
                    out.writeBoolean(field.value() != null);
                    if (field.value() != null) {
                        writeBytes(out, field.value());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private int estimateSize() {
        int size = 16;
        for (DocumentOriginal document : documents) {
            size += document.key().length + 8;
            for (FieldOriginal field : document.fields()) {
                size += field.name().length() + 8 + (field.value() == null ? 0 : field.value().length);
            }
        }
        return size;
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
                for (int f = 0; f < fieldCount; f++) {
                    String name = in.readUTF();
                    fields.add(new FieldOriginal(name, in.readBoolean() ? readBytes(in) : null));
                }
                documents.add(new DocumentOriginal(key, fields));
            }
            return new BackupRecord(batch, nextCursor, documents);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
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
