package dev.slipway.internal.io;

import java.nio.charset.StandardCharsets;

/**
 * A Redis key (any bytes) as text for messages: printable UTF-8 as it is, every other byte as {@code \xNN} and a
 * backslash as {@code \\}, so that two keys never print alike and a key cannot send control sequences to a terminal
 * (tester session 30: {@code b:\xff\x00\xfe} and {@code b:\xfe\x00\xff} printed the same, and ESC went out raw).
 */
public final class KeyText {
    private KeyText() {
    }

    /** The key as it is shown in messages. */
    public static String shown(byte[] key) {
        StringBuilder out = new StringBuilder(key.length);
        int i = 0;
        while (i < key.length) {
            int b = key[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                out.append(b == '\\' ? "\\\\" : String.valueOf((char) b));
                i++;
                continue;
            }
            int length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
            if (length > 0 && i + length <= key.length && continuations(key, i + 1, length - 1)) {
                String character = new String(key, i, length, StandardCharsets.UTF_8);
                int codePoint = character.codePointAt(0);
                if (character.indexOf('\uFFFD') < 0 && !Character.isISOControl(codePoint)
                        && Character.getType(codePoint) != Character.FORMAT) {
                    out.append(character);
                    i += length;
                    continue;
                }
            }
            out.append(String.format("\\x%02x", b));
            i++;
        }
        return out.toString();
    }

    private static boolean continuations(byte[] key, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if ((key[i] & 0xc0) != 0x80) {
                return false;
            }
        }
        return true;
    }
}
