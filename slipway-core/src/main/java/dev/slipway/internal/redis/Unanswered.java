package dev.slipway.internal.redis;

import java.util.Collection;
import java.util.Locale;

/**
 * Why the server did not answer a command Slipway reads with and can do without ({@code INFO}, {@code CONFIG GET},
 * {@code MODULE LIST}, {@code OBJECT}, {@code ROLE}): an ACL refuses it to the user, or the server has no command of
 * that name, because {@code rename-command} renamed or disabled it (as managed services do with {@code CONFIG}).
 * Messages said "refuses ... to this user" in both cases, and a user with every permission was sent to ask for one
 * (tester session 48 R43 T3 F7).
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
     * Why the server did not answer {@code commandText} ({@code INFO memory}): "the server has no INFO command (renamed
     * or disabled)" when it said it has none, else "the server refuses INFO memory to this user".
     */
    public static String why(String commandText, Collection<String> unknownCommands) {
        return missing(commandText, unknownCommands) ? "the server has no " + name(commandText) + " command (renamed "
                + "or disabled)" : "the server refuses " + commandText + " to this user";
    }

    /** The command's name, upper case, as the sets of unknown commands hold it. */
    public static String name(String commandText) {
        String trimmed = commandText.strip();
        int space = trimmed.indexOf(' ');
        return (space < 0 ? trimmed : trimmed.substring(0, space)).toUpperCase(Locale.ROOT);
    }
}
