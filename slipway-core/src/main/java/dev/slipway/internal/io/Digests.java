package dev.slipway.internal.io;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 fingerprints: short ones of text (plan ids, the connection names of a lock's holders) and whole ones of
 * bytes (keys and values a rewrite remembers without holding them).
 */
public final class Digests {
    /** One digest per thread: getting one costs more than hashing a key. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    });

    private Digests() {
    }

    /** The first 8 bytes of the SHA-256 of the text's UTF-8 bytes, as 16 lower-case hex digits. */
    public static String shortSha256(String text) {
        return HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)), 0, 8);
    }

    /** The SHA-256 of the parts, one after the other. */
    public static byte[] sha256(byte[]... parts) {
        MessageDigest sha = SHA_256.get();
        for (byte[] part : parts) {
            sha.update(part);
        }
        return sha.digest(); // and reset for the next call
    }
}
