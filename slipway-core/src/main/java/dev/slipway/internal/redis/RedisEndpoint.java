package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where Redis is, parsed from a {@code redis://} or {@code rediss://} URL. The password is kept only here and
 * never appears in {@link #toString()}, {@link #redacted()}, plans, reports or logs.
 *
 * @param host     host name or address
 * @param port     TCP port
 * @param user     ACL user name, if any
 * @param password password, if any
 * @param database logical database number
 * @param tls      whether to connect with TLS ({@code rediss://})
 */
public record RedisEndpoint(String host, int port, Optional<String> user, Optional<String> password, int database,
                            boolean tls) {

    /** The URL used when none is given. */
    public static final String DEFAULT_URL = "redis://localhost:6379";

    private static final String PORT_RANGE = "its port is not a whole number from 1 to 65535";

    /**
     * Parses a Redis URL: {@code redis://[user[:password]@]host[:port][/db]}, or {@code rediss://} for TLS.
     *
     * @throws SlipwayException with {@link ErrorCode#BAD_USAGE} for anything else
     */
    public static RedisEndpoint parse(String url) {
        if (url == null || url.isBlank()) {
            url = DEFAULT_URL;
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw badUrl(url, "it is not a valid URL" + escapeHint(url));
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw badUrl(url, "the scheme must be redis:// or rediss://");
        }
        if (uri.getHost() == null) {
            // a port that is not a number was said to name no host (tester session 44 R38 F8); the URL is shown
            // (password hidden) with the message, so the port is not repeated: a password with an unescaped '@'
            // or '/' can end up where the port is read
            throw badUrl(url, !escapeHint(url).isEmpty() ? "it cannot be read" + escapeHint(url)
                    : hostPort(uri).filter(RedisEndpoint::twoColons).isPresent() ? "it has more than one ':' after "
                    + "the host (an IPv6 address goes in brackets, as in redis://[::1]:6379)"
                    : unreadablePort(uri) ? PORT_RANGE : "it names no host");
        }
        if (hostPort(uri).filter(h -> h.endsWith(":")).isPresent()) {
            throw badUrl(url, "its port is empty (leave out the ':' for the default port, 6379)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw badUrl(url, "it has a query or fragment, which Slipway does not read (a database goes in the path: "
                    + "/N)");
        }
        int port = uri.getPort() == -1 ? 6379 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw badUrl(url, PORT_RANGE);
        }
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String rawUser = colon < 0 ? userInfo : userInfo.substring(0, colon);
            user = Optional.of(decode(rawUser)).filter(u -> !u.isEmpty());
            if (colon >= 0) {
                password = Optional.of(decode(userInfo.substring(colon + 1)));
            }
        }
        return new RedisEndpoint(uri.getHost(), port, user, password, parseDatabase(url, uri.getPath()),
                "rediss".equals(scheme));
    }

    /** The URL's host and port as written ({@code h:6379}, {@code [::1]:6379}), without any user information. */
    private static Optional<String> hostPort(URI uri) {
        return Optional.ofNullable(uri.getRawAuthority()).map(a -> a.substring(a.lastIndexOf('@') + 1));
    }

    /** Whether a host and port outside brackets hold two colons ({@code h:6379:1}). */
    private static boolean twoColons(String hostPort) {
        String outside = hostPort.substring(hostPort.indexOf(']') + 1);
        return outside.indexOf(':') != outside.lastIndexOf(':');
    }

    /** Whether the text after the host's colon is not a number ({@code h:notaport}, {@code h:-1}). */
    private static boolean unreadablePort(URI uri) {
        return hostPort(uri).filter(hostPort -> {
            int colon = hostPort.lastIndexOf(':');
            return colon > 0 && hostPort.indexOf(']') < colon
                    && !hostPort.substring(colon + 1).chars().allMatch(Character::isDigit);
        }).isPresent();
    }

    private static int parseDatabase(String url, String path) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            int db = Integer.parseInt(path.substring(1));
            if (db < 0) {
                throw new NumberFormatException();
            }
            return db;
        } catch (NumberFormatException e) {
            throw badUrl(url, "the path must be a database number such as /0");
        }
    }

    /**
     * Percent-decoding of the user information; a '+' stays itself, as other Redis clients read it (URLDecoder's form
     * decoding made it a space: a password "pa+ss" was refused, tester session 47 R42 T3 F1).
     */
    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static SlipwayException badUrl(String url, String why) {
        return new SlipwayException(ErrorCode.BAD_USAGE, "Cannot use Redis URL '" + redact(url) + "': " + why
                + ". Pass --url redis://[user:password@]host:port[/db] (rediss:// for TLS) or set REDIS_URL.");
    }

    /**
     * Replaces the password in a URL-like text with {@code ***}, for messages about unparseable URLs: everything
     * from the first {@code :} after {@code //} up to the last {@code @}, so that a password holding an unescaped
     * {@code @} or {@code /} is hidden whole.
     */
    static String redact(String url) {
        return url.replaceAll("(//[^:/@]*:).*@", "$1***@");
    }

    /** A hint for a URL whose password (or user) holds a character that must be percent-encoded. */
    private static String escapeHint(String url) {
        int scheme = url.indexOf("//");
        String rest = scheme < 0 ? url : url.substring(scheme + 2);
        int at = rest.lastIndexOf('@');
        String userInfo = at < 0 ? "" : rest.substring(0, at);
        return userInfo.contains("@") || userInfo.contains("/") || userInfo.contains("?") || userInfo.contains("#")
                ? ": its user or password holds a character that must be percent-encoded ('@' as %40, '/' as %2F, "
                + "'?' as %3F, '#' as %23)" : "";
    }

    /** The URL with the password replaced by {@code ***}. */
    public String redacted() {
        StringBuilder text = new StringBuilder(tls ? "rediss://" : "redis://");
        if (user.isPresent() || password.isPresent()) {
            text.append(user.orElse(""));
            password.ifPresent(p -> text.append(":***"));
            text.append('@');
        }
        text.append(host).append(':').append(port);
        if (database != 0) {
            text.append('/').append(database);
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return redacted();
    }
}
