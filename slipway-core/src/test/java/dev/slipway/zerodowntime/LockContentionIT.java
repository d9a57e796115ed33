package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.LockHeldException;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The migration lock of a name: refused while someone alive holds it, taken over from a dead local process. */
@ExtendWith(RedisStackExtension.class)
class LockContentionIT {
    private static final int DOCS = 500;
    private static final String LOCK = "slipway:lock:products";
    private static final String OTHER_OWNER = "otherhost/pid 1 since 2024-01-01T00:00:00Z plan 0123456789abcdef";

    @Test
    void applyRefusesALockHeldByAnotherOwnerAndChangesNothing(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        holdLock(redis, OTHER_OWNER);
        Snapshot before = Snapshot.of(redis);

        LockHeldException held = refusedByLock(() -> slipway.apply(plan, ApplyOptions.DEFAULTS), OTHER_OWNER);

        assertThat(held.getMessage()).contains("products");
        assertThat(Snapshot.of(redis)).isEqualTo(before);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.pttl(LOCK)).as("the lease is left alone").isPositive();
            jedis.del(LOCK);
        }
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS).result())
                .as("the same plan applies once the lock is free").isEqualTo(MigrationReport.Result.SUCCEEDED);
    }

    /**
     * A user whose ACL refuses {@code CLIENT} commands still migrates: the lock then works without closing an earlier
     * holder's connections (and says so in a warning), instead of failing.
     */
    @Test
    void aUserWhoseAclRefusesClientCommandsStillMigrates(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, 300);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("ACL"), "SETUSER", "app", "on", ">secret", "~*", "&*",
                    "+@all", "-client");
        }
        Slipway slipway = Slipway.configure().url("redis://app:secret@127.0.0.1:" + redis.port()).load();

        MigrationReport report = slipway.apply(slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())),
                ApplyOptions.DEFAULTS);

        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        try (Jedis app = new Jedis("127.0.0.1", redis.port())) {
            app.auth("app", "secret");
            assertThat(catchThrowable(() -> app.sendCommand(RedisStackServer.command("CLIENT"), "LIST")))
                    .as("the ACL does refuse CLIENT").hasMessageContaining("NOPERM");
        }
    }

    @Test
    void rollbackAndPruneRefuseWhileTheLockIsHeld(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        slipway.apply(slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())), ApplyOptions.DEFAULTS);
        holdLock(redis, OTHER_OWNER);
        Snapshot before = Snapshot.of(redis);

        refusedByLock(() -> slipway.rollback(Catalog.NAME), OTHER_OWNER);
        refusedByLock(() -> slipway.prune(Catalog.NAME, Optional.empty()), OTHER_OWNER);

        assertThat(Snapshot.of(redis)).isEqualTo(before);
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
        try (Jedis jedis = redis.newJedis()) {
            jedis.del(LOCK);
        }
        assertThat(slipway.rollback(Catalog.NAME).to()).as("rollback works once the lock is free")
                .isEqualTo("products:v1");
        assertThat(slipway.prune(Catalog.NAME, Optional.empty()).dropped()).isNotEmpty();
    }

    @Test
    void aLockOfALiveLocalProcessIsRespectedAndOfADeadOneTakenOver(RedisStackServer redis) throws Exception {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        Process other = new ProcessBuilder("sleep", "60").start();
        String owner = localOwner(other.pid());
        try {
            holdLock(redis, owner);
            Snapshot before = Snapshot.of(redis);
            refusedByLock(() -> slipway.apply(plan, ApplyOptions.DEFAULTS), owner);
            assertThat(Snapshot.of(redis)).as("a live local holder is not taken over").isEqualTo(before);
        } finally {
            other.destroyForcibly();
            assertThat(other.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }

        MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);

        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        // in the report, not only in the log (tester session 45 R40 F11)
        assertThat(report.warnings()).anyMatch(w -> w.startsWith("Took over the migration lock " + LOCK + " from "
                + owner + ", whose process no longer exists"));
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.exists(LOCK)).as("released after the run").isFalse();
        }
    }

    @Test
    void twoConcurrentAppliesOfDifferentPlansNeverRunTogether(RedisStackServer redis) throws Exception {
        for (int round = 0; round < 3; round++) {
            redis.flushAll();
            Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            List<MigrationPlan> plans = List.of(
                    slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())),
                    slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand())));
            assertThat(plans.get(0).planId()).isNotEqualTo(plans.get(1).planId());
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            List<Future<MigrationReport>> outcomes = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                MigrationPlan plan = plans.get(i);
                String label = "plan" + i;
                outcomes.add(threads.submit(() -> {
                    start.await();
                    return applyRecording(redis, plan, label, events);
                }));
            }
            threads.shutdown();
            assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

            List<Integer> winners = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                try {
                    assertThat(outcomes.get(i).get().result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
                    winners.add(i);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).as("the loser is refused before it changes anything")
                            .isInstanceOfAny(LockHeldException.class, StalePlanException.class);
                }
            }
            assertThat(winners).as("exactly one apply succeeds").hasSize(1);
            int winner = winners.get(0);
            assertThat(events).as("only the winner ran steps").isNotEmpty()
                    .allSatisfy(e -> assertThat(e).startsWith("plan" + winner + " "));
            var served = slipway.describe(Catalog.NAME);
            assertThat(served.physicalIndex()).isEqualTo("products:v2");
            assertThat(served.schema().field(winner == 0 ? "price" : "brand")).isPresent();
            assertThat(served.schema().field(winner == 0 ? "brand" : "price")).isEmpty();
            IndexStatus status = slipway.status(Optional.of(Catalog.NAME)).get(0);
            assertThat(status.migration()).hasValueSatisfying(m -> {
                assertThat(m.planId()).isEqualTo(plans.get(winner).planId());
                assertThat(m.status()).isEqualTo("COMPLETED");
            });
            assertThat(status.lockOwner()).isEmpty();
        }
    }

    /** Applies through the executor, noting every step boundary; lingers in the first step so that the runs overlap. */
    private static MigrationReport applyRecording(RedisStackServer redis, MigrationPlan plan, String label,
                                                  List<String> events) {
        AtomicBoolean first = new AtomicBoolean(true);
        StepBoundaryListener listener = new StepBoundaryListener() {
            @Override
            public void before(String step) {
                events.add(label + " before " + step);
                if (first.getAndSet(false)) {
                    Inspect.sleep(300);
                }
            }

            @Override
            public void after(String step) {
                events.add(label + " after " + step);
            }
        };
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
            return new MigrationExecutor(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                    .onStepBoundary(listener).apply(plan, ApplyOptions.DEFAULTS);
        }
    }

    private static LockHeldException refusedByLock(ThrowingCallable call, String owner) {
        LockHeldException held = catchThrowableOfType(call, LockHeldException.class);
        assertThat(held).as("refused because of the lock").isNotNull();
        assertThat(held.code()).isEqualTo(ErrorCode.LOCK_HELD);
        assertThat(held.exitCode()).isEqualTo(1);
        assertThat(held.owner()).isEqualTo(owner);
        assertThat(held.getMessage()).contains(owner);
        return held;
    }

    /**
     * While a run holds the lock, an unfinished migration is one going on now: prune and rollback --index say so
     * (LOCK_HELD, wait), instead of telling the user to finish it by hand with a command that the lock then refuses
     * (tester session 48 R43 T1 F2).
     */
    @Test
    void anUnfinishedMigrationWhoseLockIsHeldIsReportedAsRunning(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        appliedThenMarked(redis, slipway, "ROLLING_BACK");
        holdLock(redis, OTHER_OWNER);
        Snapshot before = Snapshot.of(redis);

        refusedByLock(() -> slipway.prune(Catalog.NAME, Optional.empty()), OTHER_OWNER);
        refusedByLock(() -> slipway.checkRollback(Catalog.NAME), OTHER_OWNER);

        assertThat(Snapshot.of(redis)).isEqualTo(before);
    }

    /**
     * A validate of a migration whose run holds the lock now says a run is under way: it told the user to re-run
     * apply to finish it, which the lock refuses (tester session 53 R47 T2 F8). Without the lock (a run that died),
     * re-running apply is the advice.
     */
    @Test
    void aValidateOfAMigrationRunningNowSaysSo(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = appliedThenMarked(redis, slipway, "RUNNING");

        assertThat(migrationCheck(slipway, plan).detail()).as("no lock: the run died").contains("the migration is "
                + "unfinished: re-run 'slipway apply' with this plan to finish it");
        holdLock(redis, OTHER_OWNER);
        dev.slipway.api.plan.ValidationCheck running = migrationCheck(slipway, plan);

        assertThat(running.passed()).isFalse();
        assertThat(running.actual()).contains("running now: the lock is held by " + OTHER_OWNER);
        assertThat(running.detail()).startsWith("a run of this migration is under way: wait for it to finish");
    }

    /**
     * Seeds the catalog, applies its add-price plan, then marks the migration's checkpoint {@code status} instead of
     * COMPLETED, as a run that stopped (or a rollback that did) leaves it; returns the plan.
     */
    private static MigrationPlan appliedThenMarked(RedisStackServer redis, Slipway slipway, String status) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        slipway.apply(plan, ApplyOptions.DEFAULTS);
        try (Jedis jedis = redis.newJedis()) {
            String checkpoint = jedis.get("slipway:checkpoint:" + Catalog.NAME);
            assertThat(checkpoint).contains("\"COMPLETED\"");
            jedis.set("slipway:checkpoint:" + Catalog.NAME, checkpoint.replace("\"COMPLETED\"", "\"" + status + "\""));
        }
        return plan;
    }

    private static dev.slipway.api.plan.ValidationCheck migrationCheck(Slipway slipway, MigrationPlan plan) {
        return slipway.validate(plan, List.of()).checks().stream().filter(c -> c.name().equals("migration"))
                .findFirst().orElseThrow();
    }

    /**
     * A server's idle timeout closes the lock refresher's connection between its extensions, and the session's while
     * the workers write: both are replaced without a warning (tester session 47 R42 T3 F5: a run that succeeded told
     * the user to re-run "when Redis is back").
     */
    @Test
    void connectionsAServerClosesForIdlingAreReplacedWithoutAWarning(RedisStackServer redis) throws Exception {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger(MigrationLock.class),
                (Logger) LoggerFactory.getLogger(RedisSession.class));
        loggers.forEach(logger -> logger.addAppender(logged));
        try (Jedis admin = redis.newJedis()) {
            admin.configSet("timeout", "1");
        }
        try {
            try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000).reconnecting(3);
                 MigrationLock lock = MigrationLock.acquire(session, RedisEndpoint.parse(redis.url()),
                         KeyNamespace.DEFAULT, "products", "idle", java.time.Duration.ofSeconds(12))) {
                long connectionsBefore = connectionsReceived(redis);
                // three extensions, 4 s apart, each after the server closed the idle connection (it closes a client
                // idle for more than 1 s, as its clock ticks in whole seconds: 2 s apart were too few under load)
                Thread.sleep(13_000);
                lock.confirmHeldNow();
                assertThat(session.call("PING")).isNotNull(); // its connection was closed too
                assertThat(connectionsReceived(redis) - connectionsBefore - 1).as("idle connections replaced")
                        .isGreaterThanOrEqualTo(3);
            }
            assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
        } finally {
            loggers.forEach(logger -> logger.detachAppender(logged));
            try (Jedis admin = redis.newJedis()) {
                admin.configSet("timeout", "0");
            }
        }
    }

    /** The server's count of connections accepted, itself one of them (the server closes idle ones). */
    private static long connectionsReceived(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            return Long.parseLong(jedis.info("stats").lines().filter(l -> l.startsWith("total_connections_received:"))
                    .findFirst().orElseThrow().split(":")[1].strip());
        }
    }

    /** A lock value in this host's format naming another process id. */
    private static String localOwner(long pid) {
        String self = MigrationLock.processOwner();
        return self.substring(0, self.indexOf("/pid ")) + "/pid " + pid + " since 2024-01-01T00:00:00Z plan "
                + "0123456789abcdef";
    }

    private static void holdLock(RedisStackServer redis, String owner) {
        try (Jedis jedis = redis.newJedis()) {
            jedis.set(LOCK, owner, SetParams.setParams().px(60_000));
        }
    }

    /** Everything a refused verb must leave alone: physical indexes, documents, Slipway's keys. */
    private record Snapshot(List<String> indexes, Map<String, KeyDumps.Blob> documents, Map<String, String> keys) {
        static Snapshot of(RedisStackServer redis) {
            try (Jedis jedis = redis.newJedis()) {
                return new Snapshot(Inspect.indexes(jedis), Inspect.documents(jedis), Inspect.slipwayKeys(jedis));
            }
        }
    }
}
