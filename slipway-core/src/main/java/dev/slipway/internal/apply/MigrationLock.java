package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.LockHeldException;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.io.Digests;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.redis.ProcessOwner;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.HeldLock;
import dev.slipway.internal.rewrite.WorkerPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lease-based lock on an index name: {@code SET key owner NX PX lease}. While held, a background thread on its
 * own connection extends the lease every third of it; if the process dies the lease runs out and the next
 * {@code apply} can take over. Refresh and release only act when the key still holds this owner's value.
 *
 * <p>A process that stalls past its lease (a long GC pause, a suspended VM, {@code SIGSTOP}) stalls its refresh
 * thread too, and another process may take the lock meanwhile. Writers therefore call {@link #confirmHeld()} before
 * each batch: when the last confirmed refresh is older than half the lease, it confirms synchronously, and a lock
 * that is no longer this process's stops the writer. That leaves what was already on its way when the stall began
 * (the rest of a pipeline, buffered in the process). So the holder's connections carry a name derived from the lock
 * key ({@link #clientName()}), and whoever takes the lock first closes every connection of that name
 * ({@code CLIENT KILL}): whatever the stalled process sends after waking up reaches a closed connection.
 */
public final class MigrationLock implements AutoCloseable, HeldLock {
    /**
     * Lock values of runs in this process that ended without releasing their lock (Redis unreachable then, as after
     * a stop during an outage): this process's next run takes such a lock over at once, as one of a killed process,
     * instead of waiting out a lease of up to several minutes (tester session 47 R42 T3 F4, through the library).
     */
    private static final Set<String> ABANDONED = ConcurrentHashMap.newKeySet();

    private static final Logger LOG = LoggerFactory.getLogger(MigrationLock.class);
    /** How the names of lock holders' connections begin. */
    static final String CLIENT_NAME_PREFIX = "slipway-lock-";
    private static final String REFRESH = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
    private static final String TAKE_OVER = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end";
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "return redis.call('DEL', KEYS[1]) else return 0 end";

    private final RedisSession session;
    private final String key;
    private final String value;
    private final ScheduledExecutorService refresher;
    private final RedisEndpoint endpoint;
    private final Duration lease;
    private final AtomicBoolean lost = new AtomicBoolean();
    /** The name the holder's connections carry; empty when the server refused naming or listing clients. */
    private final String clientName;
    /** {@link System#nanoTime()} when the last SET or refresh that the server confirmed was sent. */
    private volatile long confirmedAt;
    private RedisSession refreshSession;

    private MigrationLock(RedisSession session, RedisEndpoint endpoint, String key, String value, Duration lease,
                          long confirmedAt, String clientName) {
        this.session = session;
        this.clientName = clientName;
        this.endpoint = endpoint;
        this.key = key;
        this.value = value;
        this.lease = lease;
        this.confirmedAt = confirmedAt;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "slipway-lock-refresh");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Who this process is, for lock values and checkpoints: host, pid, start time ({@link ProcessOwner}). */
    public static String processOwner() {
        return ProcessOwner.current();
    }

    /**
     * The lease of a run whose connections retry {@code maxRetries} times: {@code configured}, or longer when those
     * retries wait longer than it can outlast (tester session 37 R23 L3: an {@code apply --retries 9} rode out a 35 s
     * outage on its connections, then stopped on its lost lock). The lease must outlast the retries' whole wait plus
     * the time since the last refresh before the outage (a third of the lease at most), so it is half as long again
     * as the wait, and 5 s more. A process killed during such a run holds the lock that much longer; one on the same
     * host is taken over at once ({@link #ownerIsDeadLocalProcess}).
     */
    public static Duration leaseCovering(Duration configured, int maxRetries) {
        Duration needed = WorkerPool.retryWindow(maxRetries).multipliedBy(3).dividedBy(2).plusSeconds(5);
        return needed.compareTo(configured) > 0 ? needed : configured;
    }

    /**
     * Takes the lock or reports who holds it.
     *
     * @throws LockHeldException naming the owner and the lease left
     */
    public static MigrationLock acquire(RedisSession session, RedisEndpoint endpoint, KeyNamespace keys,
                                        String index, String planId, Duration lease) {
        return acquire(session, endpoint, keys, index, planId, lease, ProgressListener.NONE);
    }

    /**
     * As {@link #acquire(RedisSession, RedisEndpoint, KeyNamespace, String, String, Duration)}, showing a takeover
     * from a dead process as a warning on {@code progress} (and so in an apply's report), not only in the log.
     */
    public static MigrationLock acquire(RedisSession session, RedisEndpoint endpoint, KeyNamespace keys,
                                        String index, String planId, Duration lease, ProgressListener progress) {
        PermissionProbe.requireScripts(session, keys, index, "hold the migration lock of '" + index + "'");
        String key = keys.lock(index);
        String value = processOwner() + " plan " + planId;
        long sent = System.nanoTime();
        Object reply = take(session, key, value, lease, true);
        if (reply == null) {
            String owner = session.callString("GET", key);
            boolean abandoned = owner != null && ABANDONED.contains(owner);
            if (owner != null && (abandoned || ownerIsDeadLocalProcess(owner))) {
                // the holder ran on this host and its process is gone (killed): take over instead of
                // making the user wait out the lease; only if the value is still the dead owner's
                Object taken = session.call("EVAL", TAKE_OVER, "1", key, owner, value,
                        Long.toString(lease.toMillis()));
                if (RedisReplies.whole(taken) == 1) {
                    ABANDONED.remove(owner);
                    UserWarnings.warn(LOG, progress, "Took over the migration lock " + key + " from " + owner
                            + (abandoned ? ", an earlier run in this process that could not release it (Redis was "
                            + "unreachable when it ended)" : ", whose process no longer exists (killed)")
                            + "; this run carries on from its checkpoint.");
                    return started(session, endpoint, key, value, lease, sent);
                }
                owner = session.callString("GET", key);
            }
            throw held(session, key, index, owner);
        }
        return started(session, endpoint, key, value, lease, sent);
    }

    /**
     * {@code SET key value NX PX lease}: "OK" when taken, null when another holds it. A reply lost with the connection
     * leaves it unknown whether the server ran the command: the lock is read again on the replaced connection, and
     * holds this run's value if it did (the run goes on), nothing if it did not (sent once more). Before, the run
     * failed while the server held the lock for it, and a re-run in the same process, or on another host, was
     * refused until the lease ran out ("held by" this very process; found by cutting each command of apply in turn).
     * When the lock cannot be read either, the value is left to this process's next run to take over.
     */
    private static Object take(RedisSession session, String key, String value, Duration lease, boolean again) {
        try {
            return session.call("SET", key, value, "NX", "PX", Long.toString(lease.toMillis()));
        } catch (SlipwayException lost) {
            if (lost.code() != ErrorCode.REDIS_UNAVAILABLE) {
                throw lost;
            }
            String now;
            try {
                now = session.callString("GET", key);
            } catch (RuntimeException unreadable) {
                ABANDONED.add(value);
                throw lost;
            }
            if (value.equals(now)) {
                return "OK";
            }
            if (now == null && again) {
                return take(session, key, value, lease, false);
            }
            if (now == null) {
                throw lost;
            }
            return null;
        }
    }

    /**
     * Refuses, changing nothing, when another process holds the lock of {@code index} now (one on this host that no
     * longer runs does not count: {@link #acquire} takes it over). Apply asks first, so that a run that checks its
     * input against the migration's state does not send a user after a mismatch with a run still going: "resume it
     * with the same directory" for a second apply with another --backup-dir (tester session 38 R25 F4).
     *
     * @throws LockHeldException naming the owner and the lease left
     */
    public static void refuseIfHeld(RedisSession session, KeyNamespace keys, String index) {
        Optional<String> owner = holder(session, keys, index);
        if (owner.isPresent()) {
            throw held(session, keys.lock(index), index, owner.get());
        }
    }

    /** Who holds the lock of {@code index} now, if another process does ({@link #refuseIfHeld}); changes nothing. */
    public static Optional<String> holder(RedisSession session, KeyNamespace keys, String index) {
        String owner = session.callString("GET", keys.lock(index));
        return owner != null && !ownerIsDeadLocalProcess(owner) && !ABANDONED.contains(owner) ? Optional.of(owner)
                : Optional.empty();
    }

    private static LockHeldException held(RedisSession session, String key, String index, String owner) {
        long ttl = RedisReplies.whole(session.call("PTTL", key));
        return new LockHeldException("Another migration of '" + index + "' is running: lock '" + key
                + "' is held by " + owner + " (lease expires in " + Math.max(ttl, 0) / 1000 + " s). Wait for it "
                + "to finish, check 'slipway status --index " + index + "', or, if that process is gone, wait "
                + "for the lease to expire and re-run.", owner);
    }

    private static MigrationLock started(RedisSession session, RedisEndpoint endpoint, String key, String value,
                                         Duration lease, long sent) {
        MigrationLock lock = new MigrationLock(session, endpoint, key, value, lease, sent, fenceOff(session, key));
        session.guardReconnects(lock::confirmHeld); // a replaced connection must not outlive the lock
        long period = lock.refreshPeriodMillis();
        lock.refresher.scheduleWithFixedDelay(lock::refresh, period, period, TimeUnit.MILLISECONDS);
        return lock;
    }

    /** The connection name of the holders of the lock {@code key}: no spaces, whatever the index is called. */
    static String clientNameFor(String key) {
        return CLIENT_NAME_PREFIX + Digests.shortSha256(key);
    }

    /**
     * Closes the connections of earlier holders of the lock (named by {@link #clientNameFor}), then names this
     * session so. Run right after the lock was taken: an earlier holder whose lease ran out may only be stalled, with
     * part of a pipeline still in its buffers. A server that refuses {@code CLIENT LIST}, {@code KILL} or
     * {@code SETNAME} (an ACL) leaves the lock without that fence, with a warning; the empty name says so.
     */
    private static String fenceOff(RedisSession session, String key) {
        String name = clientNameFor(key);
        try {
            long self = RedisReplies.whole(session.call("CLIENT", "ID"));
            int closed = 0;
            for (String line : session.callString("CLIENT", "LIST", "TYPE", "normal").split("\n")) {
                Map<String, String> client = clientFields(line);
                if (name.equals(client.get("name")) && !String.valueOf(self).equals(client.get("id"))) {
                    closed += (int) RedisReplies.whole(session.call("CLIENT", "KILL", "ID", client.get("id")));
                }
            }
            if (closed > 0) {
                LOG.warn("Closed {} connection(s) of an earlier holder of the migration lock {}, whose lease ran out",
                        closed, key);
            }
            session.call("CLIENT", "SETNAME", name);
            return name;
        } catch (RuntimeException e) {
            LOG.warn("Could not close earlier holders' connections of the migration lock {} ({}): a process that "
                    + "stalled past its lease could still land the writes it had on its way", key, e.getMessage());
            return "";
        }
    }

    /** The {@code key=value} fields of one {@code CLIENT LIST} line (values hold no spaces). */
    static Map<String, String> clientFields(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String field : line.strip().split(" ")) {
            int equals = field.indexOf('=');
            if (equals > 0) {
                fields.put(field.substring(0, equals), field.substring(equals + 1));
            }
        }
        return fields;
    }

    /** Whether a lock value names a process on this host that no longer runs ({@link ProcessOwner}). */
    public static boolean ownerIsDeadLocalProcess(String owner) {
        return ProcessOwner.isDeadLocalProcess(owner);
    }

    /** How often the lease is extended: every third of it. */
    private long refreshPeriodMillis() {
        return Math.max(lease.toMillis() / 3, 50);
    }

    /** Extends the lease if the key still holds this owner's value; marks the lock lost otherwise. */
    private synchronized void refresh() {
        if (lost.get()) {
            return; // never taken back: the process that held it meanwhile may have changed what this one relied on
        }
        try {
            long sent = System.nanoTime();
            Object reply;
            try {
                reply = extend();
            } catch (SlipwayException e) {
                if (e.code() != ErrorCode.REDIS_UNAVAILABLE) {
                    throw e;
                }
                // the connection idles between refreshes, and a server's (or a proxy's) idle timeout closes it: a new
                // one goes on quietly; the script only extends a lease this owner holds, so sending it again is safe
                // (tester session 47 R42 T3 F5: a run that succeeded told the user to re-run)
                LOG.debug("Extending the migration lock {} on a new connection ({})", key, RedisSession.rootMessage(e));
                sent = System.nanoTime();
                reply = extend();
            }
            if (RedisReplies.whole(reply) == 1) {
                confirmedAt = sent;
            } else {
                lost.set(true);
                // not "its lease ran out": a server restarted from an older snapshot lost the key too (tester R25 F7)
                LOG.error("Lost the migration lock {}: the key no longer holds this process's lease (it ran out, or "
                        + "the key was deleted or changed; another process may hold it now)", key);
            }
        } catch (RuntimeException e) {
            closeRefreshSession();
            LOG.warn("Could not extend the migration lock {} ({}); trying again in {} s, the run stops if the lease of "
                    + "{} s runs out first", key, RedisSession.rootMessage(e), refreshPeriodMillis() / 1000.0,
                    lease.toSeconds());
        }
    }

    /** Sends the lease's extension on the refresher's own connection, made anew after a failure. */
    private Object extend() {
        try {
            if (refreshSession == null) {
                refreshSession = RedisSession.open(endpoint, 5000);
            }
            return refreshSession.call("EVAL", REFRESH, "1", key, value, Long.toString(lease.toMillis()));
        } catch (RuntimeException e) {
            closeRefreshSession();
            throw e;
        }
    }

    private void closeRefreshSession() {
        if (refreshSession != null) {
            refreshSession.close();
            refreshSession = null;
        }
    }

    /**
     * Returns at once while the last confirmed refresh is younger than half the lease; otherwise refreshes now and
     * returns if that confirms the lock. A lock whose key holds another value, or none, or that could not be
     * confirmed within its lease, is lost for good.
     *
     * @throws SlipwayException {@link ErrorCode#LOCK_HELD} when the lock is lost
     */
    @Override
    public void confirmHeld() {
        if (!lost.get() && System.nanoTime() - confirmedAt < lease.toNanos() / 2) {
            return;
        }
        refresh();
        long age = System.nanoTime() - confirmedAt;
        if (!lost.get() && age >= lease.toNanos()) {
            lost.set(true); // the lease may have run out on the server while this process could not reach it
            LOG.error("Lost the migration lock {}: could not extend its lease within {} s", key, lease.toSeconds());
        }
        if (lost.get()) {
            double seconds = age / 100_000_000 / 10.0;
            String why = age >= lease.toNanos() ? "its " + lease.toMillis() / 1000.0 + " s lease ran out: it was "
                    + "last extended " + seconds + " s ago, because the process stalled or could not reach Redis"
                    : "its key was deleted or changed while the lease still ran, by another process, by a server "
                    + "restart from an older snapshot, or by an eviction at maxmemory";
            throw new SlipwayException(ErrorCode.LOCK_HELD, "Stopped: this process no longer holds the migration "
                    + "lock '" + key + "' (" + why + "), so another process, such as a rollback, may have taken it; "
                    + "nothing more was written. Run 'slipway status' before anything else.");
        }
    }

    /**
     * Refreshes the lease now, whenever it was last confirmed, and throws as {@link #confirmHeld} when the key no
     * longer holds this owner's value: after a server restart from an older snapshot, the key is gone (or holds an
     * older lease of this owner, which the refresh extends).
     */
    @Override
    public void confirmHeldNow() {
        refresh();
        confirmHeld();
    }

    @Override
    public String clientName() {
        return clientName;
    }

    /** Whether the lock was lost (the lease ran out; another process may hold it). */
    @Override
    public boolean isLost() {
        return lost.get();
    }

    /** Releases the lock if this process still holds it. */
    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (refreshSession != null) {
            refreshSession.close();
        }
        session.guardReconnects(null);
        if (lost.get()) {
            return; // not this process's any more (and its connection may have been closed by the new holder)
        }
        try {
            session.call("EVAL", RELEASE, "1", key, value);
        } catch (RuntimeException e) {
            ABANDONED.add(value); // this process's next run takes it over, as after a kill (R42 T3 F4)
            LOG.warn("Could not release the migration lock {}; it expires with its lease: {}", key, e.getMessage());
        }
    }
}
