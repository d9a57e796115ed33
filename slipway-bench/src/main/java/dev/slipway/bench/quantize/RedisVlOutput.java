package dev.slipway.bench.quantize;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what {@code rvl} prints. Its report has no duration for the phases before the index is dropped (key
 * enumeration, the dump of the originals to the backup), so those come from the progress lines of
 * {@code rvl migrate apply}, e.g. {@code [1/8] Enumerate keys: found 2,000 documents (0.144s)},
 * {@code dump: done (0.19s)}, {@code [6/8] Quantize vectors: done (2,000 docs in 0.416s)}. With {@code --workers}
 * above 1 the dump runs inside the quantize phase and has no line of its own.
 */
final class RedisVlOutput {
    private static final Pattern VERSION = Pattern.compile("RedisVL version (\\S+)");
    private static final Pattern ENUMERATE =
            Pattern.compile("Enumerate keys: found [\\d,]+ documents \\(([\\d.]+)s\\)");
    private static final Pattern DUMP = Pattern.compile("dump: done \\(([\\d.]+)s\\)");
    private static final Pattern QUANTIZE = Pattern.compile("Quantize vectors: done \\([\\d,]+ docs in ([\\d.]+)s\\)");

    private RedisVlOutput() {
    }

    /**
     * The phases of an apply that read, back up and rewrite the documents, in seconds; null when the output has no
     * line for the phase.
     *
     * @param enumerateSeconds listing the indexed keys
     * @param dumpSeconds      reading the originals into the backup (single worker only)
     * @param quantizeSeconds  converting and writing back (with the dump, for several workers)
     */
    record Phases(Double enumerateSeconds, Double dumpSeconds, Double quantizeSeconds) {
        /** The sum of the phases found: the counterpart of Slipway's {@code rewrite-documents} step. */
        double rewriteSeconds() {
            return orZero(enumerateSeconds) + orZero(dumpSeconds) + orZero(quantizeSeconds);
        }

        private static double orZero(Double value) {
            return value == null ? 0 : value;
        }
    }

    static Optional<String> version(String output) {
        Matcher m = VERSION.matcher(output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    static Phases phases(String applyOutput) {
        return new Phases(last(ENUMERATE, applyOutput), last(DUMP, applyOutput), last(QUANTIZE, applyOutput));
    }

    private static Double last(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        Double value = null;
        while (m.find()) {
            value = Double.valueOf(m.group(1));
        }
        return value;
    }
}
