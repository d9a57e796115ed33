package dev.slipway.internal.rewrite;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.RewriteSpec.VectorConversion;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.vector.QuantizationScale;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Recall@10 of KNN queries over the whole index, as applications will see it: before the first change, a few sampled
 * documents' vectors query the source index (their neighbours kept in the backup directory); once the new index is
 * built, the same vectors, converted to the new datatype as a client would, query it, and the share of the neighbours
 * found again is the figure. The rewrite's own figure ({@link RecallSample}) compares neighbours within a sample of
 * 300 vectors, which overstates recall on clustered data (tester session 30: 0.75 said, 0.13 by KNN); this one costs
 * a few dozen queries. HNSW queries ask for a wide search ({@code EF_RUNTIME}), so that the figure measures the
 * conversion more than the graph. Documents written or deleted while the migration ran move it a little.
 */
public final class IndexRecall {
    private static final Logger LOG = LoggerFactory.getLogger(IndexRecall.class);
    /** The file in the backup directory. */
    static final String FILE = "recall-queries.json";
    private static final int QUERIES = 20;
    private static final int K = 10;
    private static final int EF_RUNTIME = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The queries of one converted field: its document field, source datatype, and each query's neighbours. */
    record FieldQueries(String path, String from, List<Query> queries) {
    }

    /** One query: the sampled document's key, its original vector (base64) and the keys the source index returned. */
    record Query(String key, String vector, List<String> neighbours) {
    }

    /** What is kept in the backup directory. */
    record Queries(List<FieldQueries> fields) {
    }

    private IndexRecall() {
    }

    /**
     * Queries the source index with up to {@value #QUERIES} sampled vectors of every converted field and keeps their
     * neighbours in the backup directory, once (a resumed run finds the file). Before the first change only: a
     * drop-recreate rewrite drops the source index. Informational: a failure is logged and nothing is measured.
     */
    public static void capture(RedisSession session, MigrationPlan plan, Path backupDir) {
        Optional<RewriteSpec> spec = plan.rewrite().filter(r -> r.storage() == StorageType.HASH)
                .filter(r -> !r.conversions().isEmpty());
        Path file = backupDir.resolve(FILE);
        if (spec.isEmpty() || Files.exists(file)) {
            return;
        }
        try {
            List<FieldQueries> fields = new ArrayList<>();
            for (VectorConversion conversion : spec.get().conversions()) {
                sourceField(plan, spec.get(), conversion).ifPresent(field -> {
                    List<Query> queries = queries(session, plan, conversion, field);
                    if (!queries.isEmpty()) {
                        fields.add(new FieldQueries(conversion.path(), conversion.from(), queries));
                    }
                });
            }
            Path temporary = backupDir.resolve(FILE + ".tmp");
            Files.write(temporary, JSON.writeValueAsBytes(new Queries(fields)));
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.warn("The recall of KNN queries over the whole index will not be measured: {}", e.getMessage());
        }
    }

    private static List<Query> queries(RedisSession session, MigrationPlan plan, VectorConversion conversion,
                                       FieldSchema field) {
        VectorDataType from = VectorDataType.parse(conversion.from());
        List<Query> queries = new ArrayList<>();
        for (String key : plan.source().keySample()) {
            if (queries.size() >= QUERIES) {
                break;
            }
            byte[] vector = session.jedis().hget(key.getBytes(StandardCharsets.UTF_8),
                    field.path().getBytes(StandardCharsets.UTF_8));
            if (vector != null && vector.length == conversion.dims() * from.bytesPerElement()) {
                queries.add(new Query(key, Base64.getEncoder().encodeToString(vector),
                        knn(session, plan.source().physicalIndex(), field, vector)));
            }
        }
        return queries;
    }

