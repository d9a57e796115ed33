package dev.slipway.internal.apply;

import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Keys the server evicted while a migration ran. A server at {@code maxmemory} with a policy that evicts
 * ({@code allkeys-*}, {@code volatile-*}) drops keys to make room, and a migration needs room (a new index, rewritten
 * documents, Slipway's own state): documents then vanish from Redis, and every count and sample check passes,
 * since they count what is there (tester session 29: 6,726 of 10,000 documents evicted, apply exited 0). The
 * server's {@code evicted_keys} (INFO stats) is recorded in the checkpoint when the migration begins
 * ({@link Checkpoint#EVICTED_KEYS}), and validation fails when it has grown. It counts every database's evictions,
 * so an eviction elsewhere fails it too: the check cannot tell, and says so.
 */
public final class Evictions {
    private static final Logger LOG = LoggerFactory.getLogger(Evictions.class);

    private static final long SETTLE_NANOS = 2_000_000_000L;

    private Evictions() {
    }

    /** The server's {@code evicted_keys} since its start; empty when INFO is refused or does not report it. */
    public static OptionalLong evictedKeys(RedisSession session) {
        return info(session, "stats").map(Evictions::evictedKeysOf).orElse(OptionalLong.empty());
    }

    /** The server's {@code evicted_keys} when the migration began, as its checkpoint recorded it. */
    public static OptionalLong atStart(Checkpoint checkpoint) {
        Long evicted = checkpoint.marks().get(Checkpoint.EVICTED_KEYS);
        return evicted == null ? OptionalLong.empty() : OptionalLong.of(evicted);
    }

    /**
     * Keys the server evicted since its {@code evicted_keys} was {@code atStart}: 0 when either figure is unknown, or
     * when the count went down (a restart resets it).
     */
    public static long since(RedisSession session, OptionalLong atStart) {
        if (atStart.isEmpty()) {
            return 0;
        }
        OptionalLong now = evictedKeys(session);
        return now.isEmpty() ? 0 : Math.max(0, now.getAsLong() - atStart.getAsLong());
    }

    /**
     * As {@link #since}, once the server is back under its {@code maxmemory} (or after 2 s): after a build was stopped
     * and its indexes dropped, a server still over the limit goes on evicting at each command, and the count read at
     * once fell short (tester session 46 R41 F3: 192 said, 256 evicted).
     */
    public static long sinceSettled(RedisSession session, OptionalLong atStart) {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        LiveIndexReader reader = new LiveIndexReader(session);
        while (System.nanoTime() < deadline) {
            Optional<ServerInfo.Memory> memory = reader.memory();
            if (memory.isEmpty() || memory.get().maxBytes() <= 0
                    || memory.get().usedBytes() < memory.get().maxBytes()) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return since(session, atStart);
    }

    /** {@code evicted_keys} in the text of {@code INFO stats}; empty when it is not there. */
    public static OptionalLong evictedKeysOf(String statsInfo) {
        return RedisReplies.infoField(statsInfo, "evicted_keys").map(v -> OptionalLong.of(Long.parseLong(v.trim())))
                .orElse(OptionalLong.empty());
    }

    /**
     * Which of {@code documents} ("restored documents", say) may be among keys the server evicted under {@code
     * policy}: under a {@code volatile-*} policy only keys with a time to live are evicted, and a message that said
     * every document could be among them sent users to check documents that cannot have gone (tester session 34 R17
     * L3).
     */
    public static String mayBeAmongThem(String documents, String policy) {
        return policy != null && policy.startsWith("volatile-") ? documents + " with a time to live (TTL) may be "
                + "among them (maxmemory-policy " + policy + " evicts only keys that have one)"
                : documents + " may be among them";
    }

    /** The server's {@code maxmemory_policy} (INFO memory), if it reports one. */
    public static Optional<String> policy(RedisSession session) {
        return stat(session, "memory", "maxmemory_policy");
    }

    private static Optional<String> stat(RedisSession session, String section, String field) {
        return info(session, section).flatMap(info -> RedisReplies.infoField(info, field));
    }

    private static Optional<String> info(RedisSession session, String section) {
        try {
            return Optional.of(String.valueOf(session.callString("INFO", section)));
        } catch (RuntimeException e) { // a user whose ACL refuses INFO, or INFO renamed away
            LOG.debug("Could not read INFO {}: {}", section, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The validation check: no key evicted since {@code atStart}. Empty when no migration of the plan is recorded
     * ({@code migrationRecorded} false: nothing to compare with); passed with a note when the count went down (the
     * server restarted, which resets it), or when either count is unknown because the server did not answer INFO
     * (refused to the user, or renamed away): such a user's plan and apply already warned that memory was not
     * checked, and failing every validation of theirs would leave them no way to pass one. Before, the check was left
     * out without a word (tester session 43 R37 F1).
     */
    static Optional<ValidationCheck> check(RedisSession session, OptionalLong atStart, boolean migrationRecorded) {
        if (!migrationRecorded) {
            return Optional.empty();
        }
        String expected = "no key evicted while the migration ran";
        OptionalLong now = evictedKeys(session);
        if (atStart.isEmpty() || now.isEmpty()) {
            return Optional.of(new ValidationCheck("evictions", true, expected, "unknown", (atStart.isEmpty()
                    ? "the server's evicted_keys was not recorded when the migration began (the server did not answer "
                    + "INFO stats then)" : session.unanswered("INFO stats")) + ", so evictions could "
                    + "not be counted. If the server runs at maxmemory with a policy that evicts, ask its "
                    + "administrator whether evicted_keys grew while the migration ran"));
        }
        long evicted = now.getAsLong() - atStart.getAsLong();
        if (evicted < 0) {
            return Optional.of(new ValidationCheck("evictions", true, expected, "unknown (the server restarted since "
                    + "the migration began, which resets evicted_keys)", ""));
        }
        if (evicted == 0) {
            return Optional.of(new ValidationCheck("evictions", true, expected, "0 keys", ""));
        }
        String policy = policy(session).orElse("unknown");
        return Optional.of(new ValidationCheck("evictions", false, expected, Wording.count(evicted, "key", "keys"),
                "the server evicted " + Wording.count(evicted, "key", "keys") + " while the migration ran "
                + "(maxmemory-policy " + policy + (policy.equals("noeviction") ? " now, which evicts nothing: it was "
                + "another while they were evicted" : "") + "; INFO stats evicted_keys counts every database): "
                + mayBeAmongThem("documents of the index", policy) + ", and they are gone from Redis, which the "
                + "counts and samples cannot show. Compare the documents with the application's data and write back "
                + "what is missing. Before the next migration raise maxmemory (or set maxmemory-policy noeviction, "
                + "which refuses writes instead of evicting): a migration needs the room 'slipway plan' estimates"));
    }
}
