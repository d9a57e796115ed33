package dev.slipway.bench;

import java.util.List;

/** The command line is wrong: an unknown benchmark or option, or an invalid value. Exit code 2. */
public final class BenchUsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** One problem. */
    public BenchUsageException(String message) {
        this(List.of(message));
    }

    /** Every problem found in the arguments, reported together. */
    public BenchUsageException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem; never empty. */
    public List<String> problems() {
        return problems;
    }
}
