package dev.slipway.internal.apply;

import dev.slipway.internal.rewrite.WorkerPool;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

class MigrationLockTest {

    private static String ownerOf(long pid) {
        String self = MigrationLock.processOwner();
        return self.substring(0, self.indexOf("/pid ")) + "/pid " + pid + " since 2026-01-01T00:00:00Z";
    }

    @Test
    void aRunningProcessHoldsItsLockAndThisProcessIsNeverDead() throws IOException, InterruptedException {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(MigrationLock.ownerIsDeadLocalProcess(ownerOf(sleeper.pid()))).isFalse();
            assertThat(MigrationLock.ownerIsDeadLocalProcess(MigrationLock.processOwner())).isFalse();
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
        assertThat(MigrationLock.ownerIsDeadLocalProcess(ownerOf(sleeper.pid()))).isTrue();
        assertThat(MigrationLock.ownerIsDeadLocalProcess("other-host/pid 1 since x")).isFalse();
    }

    /**
     * A killed process that its parent has not reaped yet (a zombie) no longer runs: its lock can be taken over.
     * The shell starts a child and replaces itself with a sleep, which never reaps that child.
     */
    @Test
    void aZombieHoldsNoLock() throws IOException, InterruptedException {
        assumeThat(Files.isDirectory(Path.of("/proc/self"))).as("Linux /proc").isTrue();
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0 & echo $!; exec sleep 30").start();
        try {
            long child;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.UTF_8))) {
                child = Long.parseLong(out.readLine().trim());
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!Files.readString(Path.of("/proc", Long.toString(child), "stat")).contains(") Z ")
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).as("the JDK still sees it")
                    .contains(true);
            assertThat(MigrationLock.ownerIsDeadLocalProcess(ownerOf(child))).isTrue();
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }

    @Test
    void holdersConnectionsAreNamedPerLockWithoutSpaces() {
        String name = MigrationLock.clientNameFor("slipway:lock:my index");

        assertThat(name).startsWith(MigrationLock.CLIENT_NAME_PREFIX).doesNotContain(" ").hasSize(13 + 16);
        assertThat(MigrationLock.clientNameFor("slipway:lock:my index")).isEqualTo(name);
        assertThat(MigrationLock.clientNameFor("slipway:lock:other")).isNotEqualTo(name);
    }

    @Test
    void clientListLinesSplitIntoFields() {
        String line = "id=42 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=slipway-lock-0011 age=3 cmd=hset "
                + "user=default lib-name=jedis\r";

        assertThat(MigrationLock.clientFields(line))
                .containsEntry("id", "42").containsEntry("name", "slipway-lock-0011").containsEntry("cmd", "hset")
                .containsEntry("lib-name", "jedis");
        assertThat(MigrationLock.clientFields("id=7 name= age=1")).containsEntry("name", "");
    }

    /**
     * The lease of a run outlasts its retries' whole wait by half again and 5 s (the time since the last refresh
     * before an outage is up to a third of the lease); the configured lease when that is longer.
     */
    @Test
    void theLeaseOutlastsTheRetriesWait() {
        assertThat(WorkerPool.retryWindow(0)).isEqualTo(Duration.ZERO);
        assertThat(WorkerPool.retryWindow(5)).isEqualTo(Duration.ofMillis(3_100));
        assertThat(WorkerPool.retryWindow(8)).isEqualTo(Duration.ofMillis(22_700));
        assertThat(WorkerPool.retryWindow(12)).isEqualTo(Duration.ofMillis(62_700));
        Duration thirty = Duration.ofSeconds(30);
        assertThat(MigrationLock.leaseCovering(thirty, 5)).isEqualTo(thirty);
        assertThat(MigrationLock.leaseCovering(thirty, 7)).isEqualTo(thirty); // 12.7 s: 24.05 s
        assertThat(MigrationLock.leaseCovering(thirty, 8)).isEqualTo(Duration.ofMillis(39_050));
        assertThat(MigrationLock.leaseCovering(thirty, 12)).isEqualTo(Duration.ofMillis(99_050));
        assertThat(MigrationLock.leaseCovering(Duration.ofMinutes(5), 12)).isEqualTo(Duration.ofMinutes(5));
        for (int retries = 0; retries < 20; retries++) {
            Duration lease = MigrationLock.leaseCovering(Duration.ofSeconds(1), retries);
            assertThat(lease.minus(lease.dividedBy(3))).as("%d retries", retries)
                    .isGreaterThan(WorkerPool.retryWindow(retries));
        }
    }
}
