package dev.slipway.internal.redis;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which keys an index holds, looked up with {@code FT.SEARCH <index> * NOCONTENT INKEYS} a page at a time. Keys with
 * a NUL byte cannot be named by INKEYS (the server cuts the argument at the NUL, so such a key is never found:
 * checked on Search 2.10.5; tester session 28 saw 100 dropped documents with such keys pass verification), so they
 * are looked up by listing the index instead.
 */
public final class IndexedKeys {
    /** Keys per look-up: small enough that a look-up stays far from the search timeout. */
    public static final int PAGE = 500;
    private static final Pattern RESULTS_CAP = Pattern.compile("LIMIT exceeds maximum of (\\d{1,9})");
    /** Documents per page when an index is listed to find keys with a NUL byte. */
    private static final int LISTING_PAGE = 10_000;

    private IndexedKeys() {
    }

    /**
     * Which of {@code keys} the index holds; a key with a NUL byte is left out when the index is too large to list
     * (MAXSEARCHRESULTS).
     */
    public static Set<ByteBuffer> held(Jedis jedis, String index, List<byte[]> keys) {
        List<byte[]> withNul = new ArrayList<>();
        List<byte[]> plain = plain(keys, withNul);
        Set<ByteBuffer> held = new HashSet<>();
        for (int from = 0; from < plain.size(); from += PAGE) {
            held.addAll(heldPlain(jedis, index, plain.subList(from, Math.min(plain.size(), from + PAGE))));
        }
        if (!withNul.isEmpty()) {
            byListing(jedis, index, buffers(withNul)).ifPresent(held::addAll);
        }
        return held;
    }

    /** How many of the keys exist now (one pipelined EXISTS each). */
    public static long existing(Jedis jedis, List<byte[]> keys) {
        return existingAmong(jedis, keys).size();
    }

