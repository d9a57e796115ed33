package dev.slipway.internal.io;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Short fingerprints of text: plan ids, the connection names of a lock's holders. */
public final class Digests {
    private Digests() {
    }

    /** The first 8 bytes of the SHA-256 of the text's UTF-8 bytes, as 16 lower-case hex digits. */
    public static String shortSha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
