package dev.slipway.api;

import java.util.List;

/**
 * The single unchecked root of every error Slipway reports.
 *
 * <p>The message says what was found, where (index, key, file and line) and what to do next. {@link #problems()}
 * holds every individual problem when validation collected several; it is never null and may be empty when the
 * message stands alone.
 */
public class SlipwayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final List<String> problems;

    /** Creates an exception with a code and a complete, user-facing message. */
    public SlipwayException(ErrorCode code, String message) {
        this(code, message, List.of(), null);
    }

    /** Creates an exception with a code, a message and the underlying cause (shown only in verbose mode). */
    public SlipwayException(ErrorCode code, String message, Throwable cause) {
        this(code, message, List.of(), cause);
    }

    /** Creates an exception that reports several problems found together. */
    public SlipwayException(ErrorCode code, String message, List<String> problems, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.problems = List.copyOf(problems);
    }

    /** The error code; never null. */
    public ErrorCode code() {
        return code;
    }

    /** The exit code the CLI returns for this error. */
    public int exitCode() {
        return code.exitCode();
    }

    /** Each problem found, when several were collected; empty otherwise. */
    public List<String> problems() {
        return problems;
    }

    /** The message followed by one line per problem, as shown to a user. */
    public String describe() {
        if (problems.isEmpty()) {
            return getMessage();
        }
        StringBuilder text = new StringBuilder(getMessage());
        for (String problem : problems) {
            text.append(System.lineSeparator()).append("  - ").append(problem);
        }
        return text.toString();
    }
}
