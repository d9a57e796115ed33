package dev.slipway.internal.redis;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How Slipway's throwaway indexes are named (apply's schema probe, validation's source-schema probe, a rewrite's
 * {@link dev.slipway.internal.rewrite.FilterScope}): {@code slipway-probe:<index>:<uuid>}. Named
 * after the index, so that the next apply of it (under its lock, so never while another run uses it) drops one a
 * killed run left behind, and {@code status} of the index can list it as a stray.
 */
public final class SchemaProbeName {
    private static final String PREFIX = "slipway-probe:";
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f-]{36}");

    private SchemaProbeName() {
    }

    /** What every probe name of an index's applies begins with. */
    public static String prefix(String index) {
        return PREFIX + index + ":";
    }

    /** A fresh probe name for an apply of the index. */
    public static String fresh(String index) {
        return prefix(index) + UUID.randomUUID();
    }

    /**
     * Whether {@code candidate} is a probe name of any index ({@code slipway-probe:<index>:<uuid>}): a throwaway
     * index of Slipway's, so no check of other indexes covering the same keys counts it. A user's own index whose
     * name only begins the same way is not one (tester session 36 R21 L5: it was left out of the shared-key check).
     */
    public static boolean isAnyProbe(String candidate) {
        int uuid = candidate.length() - 36;
        return candidate.startsWith(PREFIX) && uuid > PREFIX.length() && candidate.charAt(uuid - 1) == ':'
                && UUID_TEXT.matcher(candidate.substring(uuid)).matches();
    }

    /** The index a probe name ({@link #isAnyProbe}) belongs to; empty for another name. */
    public static java.util.Optional<String> indexOf(String candidate) {
        return isAnyProbe(candidate)
                ? java.util.Optional.of(candidate.substring(PREFIX.length(), candidate.length() - 37))
                : java.util.Optional.empty();
    }

    /** Whether {@code candidate} is a probe name of an apply of {@code index}. */
    public static boolean isProbeOf(String candidate, String index) {
        String prefix = prefix(index);
        return candidate.startsWith(prefix) && UUID_TEXT.matcher(candidate.substring(prefix.length())).matches();
    }
}
