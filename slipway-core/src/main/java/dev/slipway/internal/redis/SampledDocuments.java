package dev.slipway.internal.redis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the documents of a plan's key sample hold where the target schema reads anew: JSON paths, words of a new TEXT
 * field, values of another size than a new vector field's, and how the server keeps sampled hashes. Read per key; a
 * key gone (or of another type) since it was sampled holds nothing.
 */
public final class SampledDocuments {
    private final RedisSession session;

    public SampledDocuments(RedisSession session) {
        this.session = session;
    }

    /**
     * For each JSON path ({@code JSON.TYPE} matches something) or hash field ({@code HEXISTS}), how many of the given
     * documents hold it; a key that is gone, or of another type, holds none.
     */
    public Map<String, Long> pathsHeld(List<String> keys, List<String> paths, boolean json) {
        Map<String, Long> held = new LinkedHashMap<>();
        for (String path : paths) {
            long count = 0;
            for (String key : keys) {
                try {
                    if (json ? matches(session.call("JSON.TYPE", key, path))
                            : RedisReplies.whole(session.call("HEXISTS", key, path)) == 1) {
                        count++;
                    }
                } catch (RedisCommandException e) {
                    // a key gone, or of another type, since it was sampled: it holds nothing
                }
            }
            held.put(path, count);
        }
        return held;
    }

    /** Whether a {@code JSON.TYPE} reply names a type: the path matched something. */
    private static boolean matches(Object reply) {
        return reply != null && !(reply instanceof List<?> list && list.isEmpty());
    }

    /**
     * For each document field (a hash field, or a JSON path), the words the documents hold there on average: runs
     * of letters and digits in the value (for JSON, in its text), over the keys given; a key gone since, or a field
     * it lacks, counts as none.
     */
    public Map<String, Double> wordsPerDocument(List<String> keys, List<String> fields, boolean json) {
        Map<String, Double> words = new LinkedHashMap<>();
        for (String field : fields) {
            long total = 0;
            for (String key : keys) {
                try {
                    Object value = json ? session.call("JSON.GET", key, field) : session.call("HGET", key, field);
                    total += value == null ? 0 : words(RedisReplies.text(value));
                } catch (RedisCommandException e) {
                    // a key gone, or of another type, since it was sampled: no words
                }
            }
            words.put(field, keys.isEmpty() ? 0.0 : (double) total / keys.size());
        }
        return words;
    }

    private static long words(String text) {
        long count = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean letter = Character.isLetterOrDigit(text.charAt(i));
            if (letter && !inWord) {
                count++;
            }
            inWord = letter;
        }
        return count;
    }

    /**
     * How many of the documents hold a value at the field that is not a vector of {@code dims} elements of
     * {@code width} bytes: a hash value of another length, or (JSON) a value that is not an array of {@code dims}
     * (for a path that names several, any of them). A document without the field does not count.
     */
    public long vectorsOfOtherSize(List<String> keys, String field, int dims, int width, boolean json) {
        long other = 0;
        for (String key : keys) {
            try {
                if (json) {
                    List<Object> lengths = RedisReplies.list(session.call("JSON.ARRLEN", key, field));
                    other += lengths.stream().anyMatch(n -> !(n instanceof Long length) || length != dims) ? 1 : 0;
                } else {
                    long length = RedisReplies.whole(session.call("HSTRLEN", key, field));
                    other += length != 0 && length != (long) dims * width ? 1 : 0;
                }
            } catch (RedisCommandException e) {
                // a key gone, or of another type, since it was sampled
            }
        }
        return other;
    }

    /**
     * How the server keeps the sampled hashes: how many in each encoding, and the fields a listpack among them holds
     * on average.
     *
     * @param counts         per encoding ({@code OBJECT ENCODING}); empty when the user may not ask (an ACL refusing
     *                       OBJECT)
     * @param listpackFields the mean {@code HLEN} of the listpacks (0 when none, or HLEN is refused)
     */
    public record Encodings(Map<String, Long> counts, double listpackFields) {
    }

    /**
     * The encodings of the keys; a key gone since it was sampled does not count. When OBJECT is refused, every hash
     * is counted for a listpack's fields, as the estimate then takes every document for one (tester session 33 R15
     * M2: without the fields it was 5 times short).
     */
    public Encodings encodings(List<String> keys) {
        Map<String, Long> counts = new TreeMap<>();
        boolean known = true;
        long fields = 0;
        long listpacks = 0;
        boolean lengths = true;
        for (String key : keys) {
            String name = "listpack";
            if (known) {
                try {
                    Object encoding = session.call("OBJECT", "ENCODING", key);
                    if (encoding == null) {
                        continue; // a key gone replies nil
                    }
                    name = RedisReplies.text(encoding);
                    counts.merge(name, 1L, Long::sum);
                } catch (RedisCommandException e) {
                    known = false; // refused: not known
                    counts.clear();
                }
            }
            if (lengths && (name.equals("listpack") || name.equals("ziplist"))) {
                try {
                    long length = RedisReplies.whole(session.call("HLEN", key));
                    fields += length;
                    listpacks += length > 0 ? 1 : 0; // 0: a key gone
                } catch (RedisCommandException e) {
                    lengths = false; // refused, or the key changed type: the model's two fields
                }
            }
        }
        return new Encodings(known ? counts : Map.of(), !lengths || listpacks == 0 ? 0 : (double) fields / listpacks);
    }
}