    /**
     * The recall@10 of each converted field on the new index (served under the plan's name), against what the
     * source index answered before the rewrite; empty when nothing was captured (an older backup, or a refused
     * query). Each is a passed check: a figure to read, with no threshold of Slipway's.
     */
    public static List<ValidationCheck> measure(RedisSession session, MigrationPlan plan, Path backupDir) {
        Path file = backupDir.resolve(FILE);
        Optional<RewriteSpec> spec = plan.rewrite();
        if (spec.isEmpty() || !Files.isRegularFile(file)) {
            return List.of();
        }
        List<ValidationCheck> checks = new ArrayList<>();
        try {
            Queries captured = JSON.readValue(file.toFile(), Queries.class);
            Optional<BackupHeader> header = BackupDirectory.readHeader(backupDir);
            KeyMove move = KeyMove.of(spec.get());
            for (FieldQueries field : captured.fields()) {
                Optional<VectorConversion> conversion = spec.get().conversions().stream()
                        .filter(c -> c.path().equals(field.path())).findFirst();
                Optional<FieldSchema> target = plan.targetSchema().fields().stream()
                        .filter(f -> f.path().equals(field.path())).findFirst();
                if (conversion.isEmpty() || target.isEmpty() || field.queries().isEmpty()) {
                    continue;
                }
                VectorDataType to = VectorDataType.parse(conversion.get().to());
                QuantizationScale scale = header.map(h -> h.quantization().get(field.path()))
                        .map(s -> QuantizationScale.of(to, s.scale(), s.zeroPoint())).orElse(null);
                double sum = 0;
                for (Query query : field.queries()) {
                    byte[] converted = VectorCodec.convert(Base64.getDecoder().decode(query.vector()),
                            VectorDataType.parse(field.from()), to, scale);
                    Set<String> found = new HashSet<>(knn(session, plan.servedName(), target.get(), converted));
                    long again = query.neighbours().stream().map(k -> newKey(move, k)).filter(found::contains)
                            .count();
                    sum += query.neighbours().isEmpty() ? 1 : again / (double) query.neighbours().size();
                }
                checks.add(new ValidationCheck("recall:" + target.get().name(), true, "recall@" + K + " of KNN "
                        + "queries over the whole index, against the source index's answers before the rewrite "
                        + "(a figure to judge, not a threshold)", String.format(Locale.ROOT, "%.4f on %d queries",
                        sum / field.queries().size(), field.queries().size()), ""));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not measure the recall of KNN queries over the whole index: {}", e.getMessage());
        }
        return checks;
    }

    private static String newKey(KeyMove move, String key) {
        return new String(move.newKey(key.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** The source schema's field that holds the converted document field (before a rename of the plan moves it). */
    private static Optional<FieldSchema> sourceField(MigrationPlan plan, RewriteSpec spec,
                                                     VectorConversion conversion) {
        String path = spec.fieldMoves().stream().filter(m -> m.to().equals(conversion.path()))
                .map(RewriteSpec.FieldMove::from).findFirst().orElse(conversion.path());
        return plan.source().schema().fields().stream().filter(f -> f.path().equals(path)).findFirst();
    }

    /** The keys of the {@value #K} nearest documents to a vector, by the index's own search. */
    private static List<String> knn(RedisSession session, String index, FieldSchema field, byte[] vector) {
        boolean hnsw = "HNSW".equalsIgnoreCase(String.valueOf(field.attrs().get("algorithm")));
        List<byte[]> args = new ArrayList<>();
        args.add(text(index));
        args.add(text("*=>[KNN " + K + " @" + field.name() + " $v" + (hnsw ? " EF_RUNTIME " + EF_RUNTIME : "")
                + "]"));
        args.add(text("PARAMS"));
        args.add(text("2"));
        args.add(text("v"));
        args.add(vector);
        for (String word : List.of("NOCONTENT", "LIMIT", "0", Integer.toString(K), "DIALECT", "2")) {
            args.add(text(word));
        }
        List<Object> reply = RedisReplies.list(session.jedis().sendCommand(RedisSession.command("FT.SEARCH"),
                RedisSession.untimed("FT.SEARCH", args.toArray(byte[][]::new))));
        List<String> keys = new ArrayList<>();
        for (Object key : reply.subList(1, reply.size())) {
            keys.add(RedisReplies.text(key));
        }
        return keys;
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
