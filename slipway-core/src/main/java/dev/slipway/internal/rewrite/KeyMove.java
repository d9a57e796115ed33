package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A rewrite's prefix move on key bytes: the same rules as {@link RewriteSpec#newKey}, {@link RewriteSpec#needsMove}
 * and {@link RewriteSpec#originalKey}, but byte for byte, so that a key that is not valid UTF-8 keeps every byte
 * after its prefix (decoding it to a string would replace each invalid byte with U+FFFD, and two keys could then
 * even map to the same new key).
 */
final class KeyMove {
    /** The single source prefix, or null when keys do not move. */
    private final byte[] source;
    private final byte[] target;
    /** Whether the new prefix extends the old one ("doc:" to "doc:v2:"), so moved keys still match the old one. */
    private final boolean extending;

    private KeyMove(byte[] source, byte[] target) {
        this.source = source;
        this.target = target;
        this.extending = source != null && DocumentRewriter.startsWith(target, source);
    }

    /** The spec's move; one that moves nothing when the prefix does not change or there are several prefixes. */
    static KeyMove of(RewriteSpec spec) {
        if (spec.targetPrefix().isEmpty() || spec.sourcePrefixes().size() != 1) {
            return new KeyMove(null, null);
        }
        return new KeyMove(spec.sourcePrefixes().get(0).getBytes(StandardCharsets.UTF_8),
                spec.targetPrefix().get().getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the new prefix extends the old one, so that moved keys are still under the old one. */
    boolean extending() {
        return extending;
    }

    /** Whether moved keys leave the old prefix, so that a new pass over it no longer meets them. */
    boolean leavesTheSource() {
        return source != null && !extending;
    }

    /** Whether the key still needs its prefix moved (it is under the source prefix and not already moved). */
    boolean needsMove(byte[] key) {
        return source != null && DocumentRewriter.startsWith(key, source)
                && !(extending && DocumentRewriter.startsWith(key, target));
    }

    /**
     * Whether the key is under the old prefix and already under the new one that extends it ("doc:v2:7" with "doc:"
     * to "doc:v2:"): taken as moved, it is rewritten in place.
     */
    boolean alreadyUnderTarget(byte[] key) {
        return extending && DocumentRewriter.startsWith(key, target);
    }

    /** The key a document has after the rewrite (the same array when it does not move). */
    byte[] newKey(byte[] key) {
        return needsMove(key) ? replacePrefix(key, source.length, target) : key;
    }

    /** The original key of a moved key (the inverse of {@link #newKey}; the same array when it did not move). */
    byte[] originalKey(byte[] movedKey) {
        return target != null && DocumentRewriter.startsWith(movedKey, target)
                ? replacePrefix(movedKey, target.length, source) : movedKey;
    }

    private static byte[] replacePrefix(byte[] key, int oldLength, byte[] prefix) {
        byte[] moved = Arrays.copyOf(prefix, prefix.length + key.length - oldLength);
        System.arraycopy(key, oldLength, moved, prefix.length, key.length - oldLength);
        return moved;
    }
}
