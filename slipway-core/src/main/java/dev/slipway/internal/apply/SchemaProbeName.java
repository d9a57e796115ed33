package dev.slipway.internal.apply;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How the throwaway index of {@code apply}'s schema probe is named: {@code slipway-probe:<index>:<uuid>}. Named
 * after the index, so that the next apply of it (under its lock, so never while another run uses it) drops one a
 * killed run left behind, and {@code status} of the index can list it as a stray.
 */
public final class SchemaProbeName {
    private static final String PREFIX = "slipway-probe:";
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f-]{36}");

    private SchemaProbeName() {
    }

    /** What every probe name of an index's applies begins with. */
    static String prefix(String index) {
        return PREFIX + index + ":";
    }

    /** A fresh probe name for an apply of the index. */
    static String fresh(String index) {
        return prefix(index) + UUID.randomUUID();
    }

    /** Whether {@code candidate} is a probe name of an apply of {@code index}. */
    public static boolean isProbeOf(String candidate, String index) {
        String prefix = prefix(index);
        return candidate.startsWith(prefix) && UUID_TEXT.matcher(candidate.substring(prefix.length())).matches();
    }
}
