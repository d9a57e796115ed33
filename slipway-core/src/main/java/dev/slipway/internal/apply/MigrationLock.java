package dev.slipway.internal.apply;

import dev.slipway.api.LockHeldException;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lease-based lock on an index name: {@code SET key owner NX PX lease}. While held, a background thread on its
 * own connection extends the lease every third of it; if the process dies the lease runs out and the next
 * {@code apply} can take over. Refresh and release only act when the key still holds this owner's value.
 */
public final class MigrationLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationLock.class);
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
    private final AtomicBoolean lost = new AtomicBoolean();
    private RedisSession refreshSession;

    private MigrationLock(RedisSession session, String key, String value, ScheduledExecutorService refresher) {
        this.session = session;
        this.key = key;
        this.value = value;
        this.refresher = refresher;
    }

    /** Who this process is, for lock values and checkpoints: host, pid, start time. */
    public static String processOwner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown-host";
        }
        return host + "/pid " + ProcessHandle.current().pid() + " since "
                + Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
    }

    /**
     * Takes the lock or reports who holds it.
     *
     * @throws LockHeldException naming the owner and the lease left
     */
    public static MigrationLock acquire(RedisSession session, RedisEndpoint endpoint, KeyNamespace keys,
                                        String index, String planId, Duration lease) {
        String key = keys.lock(index);
        String value = processOwner() + " plan " + planId;
        Object reply = session.call("SET", key, value, "NX", "PX", Long.toString(lease.toMillis()));
        if (reply == null) {
            String owner = session.callString("GET", key);
            if (owner != null && ownerIsDeadLocalProcess(owner)) {
                // the holder ran on this host and its process is gone (killed): take over instead of
                // making the user wait out the lease; only if the value is still the dead owner's
                Object taken = session.call("EVAL", TAKE_OVER, "1", key, owner, value,
                        Long.toString(lease.toMillis()));
                if (RedisReplies.whole(taken) == 1) {
                    LOG.warn("Took over the migration lock {} from {}, whose process no longer exists", key, owner);
                    return started(session, endpoint, key, value, lease);
                }
                owner = session.callString("GET", key);
            }
            long ttl = RedisReplies.whole(session.call("PTTL", key));
            throw new LockHeldException("Another migration of '" + index + "' is running: lock '" + key
                    + "' is held by " + owner + " (lease expires in " + Math.max(ttl, 0) / 1000 + " s). Wait for it "
                    + "to finish, check 'slipway status --index " + index + "', or, if that process is gone, wait "
                    + "for the lease to expire and re-run.", owner);
        }
        return started(session, endpoint, key, value, lease);
    }

    private static MigrationLock started(RedisSession session, RedisEndpoint endpoint, String key, String value,
                                         Duration lease) {
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "slipway-lock-refresh");
            thread.setDaemon(true);
            return thread;
        });
        MigrationLock lock = new MigrationLock(session, key, value, refresher);
        lock.startRefreshing(endpoint, lease);
        return lock;
    }

    /** Whether a lock value names a process on this host that no longer runs. */
    static boolean ownerIsDeadLocalProcess(String owner) {
        String self = processOwner();
        String host = self.substring(0, self.indexOf("/pid "));
        if (!owner.startsWith(host + "/pid ")) {
            return false;
        }
        String rest = owner.substring(host.length() + 5);
        int space = rest.indexOf(' ');
        try {
            long pid = Long.parseLong(space < 0 ? rest : rest.substring(0, space));
            return pid != ProcessHandle.current().pid() && !running(pid);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Whether a local process runs: alive and not a zombie. A process killed by {@code kill -9} stays a zombie until
     * its parent reaps it, which in some containers (a PID 1 that reaps late) takes a while; it still holds its pid,
     * so {@link ProcessHandle#isAlive} says yes, and the next run used to wait for the lease.
     */
    static boolean running(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() && !zombie(pid);
    }

    /** Whether Linux's /proc says the process has exited and waits to be reaped (state Z); false elsewhere. */
    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int name = stat.lastIndexOf(')'); // the state follows the command name, which may hold spaces
            return name > 0 && name + 2 < stat.length() && stat.charAt(name + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void startRefreshing(RedisEndpoint endpoint, Duration lease) {
        long period = Math.max(lease.toMillis() / 3, 50);
        refresher.scheduleAtFixedRate(() -> refresh(endpoint, lease), period, period, TimeUnit.MILLISECONDS);
    }

    private void refresh(RedisEndpoint endpoint, Duration lease) {
        try {
            if (refreshSession == null) {
                refreshSession = RedisSession.open(endpoint, 5000);
            }
            Object reply = refreshSession.call("EVAL", REFRESH, "1", key, value, Long.toString(lease.toMillis()));
            if (RedisReplies.whole(reply) != 1) {
                lost.set(true);
                LOG.error("Lost the migration lock {}: another process took it after the lease expired", key);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not extend the migration lock {}: {}", key, e.getMessage());
            if (refreshSession != null) {
                refreshSession.close();
                refreshSession = null;
            }
        }
    }

    /** Whether the lock was lost (the lease ran out and someone else took it). */
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
        try {
            session.call("EVAL", RELEASE, "1", key, value);
        } catch (RuntimeException e) {
            LOG.warn("Could not release the migration lock {}; it expires with its lease: {}", key, e.getMessage());
        }
    }
}
