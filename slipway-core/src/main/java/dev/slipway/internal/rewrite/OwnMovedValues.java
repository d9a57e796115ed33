package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec.FieldMove;
import dev.slipway.internal.io.Digests;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The values this migration moved into the new names of some documents, taken from its backup: a document whose new
 * name holds one of them, and whose old name holds another value, is this migration's own move followed by an
 * application write of the old form, not data in the way. Before, every re-run refused it as a conflict, and a
 * drop-recreate's index stayed dropped until someone edited the document by hand (tester session 53 R47 T2 F1: one
 * HSET of the old field during a rename).
 *
 * <p>Built for the keys a pass found so (at most {@value #MAX_KEYS}), by one read of the backup's records: for each
 * record of such a key whose original held the old name, the digest (SHA-256) of the value the rewrite wrote under
 * the new one ({@link DocumentRewriter#rewritten}). A document the migration never backed up has no such record, so
 * data that was there before the migration stays a conflict; so does a new name the application wrote itself.
 */
final class OwnMovedValues {
    /** How many documents a pass resolves so at the most; the others stay conflicts for a re-run. */
    static final int MAX_KEYS = 100_000;
    static final OwnMovedValues NONE = new OwnMovedValues(Map.of());

    private final Map<ByteBuffer, Set<ByteBuffer>> digests;

    private OwnMovedValues(Map<ByteBuffer, Set<ByteBuffer>> digests) {
        this.digests = digests;
    }

    /** Reads the backup's records for {@code keys}. */
    static OwnMovedValues find(BackupDirectory backup, DocumentRewriter rewriter, List<FieldMove> moves,
                               List<byte[]> keys) {
        Set<ByteBuffer> wanted = new HashSet<>();
        keys.forEach(key -> wanted.add(ByteBuffer.wrap(key)));
        Map<ByteBuffer, Set<ByteBuffer>> found = new HashMap<>();
        backup.forEachRecord(0, record -> {
            for (BackupRecord.DocumentOriginal original : record.documents()) {
                ByteBuffer key = ByteBuffer.wrap(original.key());
                if (!wanted.contains(key)) {
                    continue;
                }
                Map<String, byte[]> before = original.values();
                Map<String, byte[]> written = rewriter.rewritten(original);
                for (FieldMove move : moves) {
                    byte[] value = written.get(move.to());
                    if (before.get(move.from()) != null && value != null) {
                        found.computeIfAbsent(key, k -> new HashSet<>()).add(digest(move.to(), value));
                    }
                }
            }
        });
        return new OwnMovedValues(found);
    }

    /** How many documents have a value of this migration's. */
    int documents() {
        return digests.size();
    }

    /** Whether {@code value} under {@code field} of {@code key} is a value this migration moved there. */
    boolean holds(byte[] key, String field, byte[] value) {
        Set<ByteBuffer> values = digests.get(ByteBuffer.wrap(key));
        return values != null && values.contains(digest(field, value));
    }

    private static ByteBuffer digest(String field, byte[] value) {
        return ByteBuffer.wrap(Digests.sha256(field.getBytes(StandardCharsets.UTF_8), new byte[] {0}, value));
    }
}
