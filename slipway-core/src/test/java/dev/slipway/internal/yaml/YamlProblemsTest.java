package dev.slipway.internal.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class YamlProblemsTest {

    private static final YamlNode ROOT = YamlNode.parse("""
            name: x
            one: solo
            many: [a, b]
            nested: {k: v}
            mixed: [a, {b: c}]
            """, "p.yaml");

    @Test
    void nothingRecordedThrowsNothing() {
        YamlProblems problems = new YamlProblems();
        problems.throwIfAny("never", "never");
        assertThat(problems.isEmpty()).isTrue();
    }

    @Test
    void typedReadersRecordProblemsInsteadOfThrowing() {
        YamlProblems problems = new YamlProblems();

        assertThat(problems.requiredText(ROOT, "name", "the doc")).contains("x");
        assertThat(problems.requiredText(ROOT, "absent", "the doc")).isEmpty();
        assertThat(problems.optionalText(ROOT, "absent")).isEmpty();
        assertThat(problems.optionalText(ROOT, "nested")).isEmpty();
        assertThat(problems.textOrList(ROOT, "one")).contains(List.of("solo"));
        assertThat(problems.textOrList(ROOT, "many")).contains(List.of("a", "b"));
        assertThat(problems.textOrList(ROOT, "nested")).isEmpty();
        assertThat(problems.textOrList(ROOT, "mixed")).contains(List.of("a"));
        problems.rejectUnknownKeys(ROOT, Set.of("name", "one", "many"), "the doc");

        SlipwayException e = catchThrowableOfType(() -> problems.throwIfAny("Cannot read p.yaml", "Fix it."),
                SlipwayException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        assertThat(e.getMessage()).isEqualTo("Cannot read p.yaml (6 problems). Fix it.");
        assertThat(e.problems()).containsExactly(
                "p.yaml line 1: the doc needs 'absent'",
                "p.yaml line 4: 'nested' must be a single value",
                "p.yaml line 4: 'nested' must be a value or a list of values",
                "p.yaml line 5: items of 'mixed' must be single values",
                "p.yaml line 4: unknown key 'nested' in the doc; expected one of many, name, one",
                "p.yaml line 5: unknown key 'mixed' in the doc; expected one of many, name, one");
    }

    @Test
    void oneProblemIsSingular() {
        YamlProblems problems = new YamlProblems();
        problems.add("no location");

        SlipwayException e = catchThrowableOfType(() -> problems.throwIfAny("Bad", "Retry."), SlipwayException.class);
        assertThat(e.getMessage()).isEqualTo("Bad (1 problem). Retry.");
        assertThat(e.problems()).containsExactly("no location");
        assertThat(e.exitCode()).isEqualTo(2);
    }
}
