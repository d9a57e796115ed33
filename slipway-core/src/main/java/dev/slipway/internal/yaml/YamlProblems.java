package dev.slipway.internal.yaml;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.internal.io.Wording;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Collects every problem found while reading a document, then reports them once. Helpers here read typed values
 * from nodes and record a located problem instead of throwing, so one pass finds all mistakes.
 */
public final class YamlProblems {
    private final List<String> problems = new ArrayList<>();

    /** Records a problem at a node. */
    public void add(YamlNode at, String message) {
        problems.add(at.where() + ": " + message);
    }

    /** Records a problem without a location. */
    public void add(String message) {
        problems.add(message);
    }

    /** Whether anything was recorded. */
    public boolean isEmpty() {
        return problems.isEmpty();
    }

    /** Flags keys of a mapping that are not in the allowed set. */
    public void rejectUnknownKeys(YamlNode map, Set<String> allowed, String what) {
        for (Map.Entry<String, YamlNode> entry : map.keys().entrySet()) {
            if (!allowed.contains(entry.getKey())) {
                add(entry.getValue(), "unknown key '" + entry.getKey() + "' in " + what + "; expected one of "
                        + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    /** A required text value; records a problem and returns empty when missing or not a scalar. */
    public Optional<String> requiredText(YamlNode map, String key, String what) {
        Optional<YamlNode> value = map.get(key);
        if (value.isEmpty()) {
            add(map, what + " needs '" + key + "'");
            return Optional.empty();
        }
        return text(value.get(), key);
    }

    /** An optional text value. */
    public Optional<String> optionalText(YamlNode map, String key) {
        return map.get(key).flatMap(v -> text(v, key));
    }

    private Optional<String> text(YamlNode value, String key) {
        if (!value.isScalar()) {
            add(value, "'" + key + "' must be a single value");
            return Optional.empty();
        }
        return Optional.of(value.text());
    }

    /** A value that may be one string or a list of strings. */
    public Optional<List<String>> textOrList(YamlNode map, String key) {
        Optional<YamlNode> value = map.get(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().isScalar()) {
            return Optional.of(List.of(value.get().text()));
        }
        if (!value.get().isList()) {
            add(value.get(), "'" + key + "' must be a value or a list of values");
            return Optional.empty();
        }
        List<String> texts = new ArrayList<>();
        for (YamlNode item : value.get().items()) {
            if (item.isScalar()) {
                texts.add(item.text());
            } else {
                add(item, "items of '" + key + "' must be single values");
            }
        }
        return Optional.of(texts);
    }

    /**
     * Throws when problems were recorded.
     *
     * @param summary first line of the message, e.g. "Cannot read schema patch patch.yaml"
     * @param nextStep what the user should do, e.g. "Fix the file and re-run 'slipway plan'."
     */
    public void throwIfAny(String summary, String nextStep) {
        if (!problems.isEmpty()) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, summary + " ("
                    + Wording.count(problems.size(), "problem", "problems") + "). " + nextStep, problems, null);
        }
    }
}
