package dev.slipway.internal.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A JSONPath that names one member by member names only: {@code $.a.b}, {@code $['a b']}, {@code $["x"].y}. Only
 * such a path can be moved document by document: {@code JSON.SET} creates a member of an existing object, but a path
 * with a wildcard, an array index, a slice, a filter or recursive descent may match several values or none, and
 * {@code JSON.SET} refuses it ("wrong static path") while {@code JSON.DEL} of the old path still deletes.
 *
 * @param members the member names from the root, in order
 */
record MemberPath(List<String> members) {

    /** The path's member names, or empty when the path is anything but a chain of member names. */
    static Optional<MemberPath> parse(String path) {
        if (path == null || !path.startsWith("$")) {
            return Optional.empty();
        }
        List<String> members = new ArrayList<>();
        int at = 1;
        while (at < path.length()) {
            char c = path.charAt(at);
            if (c == '.') {
                int end = at + 1;
                while (end < path.length() && isNameChar(path.charAt(end))) {
                    end++;
                }
                if (end == at + 1) {
                    return Optional.empty(); // "..", ".*", ".[" or a trailing dot
                }
                members.add(path.substring(at + 1, end));
                at = end;
            } else if (c == '[' && at + 1 < path.length() && (path.charAt(at + 1) == '\''
                    || path.charAt(at + 1) == '"')) {
                int end = quotedEnd(path, at + 1);
                if (end < 0 || end + 1 >= path.length() || path.charAt(end + 1) != ']') {
                    return Optional.empty();
                }
                members.add(unescape(path.substring(at + 2, end)));
                at = end + 2;
            } else {
                return Optional.empty(); // [0], [*], [?(...)], [a,b], slices
            }
        }
        return members.isEmpty() ? Optional.empty() : Optional.of(new MemberPath(members));
    }

    /**
     * The path of a member of the root object: {@code $.name} when the name can stand in dot notation, else
     * {@code $['name']} (a space, a dot, a quote, ...), which {@link #parse} reads back as that one member.
     */
    static String ofRootMember(String name) {
        if (!name.isEmpty() && name.chars().allMatch(c -> isNameChar((char) c))) {
            return "$." + name;
        }
        return "$['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']";
    }

    /** The members of the object holding the named member ({@code $.a.b} gives {@code [a]}). */
    List<String> parent() {
        return members.subList(0, members.size() - 1);
    }

    private static boolean isNameChar(char c) {
        return c != '.' && c != '[' && c != ']' && c != '*' && c != '?' && c != '(' && c != ')' && c != '\''
                && c != '"' && c != ',' && c != ':' && c != '@' && !Character.isWhitespace(c);
    }

    /** The index of the quote closing the one at {@code open}, or -1. */
    private static int quotedEnd(String path, int open) {
        char quote = path.charAt(open);
        for (int i = open + 1; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String quoted) {
        StringBuilder text = new StringBuilder(quoted.length());
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length()) {
                c = quoted.charAt(++i);
            }
            text.append(c);
        }
        return text.toString();
    }
}
