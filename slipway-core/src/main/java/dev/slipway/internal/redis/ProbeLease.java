package dev.slipway.internal.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A lease on one of Slipway's throwaway indexes ({@link SchemaProbeName}): a key that lives while the process that
 * made the index uses it. A background thread on a connection of its own extends it every third of
 * {@link #LEASE}; a killed process stops extending it, and the key runs out. So an index whose lease is gone was left
 * behind, and any run may drop it ({@code FilterScope.dropLeftBehind}), while one in use is never dropped under a
 * running {@code apply} or {@code validate}: before leases, a killed {@code validate}'s index stayed until the next
 * apply or rollback of the index, and that apply dropped a running validate's index under it.
 *
 * <p>The lease is taken before the index is created and released after it is dropped, so an index without a lease
 * is never one being made. Its value names the process ({@link ProcessOwner}): one whose process on this host no
 * longer runs is not held either, so a run on the host of a killed one drops its index at once instead of a lease
 * later.
 */
public final class ProbeLease implements AutoCloseable {
    /** How long a lease lives without being extended. */
    static final Duration LEASE = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(ProbeLease.class);
    private static final ProbeLease NONE = new ProbeLease(null, null, LEASE, null, null, null);

    private final RedisSession session;
    private final String key;
    private final Duration lease;
    private final RedisSession own;
    private final ScheduledExecutorService refresher;
    /** The process holding it ({@link ProcessOwner}), the lease's value. */
    private final String owner;

    private ProbeLease(RedisSession session, String key, Duration lease, RedisSession own,
                       ScheduledExecutorService refresher, String owner) {
        this.session = session;
        this.owner = owner;
        this.key = key;
        this.lease = lease;
        this.own = own;
        this.refresher = refresher;
    }

    /**
     * Takes the lease {@code key} (one of Slipway's namespace, per throwaway index) and keeps extending it until
     * {@link #close}. A server that refuses the key (an ACL) gives no lease, with a warning: the index is then made
     * anyway, as before leases, and another run may take it for one left behind.
     */
    public static ProbeLease take(RedisSession session, String key) {
        return take(session, key, LEASE);
    }

    /** As {@link #take(RedisSession, String)}, for {@code lease} at a time (tests use a short one). */
    static ProbeLease take(RedisSession session, String key, Duration lease) {
        String ms = Long.toString(lease.toMillis());
        String owner = ProcessOwner.current();
        try {
            session.call("SET", key, owner, "PX", ms);
        } catch (RedisCommandException e) {
            LOG.warn("Could not take the lease '{}' on a throwaway index ({}); another run of Slipway may drop the "
                    + "index as one left behind", key, e.serverMessage());
            return NONE;
        }
        RedisSession own;
        try {
            own = RedisSession.open(session.endpoint(), 5_000).reconnecting(2);
        } catch (RuntimeException e) {
            LOG.warn("Could not open a connection to extend the lease '{}' ({}); it runs out in {} s", key,
                    e.getMessage(), lease.toSeconds());
            return new ProbeLease(session, key, lease, null, null, owner);
        }
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "slipway-probe-lease");
            thread.setDaemon(true);
            return thread;
        });
        ProbeLease taken = new ProbeLease(session, key, lease, own, refresher, owner);
        long period = lease.toMillis() / 3;
        refresher.scheduleAtFixedRate(taken::extend, period, period, TimeUnit.MILLISECONDS);
        return taken;
    }

    private void extend() {
        try {
            own.call("SET", key, owner, "PX", Long.toString(lease.toMillis()));
        } catch (RuntimeException e) { // the next tick tries again; the connection reconnects
            LOG.debug("Could not extend the lease '{}': {}", key, e.getMessage());
        }
    }

    /**
     * Whether a run of Slipway holds the lease {@code key} now: it exists, and does not name a process on this host
     * that no longer runs (a killed run's index is dropped at once then, not a lease later).
     */
    public static boolean held(RedisSession session, String key) {
        String owner = session.callString("GET", key);
        return owner != null && !ProcessOwner.isDeadLocalProcess(owner);
    }

    /** Stops extending the lease and deletes it (call after the index is dropped); a failure only logs. */
    @Override
    public void close() {
        if (key == null) {
            return;
        }
        if (refresher != null) {
            refresher.shutdownNow();
            try {
                refresher.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            own.close();
        }
        try {
            session.call("DEL", key);
        } catch (RuntimeException e) {
            LOG.debug("Could not delete the lease '{}' ({}); it runs out in {} s", key, e.getMessage(),
                    lease.toSeconds());
        }
    }
}
