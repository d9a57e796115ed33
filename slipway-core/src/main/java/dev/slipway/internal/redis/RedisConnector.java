package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import java.security.NoSuchAlgorithmException;

/**
 * How Slipway connects to an endpoint: every connection's set-up ({@link #clientConfig}), and the refusal that says
 * why a first connection failed and what to do (a wrong URL, credentials or TLS set-up are the user's to fix, exit 2;
 * a server that cannot be reached is not).
 */
public final class RedisConnector {
    private static final int CONNECT_ATTEMPTS = 3;

    private RedisConnector() {
    }

    /**
     * Connects and authenticates.
     *
     * @throws SlipwayException {@link ErrorCode#REDIS_UNAVAILABLE} with one clear line when Redis cannot be
     *                          reached, {@link ErrorCode#BAD_USAGE} when it rejects the URL's credentials, database
     *                          or scheme
     */
    static Jedis connectOrRefuse(RedisEndpoint endpoint, int timeoutMillis) {
        try {
            return connectRidingOutACut(endpoint, timeoutMillis);
        } catch (JedisException e) { // connect closed what it opened
            refuseFailedHandshake(endpoint, e);
            String root = RedisSession.rootMessage(e);
            if (root.contains("DB index is out of range")) { // the URL's fault, not the server's (tester R30 F11)
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The server at " + endpoint.redacted() + " has no "
                        + "database " + endpoint.database() + " (" + root + "). Nothing was changed. Use a database "
                        + "it has in --url (or REDIS_URL); Redis Search indexes only database 0.", e);
            }
            if (root.startsWith("WRONGPASS") || root.startsWith("NOAUTH") || root.contains("invalid username-password")
                    || root.contains("called without any password configured")) {
                // the URL's credentials, not a server that is down (tester session 44 R38 F7)
                throw new SlipwayException(ErrorCode.BAD_USAGE, "Redis at " + endpoint.redacted() + " refused "
                        + (root.startsWith("NOAUTH") ? "to serve without a password" : "the user and password")
                        + " (" + root + "). Nothing was changed. Put the right user and password in --url (or "
                        + "REDIS_URL): redis://user:password@host:port.", e);
            }
            if (root.startsWith("NOPERM")) { // the server answered: a user's rights, not a server that is down
                throw new SlipwayException(ErrorCode.PERMISSION_DENIED, "Redis at " + endpoint.redacted() + " refuses "
                        + "PING to this user (" + root + "). Nothing was changed. Slipway sends PING to check each "
                        + "connection before it uses it: grant it (ACL SETUSER <user> +ping) or connect as a user who "
                        + "may, then re-run.", e);
            }
            String closed = closedAtOnce(root) || root.contains("max number of clients")
                    ? " The server closed the connection at once: it may "
                    + "have reached its maxclients (INFO clients: connected_clients), or expect TLS (rediss://)." : "";
            String next = root.startsWith("LOADING") ? " The server is up and loading its dataset: re-run the same "
                    + "command once it has (INFO persistence: loading:0)." : " Check that the server is running and "
                    + "--url (or REDIS_URL) is right." + closed; // LOADING: not a wrong URL (tester session 35 R19 L6)
            throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Cannot connect to Redis at "
                    + endpoint.redacted() + ": " + root + "." + next, e);
        }
    }

    /**
     * Connects, trying again twice (after 100 and 300 ms) when the connection was closed during the handshake: one
     * cut there (a proxy, a {@code CLIENT KILL}) failed a verb before it began, "Cannot connect" with exit 1 (found by
     * cutting each command of an apply in session 55). A server at its maxclients closes every try, and is still
     * reported as such.
     */
    private static Jedis connectRidingOutACut(RedisEndpoint endpoint, int timeoutMillis) {
        for (int attempt = 1; ; attempt++) {
            try {
                return connect(endpoint, timeoutMillis);
            } catch (JedisConnectionException e) {
                if (!closedAtOnce(RedisSession.rootMessage(e)) || attempt >= CONNECT_ATTEMPTS) {
                    throw e;
                }
                try {
                    Thread.sleep(attempt == 1 ? 100 : 300);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Whether a connection failed because the other end closed it during the handshake. */
    private static boolean closedAtOnce(String root) {
        return root.contains("Unexpected end of stream") || root.contains("Connection reset");
    }

    /** A {@code rediss://} connection whose TLS handshake failed: says so, and what to do. */
    private static void refuseFailedHandshake(RedisEndpoint endpoint, JedisException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof TlsHandshake.Failed failed) {
                ErrorCode code = ErrorCode.BAD_USAGE; // the client's configuration, not the server's state
                String advice;
                if (failed.plainRedis()) { // the URL's fault: the scheme
                    advice = ", and the port answers plain-text Redis: the server does not serve TLS there. Nothing "
                            + "was changed. Use redis:// in --url (or REDIS_URL), or the server's tls-port for "
                            + "rediss://.";
                } else if (failed.clientCertificateWanted()) { // the server's tls-auth-clients
                    advice = ". Nothing was changed. The server wants a client certificate (tls-auth-clients): pass "
                            + "one in a key store with " + storeOptions("keyStore");
                } else if (failed.untrusted()) {
                    advice = ". Nothing was changed. Java does not trust the server's certificate: add its CA to a "
                            + "trust store and pass " + storeOptions("trustStore");
                } else {
                    code = ErrorCode.REDIS_UNAVAILABLE;
                    advice = ". Check that the server is running and serves TLS on this port (its tls-port; redis:// "
                            + "for a server without TLS), and whether it wants a client certificate (tls-auth-clients; "
                            + "-Djavax.net.ssl.keyStore=<file>).";
                }
                throw new SlipwayException(code, "Cannot connect to Redis at " + endpoint.redacted() + ": "
                        + failed.getMessage() + advice, e);
            }
        }
    }

    /** The JVM options that name a key or trust store, for messages. */
    private static String storeOptions(String store) {
        return "-Djavax.net.ssl." + store + "=<file> -Djavax.net.ssl." + store + "Password=<password> "
                + "(SLIPWAY_JAVA_OPTS for the CLI).";
    }

    /** Connects and authenticates; throws what the client threw, having closed what it opened. */
    static Jedis connect(RedisEndpoint endpoint, int timeoutMillis) {
        Jedis jedis = new Jedis(new HostAndPort(endpoint.host(), endpoint.port()),
                clientConfig(endpoint, timeoutMillis));
        try {
            jedis.ping();
            return jedis;
        } catch (JedisException e) {
            jedis.close();
            throw e;
        }
    }

    /** How every Slipway connection to the endpoint is set up: database, TLS, credentials, timeouts, name. */
    public static JedisClientConfig clientConfig(RedisEndpoint endpoint, int timeoutMillis) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .database(endpoint.database())
                .ssl(endpoint.tls())
                .sslSocketFactory(endpoint.tls() ? new TlsHandshake(defaultTls(), timeoutMillis) : null)
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .clientName("slipway");
        endpoint.user().ifPresent(config::user);
        endpoint.password().ifPresent(config::password);
        if (endpoint.user().isPresent() && endpoint.password().isEmpty()) {
            // a user named without a password authenticates with an empty one: without AUTH the run had the
            // default user's rights, not the named user's (tester session 44 R39 F9)
            config.password("");
        }
        return config.build();
    }

    /**
     * The socket factory of the JVM's default TLS context, read at each connection: the trust store of the
     * {@code javax.net.ssl.*} properties, or what an application set with {@code SSLContext.setDefault}.
     */
    private static SSLSocketFactory defaultTls() {
        try {
            return SSLContext.getDefault().getSocketFactory();
        } catch (NoSuchAlgorithmException e) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Java has no default TLS context for rediss:// ("
                    + e.getMessage() + "). Nothing was changed. Check the javax.net.ssl.* options of the JVM.", e);
        }
    }
}
