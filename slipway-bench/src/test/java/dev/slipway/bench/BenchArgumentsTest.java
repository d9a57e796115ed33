package dev.slipway.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchArgumentsTest {
    private static final Set<String> KNOWN = Set.of("docs", "seed", "mode");

    @Test
    void readsBothSpellingsAndDefaults() {
        BenchArguments args = BenchArguments.parse("b", List.of("--docs", "3_000", "--seed=-7"), KNOWN);
        assertThat(args.integer("docs", 1, 1, 10_000)).isEqualTo(3_000);
        assertThat(args.number("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(-7);
        assertThat(args.text("mode", "auto")).isEqualTo("auto");
        args.throwIfInvalid();
    }

    @Test
    void collectsEveryProblemThenThrowsOnce() {
        BenchArguments args = BenchArguments.parse("b",
                List.of("stray", "--docs", "1", "--docs", "2", "--size", "3", "--seed"), KNOWN);
        assertThat(args.integer("docs", 5, 10, 20)).isEqualTo(5);
        assertThatThrownBy(args::throwIfInvalid)
                .isInstanceOfSatisfying(BenchUsageException.class, e -> assertThat(e.problems()).containsExactly(
                        "unexpected argument 'stray'; options look like --docs 3000",
                        "option --docs is given twice",
                        "unknown option --size; b accepts --docs, --mode, --seed",
                        "option --seed needs a value",
                        "--docs 1 is out of range; give a value from 10 to 20",
                        "see 'slipway-bench b --help'"));
    }
}
