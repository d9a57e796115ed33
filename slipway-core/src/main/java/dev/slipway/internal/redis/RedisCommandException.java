package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

/** Redis answered a command with an error. Callers that expect some errors (unknown index) catch this. */
public final class RedisCommandException extends SlipwayException {
    private static final long serialVersionUID = 1L;

    private final String command;
    private final String serverMessage;

    RedisCommandException(String command, String serverMessage, Throwable cause) {
        super(ErrorCode.REDIS_ERROR, "Redis rejected " + command + ": " + withAdvice(serverMessage), cause);
        this.command = command;
        this.serverMessage = serverMessage == null ? "" : serverMessage;
    }

    /**
     * The server's error text, ending in one full stop, with what to do when the error says so: an out-of-memory
     * refusal (at {@code maxmemory}) tells the user to free memory or raise the limit and re-run.
     */
    public static String withAdvice(String serverMessage) {
        String text = serverMessage == null || serverMessage.isBlank() ? "(no error text)" : serverMessage.strip();
        text = text.endsWith(".") ? text : text + ".";
        if (text.startsWith("OOM")) {
            text += " Redis is at its maxmemory: free memory or raise it (CONFIG SET maxmemory), then re-run the same "
                    + "command; what was done is kept and not repeated.";
        }
        return text;
    }

    /** The command that failed. */
    public String command() {
        return command;
    }

    /** The error text the server sent. */
    public String serverMessage() {
        return serverMessage;
    }

    /** Whether the server said the index does not exist. */
    public boolean isUnknownIndex() {
        String text = serverMessage.toLowerCase();
        return text.contains("unknown index") || text.contains("no such index") || text.contains("not found");
    }
}
