package dev.slipway.internal.vector;

/**
 * What a vector converted to a narrower type frees in Redis, modelled on how the server keeps it (Redis 7.x with
 * jemalloc, Search 2.x). Checked against {@code used_memory} before and after a migration in
 * {@code MemorySavedIT}; the model leaves out allocator fragmentation, so it errs low (by 6-8% when measured).
 *
 * <ul>
 *   <li>In a HASH document, a value longer than {@value #LISTPACK_VALUE_LIMIT} bytes (the default
 *       {@code hash-max-listpack-value}) makes the hash keep each value as a string of its own: a small header, the
 *       bytes and a terminating zero, in one allocation rounded up to a jemalloc size class. A 768-dim FLOAT32 vector
 *       takes 3,584 bytes that way and its FLOAT16 form 1,792, not 3,072 and 1,536. A shorter vector lives inside
 *       the hash's listpack, where it frees its own bytes.</li>
 *   <li>The vector index keeps its own copy of every vector (FLAT and HNSW alike), at the index's width: it frees
 *       {@code dims} times the difference of the widths per vector.</li>
 * </ul>
 */
public final class VectorMemory {
    /** The default {@code hash-max-listpack-value}. */
    public static final int LISTPACK_VALUE_LIMIT = 64;
    /**
     * What a small hash takes beyond its values once a value longer than {@value #LISTPACK_VALUE_LIMIT} bytes turns
     * its listpack into a hash table (the table, an entry and a name string per field). Measured with
     * {@code MEMORY USAGE} on Redis 7.4 for a hash of a short text and a vector going from 64 to 128 bytes: 144 to
     * 368 bytes, 224 more, of which 64 the vector's; rounded up for hashes of a few more fields (tester session 31
     * R11 H1: the estimate counted the 64 and 40,000 documents at dims 32 were evicted).
     */
    public static final int HASH_TABLE_CONVERSION = 256;
    /**
     * What each field beyond the two {@link #HASH_TABLE_CONVERSION} allows for adds when a listpack turns into a hash
     * table (its entry, its name and value as strings of their own, a bucket; less its bytes in the listpack).
     * Measured with {@code MEMORY USAGE}: 45 bytes a field for 40 fields of a 2-3 byte name and value
     * ({@code MemorySavedIT}), 38 by a tester (session 33 R14 M2, 20,000 hashes of 24-dim vectors and 10 or 40 short
     * fields more, where the flat charge alone was 4.6 times short at 40): an entry (24 bytes), two small strings (8
     * each) and a share of the buckets, less the field's bytes in the listpack. Rounded up.
     */
    public static final int FIELD_CONVERSION = 48;

    /**
     * How much more than the bytes it gains a listpack grows by: it is one allocation, in jemalloc's size classes a
     * quarter apart, so it lands up to a quarter above its need. Measured 1.25-1.28 times with hash-max-listpack-value
     * 4096 and 32 to 1,024-dim vectors widened in their listpacks (tester session 32 R13 L2: the bytes alone were 22%
     * short).
     */
    public static final double LISTPACK_GROWTH = 1.3;

    private VectorMemory() {
    }

    /**
     * Bytes a HASH document frees when one of its values goes from {@code from} to {@code to} bytes (negative when
     * it grows).
     */
    public static long documentSaving(int from, int to) {
        return documentSaving(from, to, LISTPACK_VALUE_LIMIT);
    }

    /**
     * As above, on a server whose {@code hash-max-listpack-value} is {@code listpackLimit} (some set it lower or
     * higher than the default {@value #LISTPACK_VALUE_LIMIT}, and a limit of 16 turns a hash whose 8-dim FLOAT16 vector
     * widens into a hash table, which the default's model took for 16 bytes).
     */
    public static long documentSaving(int from, int to, int listpackLimit) {
        return listpackSaving(from, to, listpackLimit, 2);
    }

    /** As above, for a listpack of {@code fields} fields (two or fewer cost {@link #HASH_TABLE_CONVERSION}). */
    private static long listpackSaving(int from, int to, int listpackLimit, double fields) {
        if (from <= listpackLimit && to > listpackLimit) { // the hash becomes a hash table
            return from - allocation(stringSize(to)) - HASH_TABLE_CONVERSION
                    - Math.round(FIELD_CONVERSION * Math.max(0, fields - 2));
        }
        if (from <= listpackLimit) {
            return to <= from ? (long) from - to : -(long) Math.ceil((to - from) * LISTPACK_GROWTH);
        }
        // a hash that once held a long value stays a hash table when the value shrinks
        return allocation(stringSize(from)) - allocation(stringSize(to));
    }

    /**
     * As above, for documents of which a share {@code listpackShare} (0 to 1) is kept as a listpack: the others are
     * hash tables already (a long value once, or many fields), whose values are strings of their own and which
     * outgrow nothing (tester session 32 R13 L1: hash tables charged the conversion, the growth estimated 17 times
     * too high, and apply refused for want of memory).
     */
    public static long documentSaving(int from, int to, int listpackLimit, double listpackShare) {
        return documentSaving(from, to, new HashShape(listpackLimit, listpackShare, 2));
    }

    /**
     * How the server keeps a rewrite's HASH documents.
     *
     * @param listpackLimit  its {@code hash-max-listpack-value}
     * @param listpackShare  the share of the documents kept as a listpack (0 to 1)
     * @param listpackFields the fields such a listpack holds on average (2 when not known)
     */
    public record HashShape(int listpackLimit, double listpackShare, double listpackFields) {
        /** The server's defaults, every document a listpack of two fields. */
        public static final HashShape DEFAULT = new HashShape(LISTPACK_VALUE_LIMIT, 1, 2);
    }

    /** As above, for documents of that shape. */
    public static long documentSaving(int from, int to, HashShape shape) {
        long table = allocation(stringSize(from)) - allocation(stringSize(to));
        return Math.round(shape.listpackShare() * listpackSaving(from, to, shape.listpackLimit(),
                shape.listpackFields()) + (1 - shape.listpackShare()) * table);
    }

    /** Bytes the vector index frees per vector when its element width changes (negative when it grows). */
    public static long indexSaving(int dims, int fromWidth, int toWidth) {
        return (long) dims * (fromWidth - toWidth);
    }

    /** A Redis string of {@code length} bytes: the header its length needs, the bytes, a terminating zero. */
    public static long stringSize(long length) {
        int header = length < (1 << 8) ? 3 : length < (1 << 16) ? 5 : 9;
        return header + length + 1;
    }

    /**
     * jemalloc's size class for a request: multiples of 8 up to 128, then four classes per doubling (160, 192, 224,
     * 256, 320, ...), which is how its small and large classes are spaced.
     */
    public static long allocation(long size) {
        if (size <= 0) {
            return 0;
        }
        if (size <= 128) {
            return (size + 7) & ~7L;
        }
        int lg = 63 - Long.numberOfLeadingZeros(size - 1); // the power of two below the size
        long spacing = 1L << (lg - 2);
        return (size + spacing - 1) / spacing * spacing;
    }

    /** Bytes per element of a vector datatype by its name (4 for a name this does not know). */
    public static int width(String datatype) {
        return switch (datatype.toLowerCase(java.util.Locale.ROOT)) {
            case "float64" -> 8;
            case "float16", "bfloat16" -> 2;
            case "int8", "uint8" -> 1;
            default -> 4;
        };
    }
}
