package dev.slipway.api;

import java.util.List;

/**
 * The single unchecked root of every error Slipway reports.
 *
 * <p>The message says what was found, where (index, key, file and line) and what to do next. {@link #problems()}
 * holds every individual problem when validation collected several; it is never null and may be empty when the
 * message stands alone.
 *
 * <p>Messages name what to do next in the command line's words, as most users meet them there. Through the library,
 * read them so:
 * <table>
 * <caption>The command line's words and the library's</caption>
 * <tr><th>message says</th><th>library</th></tr>
 * <tr><td>{@code slipway plan}, {@code --index}, {@code --patch}, {@code --target-schema}, {@code --mode},
 *     {@code --allow-shared-keys}</td><td>{@link Slipway#plan} with a {@link PlanRequest} ({@code patch},
 *     {@code target}, {@code withMode}, {@code withAllowSharedKeys})</td></tr>
 * <tr><td>{@code slipway apply}, re-run the same command</td><td>{@link Slipway#apply} with the same plan and
 *     options</td></tr>
 * <tr><td>{@code --backup-dir}, {@code --accept-data-loss}, {@code --ignore-maxmemory}, {@code --no-write-watch}
 *     </td><td>{@link ApplyOptions#withBackupDir}, {@link ApplyOptions#withAcceptDataLoss},
 *     {@link ApplyOptions#withIgnoreMaxmemory}, {@link ApplyOptions#withWriteWatch}{@code (false)}</td></tr>
 * <tr><td>{@code --batch-size}, {@code --workers}, {@code --rate-limit}, {@code --retries}</td>
 *     <td>{@link ApplyOptions#withThroughput}; for a rollback, {@link RestoreOptions}</td></tr>
 * <tr><td>{@code slipway rollback --backup-dir}, {@code --overwrite-changed}</td>
 *     <td>{@link Slipway#rollbackFromBackup(java.nio.file.Path, RestoreOptions)},
 *     {@link RestoreOptions#withOverwriteChanged}</td></tr>
 * <tr><td>{@code slipway rollback --index}, {@code --to}</td><td>{@link Slipway#rollback(String)},
 *     {@link Slipway#rollback(String, String)}</td></tr>
 * <tr><td>{@code slipway validate}, {@code --queries}</td>
 *     <td>{@link Slipway#validate(dev.slipway.api.plan.MigrationPlan, java.util.List, int)} with
 *     {@link dev.slipway.api.plan.QueryCheck}s</td></tr>
 * <tr><td>{@code slipway estimate}, {@code status}, {@code prune}</td><td>{@link Slipway#estimate},
 *     {@link Slipway#status}, {@link Slipway#prune}</td></tr>
 * <tr><td>{@code --url}, {@code --namespace}, {@code --timeout}</td><td>{@link Slipway.Configuration#url},
 *     {@link Slipway.Configuration#keyNamespace}, {@link Slipway.Configuration#commandTimeout}</td></tr>
 * </table>
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
