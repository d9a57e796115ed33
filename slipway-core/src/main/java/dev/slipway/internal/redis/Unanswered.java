package dev.slipway.internal.redis;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * Why the server did not answer a command Slipway reads with and can do without ({@code INFO}, {@code CONFIG GET},
 * {@code MODULE LIST}, {@code OBJECT}, {@code ROLE}). Three cases are told apart:
 * <ul>
 *   <li>the server has no command of that name, because {@code rename-command} renamed or disabled it (as managed
 *       services do with {@code CONFIG}). Messages said "refuses ... to this user" for it too, and a user with every
 *       permission was sent to ask for one (tester session 48 R43 T3 F7);</li>
 *   <li>an ACL refuses it to the user ({@code NOPERM});</li>
 *   <li>the server answered with another error, such as a proxy's "command not supported", a {@code BUSY} script or
 *       {@code LOADING} that outlasted the retries, or {@code MASTERDOWN} on a stale replica: the message quotes it
 *       instead of blaming either of the above.</li>
 * </ul>
 */
public final class Unanswered {
    private Unanswered() {
    }

    /** Whether a server's error says that it has no command of that name. */
    public static boolean isUnknownCommand(String serverMessage) {
        return serverMessage != null && serverMessage.startsWith("ERR unknown command");
    }

    /**
     * Whether {@code commandText}'s command (its first word, such as {@code INFO} in {@code INFO memory}) is among
     * {@code unknownCommands}, the commands the server said it has not.
     */
    public static boolean missing(String commandText, Collection<String> unknownCommands) {
        return unknownCommands.contains(name(commandText));
    }

    /**
     * Why the server did not answer {@code commandText} ({@code INFO memory}) when all that is known is which
     * commands it has not: "the server has no INFO command (renamed or disabled)", else "the server refuses INFO
     * memory to this user".
     */
    public static String why(String commandText, Collection<String> unknownCommands) {
        return why(commandText, unknownCommands, Map.of());
    }

    /**
     * Why the server did not answer {@code commandText} ({@code INFO memory}): "the server has no INFO command
     * (renamed or disabled)" when it said it has none; "the server answered INFO memory with an error: ..." when the
     * last error {@code errors} holds for the command (by name, upper case) is neither that nor a refusal
     * ({@code NOPERM}); else "the server refuses INFO memory to this user".
     */
    public static String why(String commandText, Collection<String> unknownCommands, Map<String, String> errors) {
        if (missing(commandText, unknownCommands)) {
            return "the server has no " + name(commandText) + " command (renamed or disabled)";
        }
        String error = errors.get(name(commandText));
        if (error != null && !isRefusal(error)) {
            return "the server answered " + commandText + " with an error (" + error.strip() + ")";
        }
        return "the server refuses " + commandText + " to this user";
    }

    /** Whether a server's error is an ACL's refusal of the command to the user. */
    public static boolean isRefusal(String serverMessage) {
        return serverMessage != null && serverMessage.startsWith("NOPERM");
    }

    /**
     * Whether a server's error is worth keeping for {@link #why}: neither "unknown command" (kept apart) nor a
     * refusal (the default reading).
     */
    public static boolean isOtherError(String serverMessage) {
        return serverMessage != null && !isUnknownCommand(serverMessage) && !isRefusal(serverMessage);
    }

    /** The command's name, upper case, as the sets of unknown commands hold it. */
    public static String name(String commandText) {
        String trimmed = commandText.strip();
        int space = trimmed.indexOf(' ');
        return (space < 0 ? trimmed : trimmed.substring(0, space)).toUpperCase(Locale.ROOT);
    }
}
