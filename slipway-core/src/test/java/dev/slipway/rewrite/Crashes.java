package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.rewrite.FaultyDocumentStore.Crash;
import dev.slipway.rewrite.FaultyDocumentStore.Fault;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Ways to kill a migration part-way, as a crashed process would leave it. */
final class Crashes {
    private Crashes() {
    }

    /** Runs apply and dies (an Error, like a kill: no checkpoint update) {@code when} ("before"/"after") a step. */
    static void applyAndCrashAt(String url, MigrationPlan plan, ApplyOptions options, String when, String step) {
        StepBoundaryListener listener = new StepBoundaryListener() {
            @Override
            public void before(String name) {
                if (when.equals("before") && name.equals(step)) {
                    throw new Crash(when + " " + step);
                }
            }

            @Override
            public void after(String name) {
                if (when.equals("after") && name.equals(step)) {
                    throw new Crash(when + " " + step);
                }
            }
        };
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(url), 10000)) {
            MigrationExecutor executor = new MigrationExecutor(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                    .onStepBoundary(listener);
            Throwable thrown = catchThrowable(() -> executor.apply(plan, options));
            assertThat(thrown).as("crash %s %s", when, step).isInstanceOf(Crash.class);
        }
    }

    /**
     * Runs the rewrite step of a crashed apply again, over connections that die at {@code fault}; asserts that it
     * did die there.
     */
    static void rewriteAndCrashInside(String url, MigrationPlan plan, Path backup, Fault fault, int workers,
                                      int batchSize) {
        rewriteAndCrashInside(url, plan, backup, fault, workers, batchSize, 0);
    }

    /** As above, with batches of at most {@code batchBytes} bytes of values (0 for no limit). */
    static void rewriteAndCrashInside(String url, MigrationPlan plan, Path backup, Fault fault, int workers,
                                      int batchSize, long batchBytes) {
        rewriteAndCrashInside(url, plan, backup, fault, new RewriteSettings(batchSize, 0,
                java.time.Duration.ZERO, batchBytes), workers);
    }

    /** As above, with the given settings (hash field expiries read and kept, say). */
    static void rewriteAndCrashInside(String url, MigrationPlan plan, Path backup, Fault fault,
                                      RewriteSettings settings, int workers) {
        rewriteAndCrashInside(url, plan, backup, fault, settings, workers, null);
    }

    /** As above, recording the batches landed under {@code batchesKey} (null: not recorded), as apply does. */
    static void rewriteAndCrashInside(String url, MigrationPlan plan, Path backup, Fault fault,
                                      RewriteSettings settings, int workers, String batchesKey) {
        RedisEndpoint endpoint = RedisEndpoint.parse(url);
        Throwable thrown;
        try (BackupDirectory directory = BackupDirectory.openForPlan(backup, plan);
             WorkerPool pool = new WorkerPool(() -> new FaultyDocumentStore(JedisDocumentStore.open(endpoint), fault),
                     workers, 0)) {
            thrown = catchThrowable(() -> {
                RewriteEngine engine = new RewriteEngine(plan, directory, pool, ProgressListener.NONE, settings);
                (batchesKey == null ? engine : engine.recordingBatchesIn(batchesKey)).run();
            });
        }
        // with several workers the Error of one reaches the engine wrapped by the pool
        Throwable cause = thrown;
        while (cause != null && !(cause instanceof Crash) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertThat(cause).as("crash at %s", fault).isInstanceOf(Crash.class);
        assertThat(fault.crashed).isTrue();
    }
}
