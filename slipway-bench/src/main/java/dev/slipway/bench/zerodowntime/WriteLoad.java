package dev.slipway.bench.zerodowntime;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * One writer thread at a constant rate, alternating inserts of new products (ids after the loaded ones) and
 * updates of existing ones (a new price and stock, visiting the loaded products in a shuffled order so that each
 * is updated at most once while there are enough of them). Every acknowledged write is recorded for the audit.
 */
final class WriteLoad implements Runnable {

    /**
     * One acknowledged write.
     *
     * @param id       the product id
     * @param revision 0 for an insert, else the revision the update wrote
     * @param price    the price the index must return for the product afterwards
     * @param insert   whether it created the product
     */
    record Write(long id, long revision, String price, boolean insert) {
    }

    private final ProductCorpus corpus;
    private final RatePacer pacer;
    private final long maxWrites;
    private final Supplier<Jedis> connect;
    private final LoadWindow window;
    private final int[] updateOrder;
    private final List<Write> writes = new ArrayList<>();
    private final Thread thread = new Thread(this, "bench-writer");
    private long errors;
    private String firstError = "";

    WriteLoad(ProductCorpus corpus, int rate, long maxWrites, Supplier<Jedis> connect, LoadWindow window, long seed) {
        this.corpus = corpus;
        this.pacer = new RatePacer(rate);
        this.maxWrites = maxWrites;
        this.connect = connect;
        this.window = window;
        this.updateOrder = shuffledIds(corpus.docs(), seed);
    }

    private static int[] shuffledIds(int docs, long seed) {
        int[] ids = new int[docs];
        for (int i = 0; i < docs; i++) {
            ids[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = docs - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        return ids;
    }

    void start() {
        thread.start();
    }

    /** Waits for the thread (the window must be closed first); afterwards the getters are safe to read. */
    void finish() throws InterruptedException {
        thread.join();
    }

    List<Write> writes() {
        return writes;
    }

    long errors() {
        return errors;
    }

    String firstError() {
        return firstError;
    }

    @Override
    public void run() {
        Jedis jedis = connect.get();
        long attempts = 0;
        long nextInsertId = corpus.docs();
        boolean signalled = false;
        try {
            while (!window.over() && attempts < maxWrites) {
                boolean insert = attempts % 2 == 0 || updateOrder.length == 0;
                long id = insert ? nextInsertId++ : updateOrder[(int) ((attempts / 2) % updateOrder.length)];
                long revision = insert ? 0 : attempts + 1;
                attempts++;
                jedis = writeOnce(jedis, id, revision, insert);
                if (!signalled) {
                    window.threadReady();
                    signalled = true;
                }
                pacer.awaitNext(window::over);
            }
        } finally {
            if (!signalled) {
                window.threadReady();
            }
            jedis.close();
        }
    }

    private Jedis writeOnce(Jedis jedis, long id, long revision, boolean insert) {
        try {
            if (insert) {
                jedis.hset(SafeEncoder.encode(ProductCorpus.key(id)), corpus.document(id));
                window.insertAcknowledged();
            } else {
                jedis.hset(ProductCorpus.key(id), corpus.update(id, revision));
            }
            writes.add(new Write(id, revision, corpus.price(id, revision), insert));
            return jedis;
        } catch (JedisException e) {
            // The write may or may not have happened; it is counted as an error and not audited.
            errors++;
            firstError = firstError.isEmpty() ? String.valueOf(e.getMessage()) : firstError;
            if (e instanceof JedisConnectionException) {
                jedis.close();
                return connect.get();
            }
            return jedis;
        }
    }
}
