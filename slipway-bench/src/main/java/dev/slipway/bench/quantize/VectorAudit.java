package dev.slipway.bench.quantize;

import dev.slipway.api.IndexDescription;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Checks a contender's result: sampled documents hold exactly the FLOAT16 rounding of their original FLOAT32
 * vector ({@code dims * 2} bytes, recomputed from the seed) with their other fields untouched, and the index is back
 * with a FLOAT16 vector field over every document.
 */
final class VectorAudit {
    private static final int REPORTED_PROBLEMS = 5;

    private VectorAudit() {
    }

    /**
     * What the audit found.
     *
     * @param correct          every check passed
     * @param sampled          documents compared byte for byte
     * @param wrongVectors     sampled documents whose vector is missing, of another length, or other bytes
     * @param wrongFields      sampled documents whose title or category changed
     * @param indexedDocuments documents the index reports afterwards
     * @param indexingFailures documents the index failed to index
     * @param vectorDatatype   the vector field's type in the index afterwards
     * @param problems         the first problems found, one sentence each; empty when correct
     */
    record Audit(boolean correct, int sampled, int wrongVectors, int wrongFields, long indexedDocuments,
                 long indexingFailures, String vectorDatatype, List<String> problems) {
    }

    static Audit audit(LoadedServer server, VectorCorpus corpus, int sampleSize, long seed) {
        long[] ids = sampleIds(corpus.documents(), sampleSize, seed);
        List<String> problems = new ArrayList<>();
        int wrongVectors = 0;
        int wrongFields = 0;
        try (Jedis jedis = server.newJedis()) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<List<byte[]>>> replies = new ArrayList<>();
            for (long id : ids) {
                replies.add(pipeline.hmget(VectorCorpus.key(id), SafeEncoder.encode(VectorCorpus.VECTOR_FIELD),
                        SafeEncoder.encode("title"), SafeEncoder.encode("category")));
            }
            pipeline.sync();
            for (int i = 0; i < ids.length; i++) {
                List<byte[]> values = replies.get(i).get();
                String vectorProblem = vectorProblem(corpus, ids[i], values.get(0));
                if (vectorProblem != null) {
                    wrongVectors++;
                    note(problems, vectorProblem);
                }
                if (!corpus.title(ids[i]).equals(text(values.get(1)))
                        || !corpus.category(ids[i]).equals(text(values.get(2)))) {
                    wrongFields++;
                    note(problems, "doc:" + ids[i] + ": title or category changed");
                }
            }
        }
        IndexFacts index = indexFacts(server);
        index.problem(corpus.documents()).ifPresent(problems::add);
        boolean correct = wrongVectors == 0 && wrongFields == 0 && index.problem(corpus.documents()).isEmpty();
        return new Audit(correct, ids.length, wrongVectors, wrongFields, index.docs(), index.failures(),
                index.datatype(), problems);
    }

    /** Why the vector of a document is not the exact float16 rounding of its original; null when it is. */
    static String vectorProblem(VectorCorpus corpus, long id, byte[] actual) {
        int expectedLength = corpus.dims() * 2;
        if (actual == null) {
            return "doc:" + id + ": no '" + VectorCorpus.VECTOR_FIELD + "' field";
        }
        if (actual.length != expectedLength) {
            return "doc:" + id + ": vector has " + actual.length + " bytes, expected " + expectedLength;
        }
        byte[] expected = corpus.expectedFloat16Vector(id);
        int at = Arrays.mismatch(expected, actual);
        if (at >= 0) {
            int element = at / 2;
            return String.format(Locale.ROOT, "doc:%d: element %d is 0x%04x, expected 0x%04x", id, element,
                    half(actual, element), half(expected, element));
        }
        return null;
    }

    private static int half(byte[] bytes, int element) {
        return (bytes[2 * element] & 0xff) | (bytes[2 * element + 1] & 0xff) << 8;
    }

    private static String text(byte[] value) {
        return value == null ? null : SafeEncoder.encode(value);
    }

    private static void note(List<String> problems, String problem) {
        if (problems.size() < REPORTED_PROBLEMS) {
            problems.add(problem);
        }
    }

    /** Distinct document ids spread over the whole key space, the same for every contender. */
    static long[] sampleIds(int documents, int sampleSize, long seed) {
        int count = Math.min(documents, sampleSize);
        SplittableRandom random = new SplittableRandom(seed ^ 0xA0D17L);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            long from = (long) i * documents / count;
            long to = (long) (i + 1) * documents / count;
            ids[i] = from + random.nextLong(to - from);
        }
        return ids;
    }

    private record IndexFacts(long docs, long failures, String datatype, String error) {
        Optional<String> problem(long documents) {
            if (error != null) {
                return Optional.of("index '" + VectorCorpus.INDEX + "' cannot be read: " + error);
            }
            if (docs != documents || failures != 0 || !"FLOAT16".equalsIgnoreCase(datatype)) {
                return Optional.of("index '" + VectorCorpus.INDEX + "' has " + docs + " documents, "
                        + failures + " indexing failures and a " + datatype + " vector field; expected "
                        + documents + ", 0 and FLOAT16");
            }
            return Optional.empty();
        }
    }

    private static IndexFacts indexFacts(LoadedServer server) {
        try {
            IndexDescription index = Slipway.configure().url(server.url()).load().describe(VectorCorpus.INDEX);
            String datatype = index.schema().field(VectorCorpus.VECTOR_FIELD)
                    .flatMap(f -> f.attr("datatype")).map(String::valueOf).orElse("none");
            return new IndexFacts(index.numDocs(), index.indexingFailures(), datatype, null);
        } catch (SlipwayException e) {
            return new IndexFacts(0, 0, "none", e.getMessage());
        }
    }
}
