package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec.VectorConversion;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.rewrite.DocumentStore.ScanPage;
import dev.slipway.internal.vector.QuantizationScale;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The INT8/UINT8 mappings of a rewrite: chosen once, from a sample of the live vectors, and kept in the backup
 * header before any document changes, so that a resumed run quantizes exactly like the run that began.
 */
final class ScaleChoice {
    private static final Logger LOG = LoggerFactory.getLogger(ScaleChoice.class);
    /** Vectors an INT8/UINT8 mapping is derived from. */
    static final int SAMPLE = 2_000;

    private ScaleChoice() {
    }

    /**
     * The mapping of every conversion to INT8 or UINT8 from a floating-point type: the one the header holds when an
     * earlier run chose it (a resumed run must quantize like the documents already converted), else one derived from
     * a sample of the field's current vectors ({@link QuantizationScale#fromSample}) and saved in the header before
     * any document changes.
     */
    static Map<String, QuantizationScale> load(RewriteSpec spec, BackupDirectory backup, WorkerPool workers,
                                               KeyScope scope, int pageSize) {
        Map<String, BackupHeader.Scale> saved = new LinkedHashMap<>(backup.header().quantization());
        boolean chosen = false;
        for (VectorConversion conversion : spec.conversions()) {
            if (saved.containsKey(conversion.path())) {
                continue;
            }
            Optional<Derived> derived = derive(spec, conversion, workers, scope, pageSize);
            if (derived.isPresent()) {
                QuantizationScale scale = derived.get().scale();
                saved.put(conversion.path(), new BackupHeader.Scale(scale.target().redisName(), scale.scale(),
                        scale.zeroPoint(), derived.get().sampled()));
                chosen = true;
            }
        }
        if (chosen) {
            backup.writeHeader(backup.header().withQuantization(saved));
            saved.forEach((path, scale) -> LOG.info("Quantizing {} to {} with scale {} and zero point {} (from {} "
                    + "sampled vectors)", path, scale.datatype(), scale.scale(), scale.zeroPoint(), scale.sampled()));
        }
        return backup.header().quantizationScales();
    }

    /**
     * The mappings a new run would choose now, derived as {@link #load} derives them but saved nowhere: for a check
     * that plans documents before the run begins.
     */
    static Map<String, QuantizationScale> preview(RewriteSpec spec, WorkerPool workers, KeyScope scope,
                                                  int pageSize) {
        Map<String, QuantizationScale> scales = new LinkedHashMap<>();
        for (VectorConversion conversion : spec.conversions()) {
            derive(spec, conversion, workers, scope, pageSize).ifPresent(d -> scales.put(conversion.path(),
                    d.scale()));
        }
        return scales;
    }

    /** A mapping and the number of vectors it was derived from. */
    private record Derived(QuantizationScale scale, int sampled) {
    }

    /**
     * The mapping of a conversion to INT8 or UINT8 from a floating-point type, from a sample of the field's current
     * vectors; empty for other conversions, and when no vector to convert was found (nothing will be converted).
     */
    private static Optional<Derived> derive(RewriteSpec spec, VectorConversion conversion, WorkerPool workers,
                                            KeyScope scope, int pageSize) {
        VectorDataType from = VectorDataType.parse(conversion.from());
        VectorDataType to = VectorDataType.parse(conversion.to());
        if (!from.isFloatingPoint() || to.isFloatingPoint()) {
            return Optional.empty();
        }
        List<float[]> sample = sampleVectors(spec, conversion, from, workers, scope, pageSize);
        return sample.isEmpty() ? Optional.empty()
                : Optional.of(new Derived(QuantizationScale.fromSample(sample, to), sample.size()));
    }

    /**
     * Up to {@value #SAMPLE} vectors of the conversion's source length, from the first SCAN pages (SCAN walks the
     * keyspace in hash order, not key order).
     */
    private static List<float[]> sampleVectors(RewriteSpec spec, VectorConversion conversion, VectorDataType from,
                                               WorkerPool workers, KeyScope scope, int pageSize) {
        List<String> field = List.of(DocumentRewriter.sourceField(spec, conversion));
        int length = from.bytesPerElement() * conversion.dims();
        List<float[]> sample = new ArrayList<>();
        String cursor = "0";
        do {
            String at = cursor;
            ScanPage page = workers.read(store -> scope.read(store, at, pageSize, "hash"));
            List<byte[]> keys = page.keys(); // in scope: read() kept only those
            if (!keys.isEmpty()) {
                for (byte[][] values : workers.read(store -> store.readHashFields(keys, field))) {
                    if (values[0] != null && values[0].length == length && sample.size() < SAMPLE) {
                        sample.add(VectorCodec.decode(values[0], from));
                    }
                }
            }
            cursor = page.nextCursor();
        } while (!cursor.equals("0") && sample.size() < SAMPLE);
        return sample;
    }

    /** The mappings used and how many elements each had to clamp, for the step's summary; empty when none. */
    static String describe(Map<String, QuantizationScale> scales, BackupHeader header) {
        StringBuilder text = new StringBuilder();
        scales.forEach((path, scale) -> {
            BackupHeader.Scale saved = header.quantization().get(path);
            text.append("; ").append(scale.target().redisName()).append(" mapping of ").append(path)
                    .append(": scale ").append(String.format(Locale.ROOT, "%.6g", scale.scale()))
                    .append(", zero point ").append(scale.zeroPoint()).append(" (from ").append(saved.sampled())
                    .append(" sampled vectors), ").append(scale.clampedElements())
                    .append(" elements clamped this run");
        });
        return text.toString();
    }
}
