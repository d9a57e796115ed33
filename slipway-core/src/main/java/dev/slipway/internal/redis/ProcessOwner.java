package dev.slipway.internal.redis;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Who this process is, as the values of the keys a run holds while it works (the migration lock, a throwaway index's
 * lease) name it: host, pid and start time. A run on the same host can then tell that such a key's holder was killed
 * and need not wait for its lease.
 */
public final class ProcessOwner {
    /** Made once: the host's name may take a look-up. */
    private static final String CURRENT = describe();

    private ProcessOwner() {
    }

    /** This process: {@code <host>/pid <pid> since <start>}. */
    public static String current() {
        return CURRENT;
    }

    private static String describe() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return host + "/pid " + ProcessHandle.current().pid() + " since "
                + Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
    }

    /** Whether {@code owner} (a value {@link #current} made) names a process on this host that no longer runs. */
    public static boolean isDeadLocalProcess(String owner) {
        String self = current();
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
    private static boolean running(long pid) {
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
}
