package dev.slipway.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.WorkerPool;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate process that runs the rewrite step of a plan (the apply's earlier steps already done) under the
 * migration lock, and stops itself with {@code SIGSTOP} in the middle of its {@code args[3]}-th batch write: the
 * first half of the pipeline has landed, the second is sent only when the process is resumed, as when a stall
 * catches a process with part of a pipeline in its buffers. Prints {@code STOPPING} before the stop, then
 * {@code RESULT} or {@code FAILED <error>}.
 *
 * <p>Arguments: the Redis URL, the plan file, the backup directory, the write call to stop in.
 */
public final class MidPipelineStallMain {
    private MidPipelineStallMain() {
    }

    /** Runs the rewrite as {@code args} say. */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        RedisEndpoint endpoint = RedisEndpoint.parse(args[0]);
        MigrationPlan plan = SlipwayFiles.readPlan(Path.of(args[1]));
        int stopIn = Integer.parseInt(args[3]);
        AtomicInteger writes = new AtomicInteger();
        try (RedisSession session = RedisSession.open(endpoint, 10_000);
             MigrationLock lock = MigrationLock.acquire(session, endpoint, KeyNamespace.DEFAULT,
                     plan.source().indexName(), plan.planId(), StallingMain.LEASE);
             BackupDirectory backup = BackupDirectory.openForPlan(Path.of(args[2]), plan);
             WorkerPool pool = new WorkerPool(() -> new ForwardingDocumentStore(JedisDocumentStore.open(endpoint)) {
                 @Override
                 public List<Object> execute(List<Command> commands) {
                     boolean write = commands.stream().anyMatch(c -> !c.name().equals("EXISTS"));
                     if (!write || writes.incrementAndGet() != stopIn) {
                         return delegate.execute(commands);
                     }
                     int half = commands.size() / 2;
                     List<Object> replies = new ArrayList<>(delegate.execute(commands.subList(0, half)));
                     out.println("STOPPING after " + half + " of " + commands.size() + " commands");
                     out.flush();
                     StallingMain.stopSelf();
                     replies.addAll(delegate.execute(commands.subList(half, commands.size())));
                     return replies;
                 }
             }, 1, 2)) {
            new RewriteEngine(plan, backup, pool, ProgressListener.NONE,
                    new RewriteSettings(20, 0, Duration.ZERO), null, lock).run();
            out.println("RESULT done");
            out.flush();
            System.exit(0);
        } catch (SlipwayException e) {
            out.println("FAILED " + e.describe());
            out.flush();
            System.exit(e.exitCode());
        }
    }
}
