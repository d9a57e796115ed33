package dev.slipway.rewrite;

import dev.slipway.internal.rewrite.DocumentStore;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A {@link DocumentStore} that dies like a killed process at a chosen call: before a SCAN page, before the
 * writes of a batch, after only some of them, or after all of them but before the engine can record it. Once
 * it has crashed, every later call on any connection of the pool fails too (the process is gone).
 */
final class FaultyDocumentStore implements DocumentStore {

    /** Thrown instead of dying; an {@link Error}, so no {@code catch (RuntimeException)} swallows it. */
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash(String where) {
            super("injected crash: " + where);
        }
    }

    /** Where to crash. */
    enum Point {
        /** Before the n-th SCAN call: between batches. */
        BEFORE_SCAN,
        /** Before the n-th call that writes (the batch is backed up and the header says so). */
        BEFORE_WRITE,
        /** The n-th write call sends only its first {@code keep} commands. */
        PARTIAL_WRITE,
        /** The n-th write call sends everything, then the process dies before the header records it. */
        AFTER_WRITE
    }

    /** One crash shared by every connection of a pool. */
    static final class Fault {
        final Point point;
        final int call;
        final int keep;
        final AtomicInteger scans = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicBoolean crashed = new AtomicBoolean();
        /** Told of the chosen write call's commands before they are sent (another client's doings, say). */
        private Consumer<List<Command>> beforeTheWrite = commands -> { };

        Fault(Point point, int call, int keep) {
            this.point = point;
            this.call = call;
            this.keep = keep;
        }

        /** Runs {@code action} with the chosen write call's commands just before they are sent. */
        Fault beforeTheWrite(Consumer<List<Command>> action) {
            this.beforeTheWrite = action;
            return this;
        }

        @Override
        public String toString() {
            return point + " #" + call + (point == Point.PARTIAL_WRITE ? " keeping " + keep : "");
        }
    }

    /**
     * Commands {@link #execute} sends that only read: the rewrite's existence checks and size queries, and the
     * server's run_id (INFO).
     */
    private static final java.util.Set<String> READS = java.util.Set.of("EXISTS", "HSTRLEN", "JSON.DEBUG",
            "HPEXPIRETIME", "INFO", "HLEN");

    private final DocumentStore delegate;
    private final Fault fault;

    FaultyDocumentStore(DocumentStore delegate, Fault fault) {
        this.delegate = delegate;
        this.fault = fault;
    }

    private void checkAlive() {
        if (fault.crashed.get()) {
            throw new Crash("process already dead");
        }
    }

    private Crash crash(String where) {
        fault.crashed.set(true);
        return new Crash(where);
    }

    @Override
    public ScanPage scan(String cursor, String pattern, int count, String type) {
        checkAlive();
        if (fault.point == Point.BEFORE_SCAN && fault.scans.incrementAndGet() == fault.call) {
            throw crash("before scan " + fault.call);
        }
        return delegate.scan(cursor, pattern, count, type);
    }

    @Override
    public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
        checkAlive();
        return delegate.readHashFields(keys, fields);
    }

    @Override
    public HashFields readHashFieldsCounted(List<byte[]> keys, List<String> fields) {
        checkAlive();
        return delegate.readHashFieldsCounted(keys, fields);
    }

    @Override
    public List<String> readJson(List<byte[]> keys, List<String> paths) {
        checkAlive();
        return delegate.readJson(keys, paths);
    }

    @Override
    public List<Object> execute(List<Command> commands) {
        checkAlive();
        boolean writes = commands.stream().anyMatch(c -> !READS.contains(c.name()));
        if (!writes || fault.point == Point.BEFORE_SCAN || fault.writes.incrementAndGet() != fault.call) {
            return delegate.execute(commands);
        }
        fault.beforeTheWrite.accept(commands);
        switch (fault.point) {
            case BEFORE_WRITE -> throw crash("before write " + fault.call);
            case PARTIAL_WRITE -> {
                delegate.execute(commands.subList(0, Math.min(fault.keep, commands.size())));
                throw crash("after " + fault.keep + " of " + commands.size() + " commands of write " + fault.call);
            }
            default -> {
                delegate.execute(commands);
                throw crash("after write " + fault.call);
            }
        }
    }

    @Override
    public void nameClient(String name) {
        delegate.nameClient(name);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
