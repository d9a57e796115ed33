package dev.slipway.bench.quantize;

import dev.slipway.bench.BenchLog;
import dev.slipway.bench.quantize.QuantizeReport.CeilingFigures;
import dev.slipway.bench.quantize.QuantizeReport.CeilingRun;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
 */
final class RawCeiling {
    private static final byte[] FIELD = SafeEncoder.encode(VectorCorpus.VECTOR_FIELD);

    /** How reads and writes follow each other. */
    enum Mode {
        SEQUENTIAL, OVERLAPPED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
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

    /** Both modes, each on its own freshly loaded server; the ceiling is the faster. */
    CeilingFigures run(VectorCorpus corpus) {
        List<CeilingRun> runs = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            runs.add(run(corpus, mode));
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
        try (LoadedServer server = LoadedServer.start(corpus, true, options.maxSeconds(), pinning, log)) {
            List<Jedis> writers = new ArrayList<>();
            try (Jedis reader = server.newJedis()) {
                for (int i = 0; i < connections; i++) {
                    writers.add(server.newJedis());
                }
                // as Slipway's drop-recreate apply does just before its rewrite: the server then frees the index in
                // the background, and its commands on the same keys cost more than on a server never indexed
                corpus.dropIndex(reader);
                System.gc(); // as before Slipway's apply (HeapSampler): both start from a collected heap
                CpuMeter cpu = new CpuMeter(server);
                cpu.start();
                long start = System.nanoTime();
                // sequential reads on the first writer's connection, as before; overlapped on its own
                long[] moved = move(mode, mode == Mode.SEQUENTIAL ? writers.get(0) : reader, writers, threads, half);
                double seconds = (System.nanoTime() - start) / 1e9;
                CpuMeter.CpuFigures used = cpu.stop();
                log.info("ceiling (%s): %,d documents read and written in %.1f s (%,.0f docs/s); CPU: redis %.2f s, "
                                + "client %.2f s", mode.label(), moved[0], seconds, moved[0] / seconds,
                        used.redisSeconds(), used.clientSeconds());
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
     * are awaited before the next page is read. Overlapped: the next page is read while they are sent.
     */
    private long[] move(Mode mode, Jedis reader, List<Jedis> connections, ExecutorService threads, byte[] half) {
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
            bytesRead += read(reader, keys);
            await(inflight);
            inflight = write(connections, threads, keys, half);
            if (mode == Mode.SEQUENTIAL) {
                await(inflight);
            }
            documents += keys.size();
        } while (!SafeEncoder.encode(cursor).equals("0"));
        await(inflight);
        return new long[]{documents, bytesRead};
    }

    private static long read(Jedis jedis, List<byte[]> keys) {
        Pipeline pipeline = jedis.pipelined();
        List<Response<List<byte[]>>> replies = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            replies.add(pipeline.hmget(key, FIELD));
        }
        pipeline.sync();
        long bytes = 0;
        for (Response<List<byte[]>> reply : replies) {
            byte[] value = reply.get().get(0);
            bytes += value == null ? 0 : value.length;
        }
        return bytes;
    }

    /** Starts the page's writes, spread over the connections; returns one future per connection. */
    private static List<Future<?>> write(List<Jedis> connections, ExecutorService threads, List<byte[]> keys,
                                         byte[] half) {
        int count = connections.size();
        List<Future<?>> sent = new ArrayList<>(count);
        for (int w = 0; w < count; w++) {
            int worker = w;
            sent.add(threads.submit(() -> {
                Pipeline pipeline = connections.get(worker).pipelined();
                for (int i = worker; i < keys.size(); i += count) {
                    pipeline.hset(keys.get(i), FIELD, half);
                }
                pipeline.sync();
            }));
        }
        return sent;
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
}
