package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.rewrite.BackupHeader.Origin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The server a rewrite's backup belongs to. A plan applies to any server whose index has its schema, and a restart
 * changes a server's {@code run_id}, so neither tells servers apart: the same {@code --backup-dir} given to the same
 * plan on a second server (a runbook run for staging, then production) was taken for a restart, the second server's
 * originals were appended to the first's, and the first server's rollback then restored the second's values (tester
 * session 55 R49 T2 F4). So before the first record, apply writes a random mark, with the address it reached the
 * server at, to the backup's header ({@link BackupHeader#origin}) and the mark to the server
 * ({@link KeyNamespace#backupOrigin}). The mark is written before the first document changes, so a server without it
 * holds nothing this backup undoes: it is another server, or this one restarted from a snapshot taken before the
 * rewrite began, which a resume handles (it reads every document again). Redis holds nothing that tells the two
 * apart; the address does, mostly: at the address the mark was made at, a backup with records is taken for this
 * server restarted and marked again, and at any other it is refused, with the command that marks it by hand for a
 * server reached at another address.
 */
public final class BackupOrigin {
    private static final Logger LOG = LoggerFactory.getLogger(BackupOrigin.class);

    private BackupOrigin() {
    }

    /**
     * Before apply's first change: marks a backup that holds no record yet for this server (again, when a run that
     * wrote none was begun elsewhere), and refuses one whose records came from a server that is not this one.
     */
    static void markOrRequire(RedisSession session, KeyNamespace keys, BackupDirectory backup) {
        BackupHeader header = backup.header();
        if (header.documentsBackedUp() > 0) {
            require(session, keys, backup.dir(), header, "'slipway apply'", true);
            return;
        }
        String key = keys.backupOrigin(header.planId());
        if (header.origin() != null && header.origin().id().equals(session.callString("GET", key))) {
            return;
        }
        Origin fresh = new Origin(UUID.randomUUID().toString(), address(session));
        session.call("SET", key, fresh.id()); // the server first: a backup marked alone would refuse its own server
        backup.writeHeader(header.withOrigin(fresh), true);
    }

    /**
     * Refuses (exit 2, nothing changed) a backup with records whose mark this server does not hold, unless it is
     * reached at the address the mark was made at (then taken for this server restarted from an older snapshot, and
     * marked again). A backup made before marks were written has none, and is not checked.
     */
    public static void require(RedisSession session, KeyNamespace keys, Path dir, BackupHeader header,
                               String command) {
        require(session, keys, dir, header, command, true);
    }

    /**
     * As {@link #require}, read only (the mark is not set again at the mark's address): for the checks before the
     * first change, and {@code Slipway.check}, so that the CLI refuses before it asks for confirmation.
     */
    static void refuseIfForeign(RedisSession session, KeyNamespace keys, ApplyOptions options) {
        options.backupDir().map(d -> d.toAbsolutePath().normalize()).ifPresent(dir -> BackupDirectory.readHeader(dir)
                .ifPresent(header -> require(session, keys, dir, header, "'slipway apply'", false)));
    }

    private static void require(RedisSession session, KeyNamespace keys, Path dir, BackupHeader header,
                                String command, boolean markAgain) {
        Origin mark = header.origin();
        if (mark == null || header.documentsBackedUp() == 0 || header.phase() == BackupHeader.Phase.ROLLED_BACK) {
            return; // nothing of this backup to restore or add to (a finished rollback deleted the server's mark)
        }
        String key = keys.backupOrigin(header.planId());
        String held = session.callString("GET", key);
        if (mark.id().equals(held)) {
            return;
        }
        if (held == null && mark.address().equals(address(session))) {
            if (markAgain) {
                LOG.warn("The server at {} holds no mark of the backup in {} ('{}'), which was made on this address: "
                        + "taken for this server restarted from a snapshot older than the rewrite, and marked again",
                        mark.address(), dir, key);
                session.call("SET", key, mark.id());
            }
            return;
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup in " + dir + " was made on the server at "
                + mark.address() + ", and the one at " + address(session) + " " + (held == null
                ? "holds no mark of it" : "holds the mark of another backup of this plan") + " ('" + key + "', set "
                + "before the rewrite changed any document). Nothing was changed by " + command + ". If this is "
                + "another server, run the rollback or the resume where the backup was made, and give this server a "
                + "new, empty --backup-dir. If it is the same server reached at another address, run 'SET " + key
                + " " + mark.id() + "' on it and re-run.");
    }

    private static String address(RedisSession session) {
        return session.endpoint().host() + ":" + session.endpoint().port();
    }
}
