package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * Refuses, before anything is changed, to change indexes or documents on a replica. A read-only replica refuses
 * every write, which surfaced as a wrong diagnosis (the target schema rejected) or a raw READONLY error; a writable
 * replica accepts them and loses them at its next sync with the primary (tester session 47 R42 T3 F3).
 */
public final class ServerRole {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRole.class);

    private ServerRole() {
    }

    /**
     * Asks the server its {@code ROLE}; a replica is refused, naming its primary. A user that may not run ROLE (it is
     * in {@code @dangerous}) is answered by {@code HELLO}, which every client may send and which names the role
     * without the primary (tester session 48 R43 T3 F2: such a user's apply on a writable replica exited 0, and the
     * replica dropped the migration at its next sync). A server that answers neither is not judged, with a warning.
     *
     * @param verb what would change Redis, for the message ("apply", "rollback", ...)
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} on a replica
     */
    public static void requirePrimary(RedisSession session, String verb) {
        String primary;
        String seen;
        try {
            List<Object> role = RedisReplies.list(session.call("ROLE"));
            if (role.isEmpty() || !RedisReplies.text(role.get(0)).equals("slave")) {
                return;
            }
            primary = role.size() > 2 ? RedisReplies.text(role.get(1)) + ":" + RedisReplies.whole(role.get(2))
                    : null;
            seen = "ROLE: slave" + (role.size() > 3 ? ", state " + RedisReplies.text(role.get(3)) : "");
        } catch (RedisCommandException refused) {
            Optional<String> hello = hello(session, "role");
            if (hello.isEmpty()) {
                LOG.warn("Could not tell whether {} is a primary or a replica (ROLE: {}; HELLO did not say): if it "
                        + "is a replica, what {} changes there is refused or lost at its next sync",
                        session.endpoint().redacted(), refused.serverMessage().strip(), verb);
                return;
            }
            if (!hello.get().equals("replica")) {
                return;
            }
            primary = null;
            seen = "HELLO: role replica; the primary is not named, as " + session.unanswered("ROLE");
        }
        String where = primary == null ? "its primary" : "the primary, " + primary;
        throw new SlipwayException(ErrorCode.BAD_USAGE, "The server at " + session.endpoint().redacted() + " is a "
                + "replica" + (primary == null ? "" : " of " + primary) + " (" + seen + "), and " + verb
                + " changes indexes and documents, which only a primary takes (a replica refuses them, or loses them "
                + "at its next sync). Nothing was changed. Run '" + verb + "' with --url (or REDIS_URL) pointing at "
                + where + ".");
    }

    /**
     * A field of the server's {@code HELLO} reply ({@code role}, {@code version}; the protocol stays as it was),
     * which every user may ask for; empty if none.
     */
    static Optional<String> hello(RedisSession session, String field) {
        try {
            List<Object> fields = RedisReplies.list(session.call("HELLO"));
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if (RedisReplies.text(fields.get(i)).equals(field)) {
                    return Optional.of(RedisReplies.text(fields.get(i + 1)));
                }
            }
            return Optional.empty();
        } catch (RedisCommandException e) {
            return Optional.empty();
        }
    }
}
