package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.MigrationEstimate;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.GlobPattern;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.DocumentStore.ScanPage;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;

import java.util.ArrayList;
import java.util.List;

/**
 * Estimates a migration from a short, read-only sample: reads the fields a rewrite touches on up to a few hundred
 * documents, times the reads and the conversions, and extrapolates. Writes nothing.
 */
public final class RewriteEstimator {
    static final int SAMPLE = 500;
    /** A rewrite sends about as much as it reads, and writes the backup; measured reads are scaled by this. */
    private static final double WRITE_FACTOR = 2.5;
    private static final int RECORD_OVERHEAD = 16;

    private RewriteEstimator() {
    }

    /** The estimate of a plan against the live server. */
    public static MigrationEstimate estimate(MigrationPlan plan, RedisEndpoint endpoint) {
        double reindex = plan.estimate().reindexSeconds();
        long extraMemory = plan.estimate().extraMemoryBytes();
        if (plan.rewrite().isEmpty()) {
            return new MigrationEstimate(plan.servedName(), plan.estimate().documents(), 0, 0, 0, 0, extraMemory, 0,
                    reindex, plan.estimate().downtimeSeconds(), plan.estimate().basis() + "; index-only: nothing is "
                    + "rewritten or backed up");
        }
        RewriteSpec spec = plan.rewrite().get();
        DocumentRewriter rewriter = new DocumentRewriter(spec, java.util.Map.of());
        try (JedisDocumentStore store = JedisDocumentStore.open(endpoint)) {
            List<byte[]> keys = sampleKeys(store, spec);
            long t0 = System.nanoTime();
            long bytes = sampleBytes(store, spec, rewriter.fieldsToRead(), keys);
            double seconds = (System.nanoTime() - t0) / 1e9;
            int n = Math.max(keys.size(), 1);
            long docs = spec.documents();
            long backup = bytes * docs / n;
            double rewriteSeconds = seconds / n * docs * WRITE_FACTOR;
            double total = rewriteSeconds + reindex;
            return new MigrationEstimate(plan.servedName(), plan.estimate().documents(), docs, keys.size(), backup,
                    backup + (long) RECORD_OVERHEAD * docs, extraMemory, memorySaved(spec), round(total),
                    plan.mode() == MigrationMode.ZERO_DOWNTIME ? 0 : round(total),
                    "sampled " + keys.size() + " documents (read " + Math.round(seconds * 1000) + " ms); rewrite time "
                            + "= sampled read time x " + WRITE_FACTOR + " per document; " + plan.estimate().basis());
        }
    }

    private static List<byte[]> sampleKeys(JedisDocumentStore store, RewriteSpec spec) {
        String pattern = spec.sourcePrefixes().size() == 1 ? GlobPattern.startingWith(spec.sourcePrefixes().get(0))
                : "*";
        String type = spec.storage() == StorageType.HASH ? "hash" : "ReJSON-RL";
        KeyMove move = KeyMove.of(spec);
        List<byte[]> keys = new ArrayList<>();
        String cursor = "0";
        int pages = 0;
        do {
            ScanPage page = store.scan(cursor, pattern, SAMPLE, type);
            for (byte[] key : page.keys()) {
                if (keys.size() < SAMPLE && move.needsMove(key) == spec.targetPrefix().isPresent()) {
                    keys.add(key);
                }
            }
            cursor = page.nextCursor();
        } while (!cursor.equals("0") && keys.size() < SAMPLE && ++pages < 100);
        return keys;
    }

    private static long sampleBytes(JedisDocumentStore store, RewriteSpec spec, List<String> fields,
                                    List<byte[]> keys) {
        long bytes = 0;
        if (fields.isEmpty() || keys.isEmpty()) {
            return keys.stream().mapToLong(k -> k.length + RECORD_OVERHEAD).sum();
        }
        if (spec.storage() == StorageType.HASH) {
            List<byte[][]> values = store.readHashFields(keys, fields);
            for (int i = 0; i < keys.size(); i++) {
                bytes += keys.get(i).length;
                for (byte[] value : values.get(i)) {
                    bytes += value == null ? 0 : value.length;
                }
                convertForTiming(spec, fields, values.get(i));
            }
        } else {
            for (String reply : store.readJson(keys, fields)) {
                bytes += reply == null ? 0 : reply.length();
            }
        }
        return bytes;
    }

    /** Converts the sampled vectors so that the measured time includes the conversion work. */
    private static void convertForTiming(RewriteSpec spec, List<String> fields, byte[][] values) {
        for (RewriteSpec.VectorConversion conversion : spec.conversions()) {
            int at = fields.indexOf(conversion.path());
            VectorDataType from = VectorDataType.parse(conversion.from());
            if (at >= 0 && values[at] != null && values[at].length == conversion.dims() * from.bytesPerElement()
                    && VectorDataType.parse(conversion.to()).isFloatingPoint()) {
                VectorCodec.convert(values[at], from, VectorDataType.parse(conversion.to()), null);
            }
        }
    }

    private static long memorySaved(RewriteSpec spec) {
        long saved = 0;
        for (RewriteSpec.VectorConversion conversion : spec.conversions()) {
            int delta = VectorDataType.parse(conversion.from()).bytesPerElement()
                    - VectorDataType.parse(conversion.to()).bytesPerElement();
            saved += (long) delta * conversion.dims() * spec.documents();
        }
        return Math.max(saved, 0);
    }

    private static double round(double seconds) {
        return Math.round(seconds * 100) / 100.0;
    }
}
