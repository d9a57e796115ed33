package dev.slipway.internal.redis;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/** Decoding of raw RESP2 replies (byte arrays, longs, doubles, nested lists) into Java values. */
public final class RedisReplies {
    private RedisReplies() {
    }

    /**
     * The value of {@code field} in an INFO reply ({@code field:value} lines, the value trimmed), if the reply has
     * it.
     */
    public static Optional<String> infoField(String info, String field) {
        String prefix = field + ":";
        return info.lines().filter(line -> line.startsWith(prefix)).map(line -> line.substring(prefix.length()).trim())
                .findFirst();
    }

    /** A reply as text; numbers are printed, null stays null. */
    public static String text(Object reply) {
        if (reply == null) {
            return null;
        }
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return reply.toString();
    }

    /** Whether the bytes are well-formed UTF-8. */
    public static boolean isUtf8(byte[] bytes) {
        boolean ascii = true;
        for (int i = 0; i < bytes.length && ascii; i++) {
            ascii = bytes[i] >= 0;
        }
        if (ascii) { // the usual case, met on every FT.INFO read: no decoder made
            return true;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    /** A reply as a list (an empty list for null or a non-list). */
    public static List<Object> list(Object reply) {
        if (reply instanceof List<?> items) {
            @SuppressWarnings("unchecked")
            List<Object> objects = (List<Object>) items;
            return objects;
        }
        return List.of();
    }

    /** A flat key/value list ({@code [k1, v1, k2, v2]}) as an ordered map with text keys. */
    public static Map<String, Object> pairs(Object reply) {
        List<Object> items = list(reply);
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < items.size(); i += 2) {
            map.put(text(items.get(i)), items.get(i + 1));
        }
        return map;
    }

    /** A numeric reply (long, double or numeric text) as a double; {@code NaN} for anything else. */
    public static double number(Object reply) {
        if (reply instanceof Number n) {
            return n.doubleValue();
        }
        String text = text(reply);
        if (text == null) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** A numeric reply as a long, 0 when it is not a number. */
    public static long whole(Object reply) {
        double value = number(reply);
        return Double.isNaN(value) ? 0 : (long) value;
    }
}
