package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

import java.util.UUID;

/**
 * Refuses to change anything through a URL that selects a database Redis Search does not index. Indexes are global
 * (FT.INFO answers the same in every database) while documents are per database, so through database 1 an index
 * of database 0 looks right and its documents look gone: a rollback restored nothing there and still dropped the
 * migrated index. Servers that bind indexes to their database would pass the probe.
 */
public final class SearchDatabase {
    private SearchDatabase() {
    }

    /**
     * Probes database N (N != 0) with an FT.CREATE of a throwaway index over a prefix no key has, dropped at once.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when the server refuses indexes in that database
     */
    public static void requireIndexable(RedisSession session) {
        int database = session.endpoint().database();
        if (database == 0) {
            return;
        }
        String probe = "slipway-db-probe:" + UUID.randomUUID();
        try {
            session.call("FT.CREATE", probe, "ON", "HASH", "PREFIX", "1", probe + ":", "SCHEMA", "f", "TAG");
        } catch (RedisCommandException e) {
            if (e.serverMessage().contains("db != 0")) {
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The URL selects database " + database + ", and "
                        + "Redis Search on this server indexes only database 0 (" + e.serverMessage() + "), where "
                        + "the indexes' documents are. Nothing was changed. Re-run with a --url without /" + database
                        + ".");
            }
            throw e;
        }
        session.dropIndexIfPresent(probe);
    }
}
