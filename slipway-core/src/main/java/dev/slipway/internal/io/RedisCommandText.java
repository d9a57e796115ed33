package dev.slipway.internal.io;

import java.util.ArrayList;
import java.util.List;

/**
 * One Redis command as one line of text, quoted the way {@code redis-cli} reads it: arguments with spaces,
 * quotes, backslashes, non-printable characters or nothing at all are double-quoted with escapes. {@link #parse}
 * is the exact inverse of {@link #format}, so a plan file can show commands as lines and {@code apply} still
 * sends exactly the same arguments.
 */
public final class RedisCommandText {
    private RedisCommandText() {
    }

    /** Formats an argument list as one line. */
    public static String format(List<String> args) {
        StringBuilder line = new StringBuilder();
        for (String arg : args) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(needsQuotes(arg) ? quote(arg) : arg);
        }
        return line.toString();
    }

    private static boolean needsQuotes(String arg) {
        if (arg.isEmpty()) {
            return true;
        }
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c <= ' ' || c == '"' || c == '\'' || c == '\\' || Character.isISOControl(c)
                    || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                return true;
            }
        }
        return false;
    }

    private static String quote(String arg) {
        StringBuilder text = new StringBuilder("\"");
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            switch (c) {
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        text.append(String.format("\\x%02x", (int) c));
                    } else {
                        text.append(c);
                    }
                }
            }
        }
        return text.append('"').toString();
    }

    /**
     * Parses a line written by {@link #format}.
     *
     * @throws IllegalArgumentException for an unterminated quote or a bad escape
     */
    public static List<String> parse(String line) {
        List<String> args = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '"') {
                StringBuilder arg = new StringBuilder();
                i = readQuoted(line, i + 1, arg);
                args.add(arg.toString());
            } else {
                int end = line.indexOf(' ', i);
                end = end < 0 ? line.length() : end;
                args.add(line.substring(i, end));
                i = end;
            }
        }
        return args;
    }

    private static int readQuoted(String line, int start, StringBuilder arg) {
        int i = start;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= line.length()) {
                    break;
                }
                char e = line.charAt(i + 1);
                switch (e) {
                    case 'n' -> arg.append('\n');
                    case 'r' -> arg.append('\r');
                    case 't' -> arg.append('\t');
                    case 'x' -> {
                        if (i + 3 >= line.length()) {
                            throw new IllegalArgumentException("bad \\x escape in: " + line);
                        }
                        arg.append((char) Integer.parseInt(line.substring(i + 2, i + 4), 16));
                        i += 2;
                    }
                    default -> arg.append(e);
                }
                i += 2;
            } else {
                arg.append(c);
                i++;
            }
        }
        throw new IllegalArgumentException("unterminated quote in: " + line);
    }
}
