package dev.slipway.internal.rewrite;

import dev.slipway.internal.io.Digests;

import java.nio.ByteBuffer;

/**
 * The backed-up originals that a later record of the same backup supersedes. A pass of the rewrite after the first
 * (after conflicts, after writes seen, or to repair vectors an application wrote in the old datatype after the
 * rewrite) backs up again every document it finds in the old form: one the application wrote so after the first
 * pass had converted it, or one the first pass left as it was. The rollback restores records in order, so such a
 * document ends on its last original, and only that one tells whether the application changed the document since
 * the rewrite last touched it. The earlier ones would look changed (the application did change them, before the
 * rewrite converted them again) and would be counted as documents more than once.
 *
 * <p>Only the records after the first pass ({@link BackupHeader#firstPassBatches()}) can supersede others, so only
 * their keys are held, as 64-bit digests (SHA-256, truncated) with the last record each appears in: 23 to 45 bytes
 * per document backed up by a later pass (an open-addressing table at most three quarters full), nothing when there
 * was none. Two different keys share a digest with a
 * probability of about n·m / 2<sup>64</sup> (n documents, m of them in later passes: 5·10<sup>-7</sup> for ten
 * million and one million); it could only hide a change to the one of them in the earlier record from the
 * rollback's check for changed documents.
 */
public final class SupersededOriginals {
    private static final SupersededOriginals NONE = new SupersededOriginals(null, 0);
    private final LastRecords last;
    private final long count;

    private SupersededOriginals(LastRecords last, long count) {
        this.last = last;
        this.count = count;
    }

    /** Reads the backup's later records, then counts the originals they supersede (two reads of the data file). */
    public static SupersededOriginals find(BackupDirectory backup) {
        Long first = backup.header().firstPassBatches();
        if (first == null || first >= backup.header().batchesBackedUp()) {
            return NONE;
        }
        LastRecords last = new LastRecords();
        long[] index = {first};
        backup.forEachRecord(first, record -> {
            for (BackupRecord.DocumentOriginal document : record.documents()) {
                last.put(digest(document.key()), index[0]);
            }
            index[0]++;
        });
        long[] count = {0};
        long[] at = {0};
        backup.forEachRecord(0, record -> {
            for (BackupRecord.DocumentOriginal document : record.documents()) {
                if (last.get(digest(document.key())) > at[0]) {
                    count[0]++;
                }
            }
            at[0]++;
        });
        return new SupersededOriginals(last, count[0]);
    }

    /** Whether a later record backs up this document (named by its key before the rewrite) again. */
    public boolean superseded(long record, byte[] key) {
        return last != null && last.get(digest(key)) > record;
    }

    /** The originals in the backup that a later record supersedes. */
    public long count() {
        return count;
    }

    static long digest(byte[] key) {
        return ByteBuffer.wrap(Digests.sha256(key)).getLong();
    }

    /** An open-addressing map from digests to the last record index they were put with; -1 for absent. */
    static final class LastRecords {
        private long[] digests = new long[16];
        private long[] records = new long[16];
        private boolean[] used = new boolean[16];
        private int size;

        void put(long digest, long record) {
            if ((size + 1) * 4L > digests.length * 3L) {
                grow();
            }
            int slot = slot(digest, digests, used);
            if (!used[slot]) {
                used[slot] = true;
                digests[slot] = digest;
                size++;
                records[slot] = record;
            } else {
                records[slot] = Math.max(records[slot], record);
            }
        }

        long get(long digest) {
            int slot = slot(digest, digests, used);
            return used[slot] ? records[slot] : -1;
        }

        int size() {
            return size;
        }

        private static int slot(long digest, long[] digests, boolean[] used) {
            int mask = digests.length - 1;
            int slot = (int) (digest ^ (digest >>> 32)) & mask;
            while (used[slot] && digests[slot] != digest) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        private void grow() {
            long[] oldDigests = digests;
            long[] oldRecords = records;
            boolean[] oldUsed = used;
            digests = new long[oldDigests.length * 2];
            records = new long[oldDigests.length * 2];
            used = new boolean[oldDigests.length * 2];
            for (int i = 0; i < oldDigests.length; i++) {
                if (oldUsed[i]) {
                    int slot = slot(oldDigests[i], digests, used);
                    used[slot] = true;
                    digests[slot] = oldDigests[i];
                    records[slot] = oldRecords[i];
                }
            }
        }
    }
}
