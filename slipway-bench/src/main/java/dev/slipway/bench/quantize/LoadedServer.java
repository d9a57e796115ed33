package dev.slipway.bench.quantize;

import dev.slipway.api.IndexDescription;
import dev.slipway.api.Slipway;
import dev.slipway.bench.BenchLog;
import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Module;

/**
 * A fresh throwaway Redis Stack server holding a freshly loaded corpus, so that every contender starts from
 * identical FLOAT32 data on an identical server (no allocator state left by an earlier contender).
 */
final class LoadedServer implements AutoCloseable {
    private static final long POLL_MILLIS = 100;

    private final RedisStackServer server;
    private final double loadSeconds;

    private LoadedServer(RedisStackServer server, double loadSeconds) {
        this.server = server;
        this.loadSeconds = loadSeconds;
    }

    /**
     * Starts a server (pinned to its core when {@code pinning} is on), loads the corpus and, when asked, creates the
     * source index and waits until it has indexed every document.
     *
     * @throws IllegalStateException when indexing does not finish within {@code maxSeconds}
     */
    static LoadedServer start(VectorCorpus corpus, boolean withIndex, int maxSeconds, CpuPinning pinning,
                              BenchLog log) {
        RedisStackServer server = new RedisStackServer().start();
        try {
            pinning.pinServer(server.pid());
            double loadSeconds;
            try (Jedis jedis = server.newJedis()) {
                loadSeconds = corpus.load(jedis, log);
                if (withIndex) {
                    corpus.createIndex(jedis);
                }
            }
            LoadedServer loaded = new LoadedServer(server, loadSeconds);
            if (withIndex) {
                loaded.awaitIndexed(corpus.documents(), maxSeconds, log);
            }
            return loaded;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void awaitIndexed(long documents, int maxSeconds, BenchLog log) {
        Slipway slipway = Slipway.configure().url(url()).load();
        long start = System.nanoTime();
        long deadline = start + maxSeconds * 1_000_000_000L;
        while (true) {
            IndexDescription index = slipway.describe(VectorCorpus.INDEX);
            if (index.percentIndexed() >= 1.0 && index.numDocs() + index.indexingFailures() >= documents) {
                log.info("  index '%s' built over %,d documents in %.1f s", VectorCorpus.INDEX, index.numDocs(),
                        (System.nanoTime() - start) / 1e9);
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("index '" + VectorCorpus.INDEX + "' indexed only " + index.numDocs()
                        + " of " + documents + " documents within " + maxSeconds + " s; raise --max-seconds or "
                        + "lower --sizes");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the index", e);
            }
        }
    }

    /** The server's process id. */
    long pid() {
        return server.pid();
    }

    String url() {
        return server.url();
    }

    Jedis newJedis() {
        return server.newJedis();
    }

    double loadSeconds() {
        return loadSeconds;
    }

    /** {@code redis_version} and the search module's version of a server. */
    static QuantizeReport.ServerFacts facts(RedisStackServer server) {
        try (Jedis jedis = server.newJedis()) {
            String redis = jedis.info("server").lines().filter(l -> l.startsWith("redis_version:"))
                    .map(l -> l.substring("redis_version:".length()).trim()).findFirst().orElse("unknown");
            String search = jedis.moduleList().stream().filter(m -> m.getName().equals("search"))
                    .map(Module::getVersion).map(LoadedServer::moduleVersion).findFirst().orElse("unknown");
            return new QuantizeReport.ServerFacts(redis, search);
        }
    }

    /** Modules report versions as one number, e.g. 21005 for 2.10.5. */
    static String moduleVersion(int encoded) {
        return (encoded / 10_000) + "." + (encoded / 100 % 100) + "." + (encoded % 100);
    }

    @Override
    public void close() {
        server.close();
    }
}
