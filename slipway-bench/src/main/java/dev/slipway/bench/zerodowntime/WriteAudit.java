package dev.slipway.bench.zerodowntime;

import dev.slipway.bench.zerodowntime.StrategyResult.WriteFigures;
import dev.slipway.bench.zerodowntime.WriteLoad.Write;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * After a migration, checks through the served name that every write made during it is searchable with the value
 * it wrote: for each written product (its last write when it was written twice) the query
 * {@code @id:[n n] @price:[p p]} must find exactly that product. The price is matched by the index, not read back
 * from the hash, so an update the index missed is caught.
 */
final class WriteAudit {
    private static final int BATCH = 500;
    private static final int LOST_SAMPLE = 10;

    private WriteAudit() {
    }

    static WriteFigures audit(Jedis jedis, int loadedDocs, WriteLoad writer) {
        List<Write> writes = writer.writes();
        Map<Long, Write> latest = new LinkedHashMap<>();
        writes.forEach(w -> latest.put(w.id(), w));
        List<Write> toCheck = new ArrayList<>(latest.values());
        long found = 0;
        List<String> lost = new ArrayList<>();
        for (int from = 0; from < toCheck.size(); from += BATCH) {
            List<Write> batch = toCheck.subList(from, Math.min(toCheck.size(), from + BATCH));
            List<Response<Object>> replies = new ArrayList<>();
            Pipeline pipeline = jedis.pipelined();
            for (Write w : batch) {
                replies.add(pipeline.sendCommand(ProductCorpus.command("FT.SEARCH"), ProductCorpus.INDEX,
                        "@id:[" + w.id() + " " + w.id() + "] @price:[" + w.price() + " " + w.price() + "]",
                        "LIMIT", "0", "0"));
            }
            pipeline.sync();
            for (int i = 0; i < batch.size(); i++) {
                if (total(replies.get(i)) == 1) {
                    found++;
                } else if (lost.size() < LOST_SAMPLE) {
                    lost.add(ProductCorpus.key(batch.get(i).id()) + " price " + batch.get(i).price());
                }
            }
        }
        long inserts = writes.stream().filter(Write::insert).count();
        long expectedDocs = loadedDocs + latest.values().stream().filter(Write::insert).count();
        return new WriteFigures(writes.size(), inserts, writes.size() - inserts, writer.errors(), toCheck.size(),
                found, toCheck.size() - found, lost, expectedDocs, matchAll(jedis));
    }

    private static long total(Response<Object> reply) {
        try {
            return (Long) ((List<?>) reply.get()).get(0);
        } catch (JedisException | ClassCastException | IndexOutOfBoundsException e) {
            return -1;
        }
    }

    private static long matchAll(Jedis jedis) {
        try {
            List<?> reply = (List<?>) jedis.sendCommand(ProductCorpus.command("FT.SEARCH"), ProductCorpus.INDEX, "*",
                    "LIMIT", "0", "0");
            return (Long) reply.get(0);
        } catch (JedisException e) {
            return -1;
        }
    }
}
