package dev.slipway.internal.plan;

import dev.slipway.internal.io.QuotedText;

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
        Leading leading = leading(path);
        return leading.whole() && !leading.members().isEmpty() ? Optional.of(new MemberPath(leading.members()))
                : Optional.empty();
    }

    /**
     * The member names a JSONPath starts with, up to its first step of another kind ({@code $.a.tags[*]} gives
     * {@code [a, tags]}, {@code $..title} none): whatever the path matches lies inside that member, since no step
     * of JSONPath climbs back up. Empty for a path that is not a JSONPath (a HASH field's name).
     */
    static Optional<List<String>> leadingMembers(String path) {
        return path == null || !path.startsWith("$") ? Optional.empty() : Optional.of(leading(path).members());
    }

    /** The leading member names, and whether they are the whole path. */
    private record Leading(List<String> members, boolean whole) {
    }

    private static Leading leading(String path) {
        List<String> members = new ArrayList<>();
        if (path == null || !path.startsWith("$")) {
            return new Leading(members, false);
        }
        int at = 1;
        while (at < path.length()) {
            char c = path.charAt(at);
            if (c == '.') {
                int end = at + 1;
                while (end < path.length() && isNameChar(path.charAt(end))) {
                    end++;
                }
                if (end == at + 1) {
                    return new Leading(members, false); // "..", ".*", ".[" or a trailing dot
                }
                members.add(path.substring(at + 1, end));
                at = end;
            } else if (c == '[' && at + 1 < path.length() && (path.charAt(at + 1) == '\''
                    || path.charAt(at + 1) == '"')) {
                int end = QuotedText.closingQuote(path, at + 1);
                if (end < 0 || end + 1 >= path.length() || path.charAt(end + 1) != ']') {
                    return new Leading(members, false);
                }
                String name = path.substring(at + 2, end);
                if (name.indexOf('\\') >= 0) {
                    // JSON.SET keeps an escape as it is and JSON.GET reads it: they disagree
                    return new Leading(members, false);
                }
                members.add(name);
                at = end + 2;
            } else {
                return new Leading(members, false); // [0], [*], [?(...)], [a,b], slices
            }
        }
        return new Leading(members, true);
    }

    /**
     * The path of a member of the root object, written so that RedisJSON's {@code JSON.SET} and {@code JSON.GET}
     * both read it as that member: {@code $.name} for ASCII letters, digits, {@code _} and {@code -}; else
     * {@code $['name']}, or {@code $["name"]} for a name holding {@code '}. Empty for a name holding a backslash, or
     * both quote characters: RedisJSON keeps an escape inside a quoted name as it is ({@code JSON.SET k "$['it\\'s']"}
     * creates a member named {@code it\\'s}), so such a name has no path (checked on RedisJSON 2.8).
     */
    static Optional<String> ofRootMember(String name) {
        if (!name.isEmpty() && name.chars().allMatch(MemberPath::isPlainName)) {
            return Optional.of("$." + name);
        }
        if (name.indexOf('\\') >= 0) {
            return Optional.empty();
        }
        if (name.indexOf('\'') < 0) {
            return Optional.of("$['" + name + "']");
        }
        return name.indexOf('"') < 0 ? Optional.of("$[\"" + name + "\"]") : Optional.empty();
    }

    private static boolean isPlainName(int c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-');
    }

    /** The members of the object holding the named member ({@code $.a.b} gives {@code [a]}). */
    List<String> parent() {
        return members.subList(0, members.size() - 1);
    }

    /**
     * A character RedisJSON takes in a dot-notation member name: ASCII letters and digits and the few symbols it was
     * seen to accept. It refuses non-ASCII ({@code $.café}), {@code = ! ? @} and others there, in {@code JSON.SET};
     * {@code JSON.GET} of several paths silently leaves such a path out, so it must never reach a rewrite.
     */
    private static boolean isNameChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || "_-$~#%+/^".indexOf(c) >= 0);
    }
}