    /** The keys that exist now, in their order (one pipelined EXISTS each). */
    public static List<byte[]> existingAmong(Jedis jedis, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        Pipeline pipeline = jedis.pipelined();
        List<Response<Boolean>> exist = keys.stream().map(pipeline::exists).toList();
        pipeline.sync();
        List<byte[]> found = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (exist.get(i).get()) {
                found.add(keys.get(i));
            }
        }
        return found;
    }

    /** The keys INKEYS can name; those with a NUL byte go to {@code withNul}. */
    public static List<byte[]> plain(List<byte[]> keys, List<byte[]> withNul) {
        List<byte[]> plain = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            boolean nul = false;
            for (byte b : key) {
                nul |= b == 0;
            }
            (nul ? withNul : plain).add(key);
        }
        return plain;
    }

    /** The keys as a set that compares their bytes. */
    public static Set<ByteBuffer> buffers(List<byte[]> keys) {
        Set<ByteBuffer> set = new HashSet<>();
        keys.forEach(k -> set.add(ByteBuffer.wrap(k)));
        return set;
    }

    /**
     * Which of {@code wanted} the index holds, by listing its documents ({@code FT.SEARCH * NOCONTENT}, 10,000 a
     * page); empty when the server stops the listing short of every document (MAXSEARCHRESULTS).
     */
    public static Optional<Set<ByteBuffer>> byListing(Jedis jedis, String index, Set<ByteBuffer> wanted) {
        return byListing(arguments -> jedis.sendCommand(RedisSession.command("FT.SEARCH"),
                RedisSession.untimed("FT.SEARCH", arguments.toArray(byte[][]::new))), index, wanted::contains);
    }

    /**
     * Which documents of the index pass {@code wanted}, by listing them all with {@code search} (which sends
     * {@code FT.SEARCH} with the arguments given and returns its reply, or throws the server's refusal), 10,000 a page
     * or the server's {@code MAXSEARCHRESULTS}; empty when the server stops the listing short of every document.
     */
    public static Optional<Set<ByteBuffer>> byListing(Function<List<byte[]>, Object> search, String index,
                                                      Predicate<ByteBuffer> wanted) {
        Set<ByteBuffer> held = new HashSet<>();
        long offset = 0;
        int page = LISTING_PAGE;
        while (true) {
            List<Object> reply;
            try {
                reply = RedisReplies.list(search.apply(List.of(text(index), text("*"), text("NOCONTENT"),
                        text("LIMIT"), text(String.valueOf(offset)), text(String.valueOf(page)))));
            } catch (JedisDataException e) {
                OptionalInt cap = resultsCap(e.getMessage());
                if (cap.isPresent() && cap.getAsInt() < page) {
                    page = cap.getAsInt(); // ask again, in pages the server allows
                    continue;
                }
                return Optional.empty(); // past the server's limit: not every document could be listed
            }
            long total = RedisReplies.whole(reply.get(0));
            List<Object> ids = reply.subList(1, reply.size());
            for (Object id : ids) {
                ByteBuffer key = ByteBuffer.wrap((byte[]) id);
                if (wanted.test(key)) {
                    held.add(key);
                }
            }
            offset += ids.size();
            if (ids.isEmpty() || offset >= total) {
                return offset < total ? Optional.empty() : Optional.of(held);
            }
        }
    }

    /**
     * Which of {@code keys} (at most a {@linkplain #PAGE page}, none with a NUL byte) the index holds. A server whose
     * {@code MAXSEARCHRESULTS} is below the keys' count refuses the look-up; it is then asked in parts of its limit
     * (tester session 36 R21 M4: at 100, every look-up of 500 keys failed, and so did plan).
     */
    public static Set<ByteBuffer> heldPlain(Jedis jedis, String index, List<byte[]> keys) {
        Set<ByteBuffer> found = new HashSet<>();
        if (keys.isEmpty()) {
            return found;
        }
        List<Object> reply;
        try {
            reply = RedisReplies.list(jedis.sendCommand(RedisSession.command("FT.SEARCH"),
                    RedisSession.untimed("FT.SEARCH", lookupArguments(index, keys).toArray(byte[][]::new))));
        } catch (JedisDataException e) {
            OptionalInt cap = resultsCap(e.getMessage());
            if (cap.isEmpty() || cap.getAsInt() >= keys.size()) {
                throw e;
            }
            for (int from = 0; from < keys.size(); from += cap.getAsInt()) {
                found.addAll(heldPlain(jedis, index, keys.subList(from, Math.min(keys.size(),
                        from + cap.getAsInt()))));
            }
            return found;
        }
        for (Object key : reply.subList(1, reply.size())) {
            found.add(ByteBuffer.wrap((byte[]) key));
        }
        return found;
    }

    /**
     * The most results a search may ask for, when {@code message} is the server's refusal of a larger LIMIT
     * ({@code LIMIT exceeds maximum of 100}: its {@code MAXSEARCHRESULTS}); empty for another message.
     */
    public static OptionalInt resultsCap(String message) {
        Matcher matcher = RESULTS_CAP.matcher(String.valueOf(message));
        return matcher.find() ? OptionalInt.of(Math.max(1, Integer.parseInt(matcher.group(1)))) : OptionalInt.empty();
    }

    /**
     * The arguments of the {@code FT.SEARCH} that asks which of {@code keys} (none with a NUL byte) the index holds:
     * {@code <index> * NOCONTENT INKEYS n <keys> LIMIT 0 n}. Its reply lists those it holds after the count.
     */
    public static List<byte[]> lookupArguments(String index, List<byte[]> keys) {
        List<byte[]> args = new ArrayList<>(keys.size() + 9);
        args.add(text(index));
        args.add(text("*"));
        args.add(text("NOCONTENT"));
        args.add(text("INKEYS"));
        args.add(text(String.valueOf(keys.size())));
        args.addAll(keys);
        args.add(text("LIMIT"));
        args.add(text("0"));
        args.add(text(String.valueOf(keys.size())));
        return args;
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
