package dev.slipway.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of one benchmark: {@code --name value} or {@code --name=value}, each given at most once. Problems
 * (unknown options, missing or invalid values) are collected while values are read and reported together by
 * {@link #throwIfInvalid()}.
 */
public final class BenchArguments {
    private final String benchmark;
    private final Map<String, String> values;
    private final List<String> problems;

    private BenchArguments(String benchmark, Map<String, String> values, List<String> problems) {
        this.benchmark = benchmark;
        this.values = values;
        this.problems = problems;
    }

    /**
     * Splits the arguments into options.
     *
     * @param benchmark the benchmark's name, for messages
     * @param args      the arguments after the benchmark's name
     * @param known     every option name the benchmark accepts, without the leading dashes
     */
    public static BenchArguments parse(String benchmark, List<String> args, Set<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                problems.add("unexpected argument '" + arg + "'; options look like --docs 3000");
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            } else {
                problems.add("option --" + name + " needs a value");
                continue;
            }
            if (!known.contains(name)) {
                problems.add("unknown option --" + name + "; " + benchmark + " accepts --"
                        + String.join(", --", new TreeSet<>(known)));
            } else if (values.putIfAbsent(name, value) != null) {
                problems.add("option --" + name + " is given twice");
            }
        }
        return new BenchArguments(benchmark, values, problems);
    }

    /** The option's text, or the default when it was not given. */
    public String text(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /** The option as a whole number within [min, max]; records a problem and returns the default otherwise. */
    public long number(String name, long defaultValue, long min, long max) {
        String text = values.get(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text.trim().replace("_", ""));
            if (value < min || value > max) {
                problems.add("--" + name + " " + text + " is out of range; give a value from " + min + " to " + max);
                return defaultValue;
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add("--" + name + " '" + text + "' is not a whole number");
            return defaultValue;
        }
    }

    /** {@link #number} for values that fit an int. */
    public int integer(String name, int defaultValue, int min, int max) {
        return (int) number(name, defaultValue, min, max);
    }

    /** Records a problem found by the benchmark itself while interpreting a value. */
    public void problem(String text) {
        problems.add(text);
    }

    /**
     * Reports every problem collected so far.
     *
     * @throws BenchUsageException when there is at least one; it names {@code --help}
     */
    public void throwIfInvalid() {
        if (!problems.isEmpty()) {
            List<String> all = new ArrayList<>(problems);
            all.add("see 'slipway-bench " + benchmark + " --help'");
            throw new BenchUsageException(all);
        }
    }
}
