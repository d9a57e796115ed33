package dev.slipway.internal.apply;

import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.IndexedKeys;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.ProbeLease;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.internal.schema.FtCreateArguments;
import dev.slipway.internal.schema.FtInfoReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Asks the source schema itself whether it would index documents, after a drop-recreate migration dropped the
 * source index: each key is copied ({@code COPY}) into Slipway's namespace under a fresh probe prefix, and a
 * temporary index with the source schema on that prefix says which copies it indexes. A document the new index
 * fails on that the source schema indexes is a document the change broke; one the source schema rejects too is a
 * document the application wrote in a form neither schema takes, which loses nothing (tester session 31, R11 M1: a
 * failure count taken before the drop, compared with another set of expiring keys, failed a change that broke
 * nothing, and keys written after the drop were named as documents the source served).
 *
 * <p>The probe is the server's own judgement, not an imitation of its parsing. It leaves nothing behind: each copy
 * is made with its expiry ({@value #TTL_SECONDS} seconds) in one transaction and the index is {@code TEMPORARY} for
 * as long, in case the process dies before it removes both; the index is named as apply's schema probe is
 * ({@link SchemaProbeName}), so the next apply of the index drops one left behind and {@code status} lists it. It
 * does not run (empty) when another index covers the probe prefix (one without a prefix, or with a prefix of
 * Slipway's namespace), when the source has a FILTER, when there are more than {@value #MAX_KEYS} keys, when the
 * copies would not fit (see {@link #noRoom}), or when the server refuses a command (a replica, an ACL).
 */
public final class SourceSchemaProbe {
    /** At most this many keys are copied: more falls back to the failure counts. */
    static final int MAX_KEYS = 1_000;
    /** {@link #MAX_KEYS} as messages write it. */
    static final String MAX_KEYS_TEXT = String.format(java.util.Locale.ROOT, "%,d", MAX_KEYS);
    /** How long the copies and the probe index live if the process dies before it removes them. */
    static final int TTL_SECONDS = 300;
    /** Copies at most this many bytes of documents ({@code MEMORY USAGE}), whatever the server's limit. */
    static final long MAX_BYTES = 64L << 20;
    private static final int COPIES_PER_TRANSACTION = 100;
    private static final int INDEXING_WAIT_MILLIS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(SourceSchemaProbe.class);

    /**
     * What the source schema made of the keys.
     *
     * @param accepted the keys whose documents the source schema indexes and the new index does not hold
     * @param rejected how many the source schema fails on too
     * @param gone     how many no longer existed, or are now held by the new index (written again since)
     */
    record Verdict(List<byte[]> accepted, long rejected, long gone) {
        Verdict {
            accepted = List.copyOf(accepted);
        }
    }

    private SourceSchemaProbe() {
    }

    /**
     * Judges {@code keys} (documents the index {@code current} does not hold) by the source schema.
     *
     * @param whyNot told why, when the probe cannot run
     * @return empty when the probe cannot run (see the class comment); the reason is logged
     */
    static Optional<Verdict> judge(RedisSession session, KeyNamespace namespace, String served, IndexSchema source,
                                   String current, List<byte[]> keys, Consumer<String> whyNot) {
        if (keys.isEmpty()) {
            return Optional.of(new Verdict(List.of(), 0, 0));
        }
        if (keys.size() > MAX_KEYS || source.filter().isPresent()) {
            return notJudged(keys, source.filter().isPresent() ? "the source has a FILTER"
                    : "more than " + MAX_KEYS_TEXT + " documents", whyNot);
        }
        // named as apply's schema probe is: the next apply of the index drops one left behind, status lists it
        String name = SchemaProbeName.fresh(served);
        String prefix = copyPrefix(namespace, name);
        Set<IndexOption> options = EnumSet.noneOf(IndexOption.class);
        options.addAll(source.options());
        options.remove(IndexOption.SKIPINITIALSCAN);
        IndexSchema probe = source.toBuilder().name(name).prefixes(List.of(prefix)).options(options).build();
        List<String> covering = new LiveIndexReader(session).sharedKeyIndexes(probe, probe.name());
        if (!covering.isEmpty()) {
            return notJudged(keys, "index '" + covering.get(0) + "' would index copies under '" + prefix + "'",
                    whyNot);
        }
        Optional<String> cramped;
        try {
            cramped = noRoom(session, keys);
        } catch (RedisCommandException | JedisDataException e) { // MEMORY USAGE refused (tester session 32 R13 M1)
            return notJudged(keys, "the server refused MEMORY USAGE (" + e.getMessage() + ")", whyNot);
        }
        if (cramped.isPresent()) {
            return notJudged(keys, cramped.get(), whyNot);
        }
        List<String> create = new ArrayList<>(FtCreateArguments.command(probe));
        create.addAll(create.indexOf("SCHEMA"), List.of("TEMPORARY", Integer.toString(TTL_SECONDS)));
        boolean created = false;
        ProbeLease lease = ProbeLease.take(session, namespace.probeLease(name)); // before the index
        try {
            session.call(create);
            created = true;
            boolean[] copied = copy(session, keys, prefix);
            waitIndexed(session, probe.name());
            Set<String> indexed = new HashSet<>();
            RedisReplies.list(session.call("FT.SEARCH", probe.name(), "*", "NOCONTENT", "LIMIT", "0",
                    Integer.toString(keys.size()))).stream().skip(1).map(RedisReplies::text).forEach(indexed::add);
            List<byte[]> accepted = new ArrayList<>();
            long rejected = 0;
            long gone = 0;
            for (int i = 0; i < keys.size(); i++) {
                if (!copied[i]) {
                    gone++;
                } else if (indexed.contains(prefix + i)) {
                    accepted.add(keys.get(i));
                } else {
                    rejected++;
                }
            }
            // a key written again since it was listed may now be indexed: then the change did not break it
            Set<ByteBuffer> nowHeld = IndexedKeys.held(session.jedis(), current, accepted);
            List<byte[]> broken = accepted.stream().filter(k -> !nowHeld.contains(ByteBuffer.wrap(k))).toList();
            return Optional.of(new Verdict(broken, rejected, gone + accepted.size() - broken.size()));
        } catch (RedisCommandException | JedisDataException e) { // the latter a pipelined reply: NOPERM, OOM,
            // READONLY (tester session 32 R12 M1)
            return notJudged(keys, "the server refused it: " + e.getMessage(), whyNot);
        } finally {
            if (created) {
                remove(session, probe.name(), prefix, keys.size());
            }
            lease.close();
        }
    }

    private static Optional<Verdict> notJudged(List<byte[]> keys, String reason, Consumer<String> whyNot) {
        LOG.info("not judging {} keys by the source schema: {}", keys.size(), reason);
        whyNot.accept(reason);
        return Optional.empty();
    }

    /**
     * Copies each key to {@code prefix + i} with a time to live, each copy and its expiry in one transaction, so
     * that no copy outlives a run that dies (tester session 32 R12 M2: one left without a TTL); false where the key
     * no longer existed.
     *
     * @throws JedisDataException when the server refuses a command
     */
    private static boolean[] copy(RedisSession session, List<byte[]> keys, String prefix) {
        boolean[] copied = new boolean[keys.size()];
        byte[] ttl = Integer.toString(TTL_SECONDS).getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < keys.size(); from += COPIES_PER_TRANSACTION) {
            int to = Math.min(keys.size(), from + COPIES_PER_TRANSACTION);
            Pipeline pipeline = session.pipelined();
            pipeline.sendCommand(RedisSession.command("MULTI"), new byte[0][]);
            List<Response<Object>> queued = new ArrayList<>();
            for (int i = from; i < to; i++) {
                byte[] copy = (prefix + i).getBytes(StandardCharsets.UTF_8);
                queued.add(pipeline.sendCommand(RedisSession.command("COPY"), keys.get(i), copy));
                queued.add(pipeline.sendCommand(RedisSession.command("EXPIRE"), copy, ttl));
            }
            Response<Object> exec = pipeline.sendCommand(RedisSession.command("EXEC"), new byte[0][]);
            pipeline.sync();
            for (Response<Object> command : queued) {
                command.get(); // a command refused as it was queued (NOPERM) says why, where EXEC says EXECABORT
            }
            List<Object> replies = RedisReplies.list(exec.get());
            for (int i = from; i < to; i++) {
                Object reply = replies.get(2 * (i - from));
                if (reply instanceof JedisDataException refused) {
                    throw refused;
                }
                copied[i] = reply instanceof Long n && n == 1;
            }
        }
        return copied;
    }

    /**
     * Why the copies might not fit, if so: with a {@code maxmemory}, the keys' {@code MEMORY USAGE} twice over (the
     * copies and what the probe index takes) must stay under the share of the limit every other memory check keeps
     * to ({@link MemoryHeadroom#USABLE_SHARE}); a server that evicts would otherwise evict the application's keys,
     * and one that does not would refuse the copies (tester session 32 R12 H1: 226 keys evicted by 100 documents of
     * 200 KB). Without a limit, at most {@value #MAX_BYTES} bytes are copied.
     */
    private static Optional<String> noRoom(RedisSession session, List<byte[]> keys) {
        Pipeline pipeline = session.pipelined();
        List<Response<Object>> sizes = new ArrayList<>(keys.size());
        byte[] usage = "USAGE".getBytes(StandardCharsets.UTF_8);
        for (byte[] key : keys) {
            sizes.add(pipeline.sendCommand(RedisSession.command("MEMORY"), usage, key));
        }
        pipeline.sync();
        long bytes = 0;
        for (Response<Object> size : sizes) {
            bytes += size.get() instanceof Long n ? n : 0;
        }
        if (bytes > MAX_BYTES) {
            return Optional.of("the documents take " + StrategyChoice.mib(bytes) + ", more than "
                    + StrategyChoice.mib(MAX_BYTES));
        }
        Optional<ServerInfo.Memory> memory = new LiveIndexReader(session).memory();
        if (memory.isEmpty()) {
            return Optional.of("the server's memory and limit cannot be read (INFO memory)");
        }
        long max = memory.get().maxBytes();
        if (max > 0 && memory.get().usedBytes() + 2 * bytes > max * MemoryHeadroom.USABLE_SHARE) {
            return Optional.of("copying " + StrategyChoice.mib(bytes) + " would bring the server near its maxmemory ("
                    + StrategyChoice.mib(memory.get().usedBytes()) + " used of " + StrategyChoice.mib(max) + ")");
        }
        return Optional.empty();
    }

    /** Copies are indexed as they are written; waits out a background scan all the same. */
    private static void waitIndexed(RedisSession session, String index) {
        long deadline = System.currentTimeMillis() + INDEXING_WAIT_MILLIS;
        while (!FtInfoReader.read(index, session.call("FT.INFO", index)).stats().fullyIndexed()
                && System.currentTimeMillis() < deadline) {
            KeyCoverage.pause();
        }
    }

    /** Where the probe named {@code probeName} ({@link SchemaProbeName}) puts its copies: by the name's uuid. */
    private static String copyPrefix(KeyNamespace namespace, String probeName) {
        return namespace.prefix() + "probe:" + probeName.substring(probeName.lastIndexOf(':') + 1) + ":";
    }

    /**
     * Deletes the copies a killed run's probe {@code probeName} may have left: they would otherwise stay until their
     * time to live runs out (tester session 42 R34 N3), counted as keys by whatever looks meanwhile. The copies are
     * named by number, so no scan is needed; names never copied are no keys, and DEL ignores them. The caller drops
     * the index.
     */
    public static void removeLeftBehindCopies(RedisSession session, KeyNamespace namespace, String probeName) {
        try {
            removeCopies(session, copyPrefix(namespace, probeName), MAX_KEYS);
        } catch (RuntimeException e) {
            LOG.warn("could not remove the copies under '{}' a killed run left ({}); they expire within {} s",
                    copyPrefix(namespace, probeName), e.getMessage(), TTL_SECONDS);
        }
    }

    private static void remove(RedisSession session, String index, String prefix, int copies) {
        try {
            session.call("FT.DROPINDEX", index);
            removeCopies(session, prefix, copies);
        } catch (RuntimeException e) {
            LOG.warn("could not remove the probe index '{}' and its copies under '{}' ({}); they expire within {} s",
                    index, prefix, e.getMessage(), TTL_SECONDS);
        }
    }

    private static void removeCopies(RedisSession session, String prefix, int copies) {
        for (int from = 0; from < copies; from += IndexedKeys.PAGE) {
            List<String> del = new ArrayList<>();
            del.add("DEL");
            for (int i = from; i < Math.min(copies, from + IndexedKeys.PAGE); i++) {
                del.add(prefix + i);
            }
            session.call(del);
        }
    }
}
