package dev.slipway.bench.quantize;

import dev.slipway.bench.BenchLog;
import dev.slipway.bench.quantize.QuantizeReport.CeilingFigures;
import dev.slipway.bench.quantize.QuantizeReport.CeilingRun;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fastest the same data movement can go with this client on this server: the reads and writes of a rewrite
 * with nothing else. No conversion (the FLOAT16 bytes written are computed once), no backup, no header, no index to
 * rebuild. The server is in the state Slipway's rewrite meets: the data loaded and indexed, the index dropped (not
 * its documents) just before the moves, as a drop-recreate apply does. A server that never had an index runs the
 * same HSET/HMGET/SCAN measurably faster (HSET 3.6 against 4.2 µs per call), which is the server's state, not the
 * migrator's cost. Measured two ways, each on freshly loaded data; the mode that is faster over a size's rounds (by
 * its median) is the ceiling of each of them (see {@link QuantizeReport.CeilingFigures#fasterModeByMedian}):
 *
 * <ul>
 *   <li>{@code sequential}: per batch one SCAN page of the batch size and a pipelined HMGET of the vector field on
 *       the first connection, then a pipelined HSET of every document spread over the connections in parallel;</li>
 *   <li>{@code overlapped}: the same, but the next page is scanned and read on a connection of its own while the
 *       current one is written, as Slipway's pipeline does; on a machine where the server has idle time between
 *       the read and the write, this is faster, and Slipway must be compared with it.</li>
 * </ul>
 *
 * <p>A third mode, {@code watched}, is not a ceiling but shows where the rest of the gap comes from: it runs the
 * overlapped moves with the server doing what Slipway's write watch (on by default) asks of it. Each writing
 * connection is tracked in broadcast mode with {@code NOLOOP} under the corpus's prefix, redirected to a subscribed
 * listener, exactly as apply does, so every HSET also costs the server its broadcast bookkeeping (about 0.6–0.9 µs
 * per write on the benchmark machine). Slipway's share of it is the migrator's own overhead; the raw ceiling's
 * share of it is the watch's cost on the server. It runs only in measured rounds and only when Slipway watches.
 *
 * <p>A fourth mode, {@code essential}, is not a ceiling either: the overlapped moves (watched when Slipway watches)
 * plus the work every safe quantizing migration must do, done as plainly as possible ({@link EssentialWork}): each
 * page's originals backed up and forced to disk before its writes, each vector converted as it is sent. Slipway's
 * share of it is what its own machinery (planning, reply checks, resumable records, progress, three stages instead
 * of two) costs; the raw ceiling's share of it is what the required work costs on this machine. It runs in measured
 * rounds only, and fails the benchmark if a sampled document does not hold the exact float16 of its original.
 */
final class RawCeiling {
    private static final byte[] FIELD = SafeEncoder.encode(VectorCorpus.VECTOR_FIELD);

    /** How reads and writes follow each other, and what else the server and this client do meanwhile. */
    enum Mode {
        SEQUENTIAL, OVERLAPPED, WATCHED, ESSENTIAL;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The mode of a label ({@link #label()}). */
        static Mode of(String label) {
            return valueOf(label.toUpperCase(java.util.Locale.ROOT));
        }

        /** Whether the mode measures the raw ceiling (the others also do work the ceiling leaves out). */
        boolean raw() {
            return this == SEQUENTIAL || this == OVERLAPPED;
        }

        /** Whether the next page is read while the current one is written. */
        boolean overlapped() {
            return this != SEQUENTIAL;
        }

        /** Whether the writing connections are tracked as apply's write watch tracks them. */
        boolean watched(boolean writeWatch) {
            return this == WATCHED || this == ESSENTIAL && writeWatch;
        }

        /** Whether it runs in this round: the raw modes always, the others in measured rounds. */
        boolean runs(boolean measured, boolean writeWatch) {
            return raw() || measured && (this != WATCHED || writeWatch);
        }
    }

    private final QuantizeOptions options;
    private final CpuPinning pinning;
    private final BenchLog log;

    RawCeiling(QuantizeOptions options, CpuPinning pinning, BenchLog log) {
        this.options = options;
        this.pinning = pinning;
        this.log = log;
    }

    /**
     * Both raw modes, each on its own freshly loaded server, and in a {@code measured} round the essential moves and
     * (with the write watch on) the watched ones; the ceiling is the faster raw mode.
     */
    CeilingFigures run(VectorCorpus corpus, boolean measured) {
        List<CeilingRun> runs = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            if (mode.runs(measured, options.writeWatch())) {
                runs.add(run(corpus, mode));
            }
        }
        return CeilingFigures.of(runs, options.workers(), options.batchSize());
    }

    private CeilingRun run(VectorCorpus corpus, Mode mode) {
        log.info("ceiling (%s): %,d documents", mode.label(), corpus.documents());
        byte[] half = corpus.expectedFloat16Vector(0);
        int connections = options.workers();
        ExecutorService threads = Executors.newFixedThreadPool(connections + 1, r -> {
            Thread thread = new Thread(r, "quantize-ceiling");
            thread.setDaemon(true);
            return thread;
        });
        try (LoadedServer server = LoadedServer.start(corpus, true, options.maxSeconds(), pinning, log);
             ScratchDirectory scratch = mode == Mode.ESSENTIAL ? ScratchDirectory.create("essential") : null;
             EssentialWork work = scratch == null ? null : EssentialWork.open(scratch.path())) {
            List<Jedis> writers = new ArrayList<>();
            try (Jedis reader = server.newJedis()) {
                for (int i = 0; i < connections; i++) {
                    writers.add(server.newJedis());
                }
                // as Slipway's drop-recreate apply does just before its rewrite: the server then frees the index in
                // the background, and its commands on the same keys cost more than on a server never indexed
                corpus.dropIndex(reader);
                System.gc(); // as before Slipway's apply (HeapSampler): both start from a collected heap
                long[] moved;
                double seconds;
                CpuMeter.CpuFigures used;
                try (WatchListener watch = mode.watched(options.writeWatch()) ? new WatchListener(server, writers)
                        : null) {
                    CpuMeter cpu = new CpuMeter(server);
                    cpu.start();
                    long start = System.nanoTime();
                    // sequential reads on the first writer's connection, as before; overlapped on its own
                    moved = move(mode, mode.overlapped() ? reader : writers.get(0), writers, threads, half, work);
                    seconds = (System.nanoTime() - start) / 1e9;
                    used = cpu.stop();
                    if (watch != null && watch.reported() > 0) {
                        log.info("ceiling (%s): the server sent %,d invalidation messages (another client "
                                + "changed documents)", mode.label(), watch.reported());
                    }
                }
                log.info("ceiling (%s): %,d documents read and written in %.1f s (%,.0f docs/s); CPU: redis %.2f s, "
                                + "client %.2f s%s", mode.label(), moved[0], seconds, moved[0] / seconds,
                        used.redisSeconds(), used.clientSeconds(), work == null ? "" : String.format(
                                java.util.Locale.ROOT, "; %,d batches (%.1f MB) of originals backed up",
                                work.records(), work.bytesWritten() / 1e6));
                if (work != null) {
                    checkConverted(corpus, reader);
                }
                return new CeilingRun(mode.label(), QuantizeReport.rate(moved[0], seconds),
                        QuantizeReport.round3(seconds), moved[0], moved[1], QuantizeReport.loadAverage(), used);
            } finally {
                writers.forEach(Jedis::close);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Moves every document; returns the documents moved and the vector bytes read. Sequential: each page's writes
     * are awaited before the next page is read. Overlapped: the next page is read while they are sent. With the
     * essential {@code work}, each page's originals are backed up before its writes start, and each document gets its
     * own vector converted instead of {@code half}.
     */
    private long[] move(Mode mode, Jedis reader, List<Jedis> connections, ExecutorService threads, byte[] half,
                        EssentialWork work) {
        ScanParams params = new ScanParams().match(SafeEncoder.encode(VectorCorpus.PREFIX + "*"))
                .count(options.batchSize());
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        long documents = 0;
        long bytesRead = 0;
        List<Future<?>> inflight = List.of();
        do {
            ScanResult<byte[]> page = reader.scan(cursor, params, SafeEncoder.encode("hash"));
            cursor = page.getCursorAsBytes();
            List<byte[]> keys = page.getResult();
            // the raw moves keep nothing they read, as before the essential moves existed
            List<byte[]> values = work == null ? null : new ArrayList<>(keys.size());
            bytesRead += read(reader, keys, values);
            if (work != null) {
                work.backUp(keys, values); // durable before any of the page's documents changes
            }
            await(inflight);
            inflight = write(connections, threads, keys.size(), work == null
                    ? () -> (pipeline, i) -> pipeline.hset(keys.get(i), FIELD, half)
                    : () -> converting(keys, values));
            if (!mode.overlapped()) {
                await(inflight);
            }
            documents += keys.size();
        } while (!SafeEncoder.encode(cursor).equals("0"));
        await(inflight);
        return new long[]{documents, bytesRead};
    }

    /** Reads the page's vectors, into {@code values} unless it is null; returns their bytes. */
    private static long read(Jedis jedis, List<byte[]> keys, List<byte[]> values) {
        Pipeline pipeline = jedis.pipelined();
        List<Response<List<byte[]>>> replies = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            replies.add(pipeline.hmget(key, FIELD));
        }
        pipeline.sync();
        long bytes = 0;
        for (Response<List<byte[]>> reply : replies) {
            byte[] value = reply.get().get(0);
            if (values != null) {
                values.add(value);
            }
            bytes += value == null ? 0 : value.length;
        }
        return bytes;
    }

    /** Sends one document of a page on a pipeline; each connection gets its own for each page. */
    @FunctionalInterface
    private interface Sender {
        void send(Pipeline pipeline, int document);
    }

    /**
     * Starts the page's writes, spread over the connections, each sending its share with a sender of its own;
     * returns one future per connection.
     */
    private static List<Future<?>> write(List<Jedis> connections, ExecutorService threads, int documents,
                                         java.util.function.Supplier<Sender> senders) {
        int count = connections.size();
        List<Future<?>> sent = new ArrayList<>(count);
        for (int w = 0; w < count; w++) {
            int worker = w;
            Sender sender = senders.get();
            sent.add(threads.submit(() -> {
                Pipeline pipeline = connections.get(worker).pipelined();
                for (int i = worker; i < documents; i += count) {
                    sender.send(pipeline, i);
                }
                pipeline.sync();
            }));
        }
        return sent;
    }

    /**
     * Writes each document's own vector converted to float16, into one buffer the sender reuses (Jedis has copied an
     * argument into its output buffer or the socket by the time {@code hset} returns).
     */
    private static Sender converting(List<byte[]> keys, List<byte[]> values) {
        byte[][] half = {new byte[0]};
        return (pipeline, i) -> {
            byte[] original = values.get(i);
            if (original == null) {
                return; // the document has no vector: nothing to convert
            }
            if (half[0].length != original.length / 2) {
                half[0] = new byte[original.length / 2];
            }
            EssentialWork.toFloat16(original, half[0]);
            pipeline.hset(keys.get(i), FIELD, half[0]);
        };
    }

    /**
     * Fails the benchmark if a sampled document of the essential moves does not hold the exact float16 rounding of
     * its original vector: a wrong conversion or a reused buffer sent too late would otherwise measure as fast.
     */
    private void checkConverted(VectorCorpus corpus, Jedis jedis) {
        long[] ids = VectorAudit.sampleIds(corpus.documents(), options.sampleSize(), options.seed());
        Pipeline pipeline = jedis.pipelined();
        List<Response<byte[]>> replies = new ArrayList<>(ids.length);
        for (long id : ids) {
            replies.add(pipeline.hget(VectorCorpus.key(id), FIELD));
        }
        pipeline.sync();
        for (int i = 0; i < ids.length; i++) {
            String problem = VectorAudit.vectorProblem(corpus, ids[i], replies.get(i).get());
            if (problem != null) {
                throw new IllegalStateException("the essential moves wrote a wrong vector: " + problem);
            }
        }
    }

    private static void await(List<Future<?>> sent) {
        for (Future<?> future : sent) {
            try {
                future.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a ceiling writer failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /**
     * The server side of Slipway's write watch: a connection subscribed to the invalidation channel, and every
     * writing connection tracked in broadcast mode under the corpus's prefix, redirected to it, without its own
     * changes ({@code NOLOOP}). A thread drains what the server pushes (nothing, unless another client writes).
     */
    private static final class WatchListener implements AutoCloseable {
        private static final String CHANNEL = "__redis__:invalidate";

        private final Jedis jedis;
        private final Thread thread;
        private final AtomicLong reported = new AtomicLong();
        private volatile boolean closing;

        WatchListener(LoadedServer server, List<Jedis> writers) {
            this.jedis = server.newJedis();
            long id = jedis.clientId();
            Connection connection = jedis.getConnection();
            connection.setTimeoutInfinite();
            connection.sendCommand(Protocol.Command.SUBSCRIBE, CHANNEL);
            connection.getOne(); // the subscription's confirmation
            this.thread = new Thread(() -> drain(connection), "quantize-ceiling-watch");
            thread.setDaemon(true);
            thread.start();
            for (Jedis writer : writers) {
                writer.sendCommand(Protocol.Command.CLIENT, "TRACKING", "ON", "REDIRECT", Long.toString(id), "BCAST",
                        "PREFIX", VectorCorpus.PREFIX, "NOLOOP");
            }
        }

        private void drain(Connection connection) {
            try {
                while (!closing) {
                    connection.getUnflushedObject();
                    reported.incrementAndGet();
                }
            } catch (JedisException e) {
                // closed
            }
        }

        /** Invalidation messages received, each for changes by a client other than the writers. */
        long reported() {
            return reported.get();
        }

        @Override
        public void close() {
            closing = true;
            jedis.close();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
