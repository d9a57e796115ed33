package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

import java.util.List;

/**
 * Refuses, before anything is changed, to change indexes or documents on a replica. A read-only replica refuses
 * every write, which surfaced as a wrong diagnosis (the target schema rejected) or a raw READONLY error; a writable
 * replica accepts them and loses them at its next sync with the primary (tester session 47 R42 T3 F3).
 */
public final class ServerRole {
    private ServerRole() {
    }

    /**
     * Asks the server its {@code ROLE}; a replica is refused, naming its primary. A server that does not answer ROLE
     * (an ACL without it) is not judged: its writes fail on their own.
     *
     * @param verb what would change Redis, for the message ("apply", "rollback", ...)
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} on a replica
     */
    public static void requirePrimary(RedisSession session, String verb) {
        List<Object> role;
        try {
            role = RedisReplies.list(session.call("ROLE"));
        } catch (RedisCommandException e) {
            return;
        }
        if (role.isEmpty() || !RedisReplies.text(role.get(0)).equals("slave")) {
            return;
        }
        String primary = role.size() > 2 ? RedisReplies.text(role.get(1)) + ":" + RedisReplies.whole(role.get(2))
                : "its primary";
        String link = role.size() > 3 ? ", state " + RedisReplies.text(role.get(3)) : "";
        throw new SlipwayException(ErrorCode.BAD_USAGE, "The server at " + session.endpoint().redacted() + " is a "
                + "replica of " + primary + " (ROLE: slave" + link + "), and " + verb + " changes indexes and documents, "
                + "which only a primary takes (a replica refuses them, or loses them at its next sync). Nothing was "
                + "changed. Run '" + verb + "' with --url (or REDIS_URL) pointing at the primary, " + primary + ".");
    }
}
