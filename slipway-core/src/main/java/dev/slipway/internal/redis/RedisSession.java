package dev.slipway.internal.redis;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One control-plane connection to Redis. Commands go out as plain argument lists so that what a plan shows is
 * exactly what is sent; errors become {@link SlipwayException}s that name the command and the server.
 *
 * <p>A session made {@link #reconnecting} survives a lost connection (a {@code CLIENT KILL}, a network blip, a
 * proxy's idle timeout): a command whose second run changes nothing more than its first (reads, a plain
 * {@code SET} of a whole value, {@code DEL}) is sent again on a new connection; any other command is preceded by a
 * {@code PING} that finds a dead connection and replaces it first, so that it goes out at most once. Inside a
 * {@code MULTI} nothing is sent again: the server discards a transaction whose connection closed, and what follows
 * would run outside it.
 */
public final class RedisSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSession.class);
    /** Commands that may be sent again when the connection was lost, whether or not the server ran them. */
    private static final Set<String> REPLAY_SAFE = Set.of("PING", "GET", "EXISTS", "TYPE", "PTTL", "TTL", "SCAN",
            "INFO", "ROLE", "HELLO", "DBSIZE", "DEL", "FT.INFO", "FT._LIST", "FT.SEARCH", "FT.AGGREGATE", "JSON.GET",
            "HGET", "HMGET", "HGETALL", "HLEN", "HEXISTS", "HSTRLEN", "MEMORY", "OBJECT", "FT.SYNDUMP", "FT.EXPLAIN",
            "JSON.TYPE", "JSON.ARRLEN");
    /**
     * Commands safe to send again with these first arguments: reads of the server's settings and state, and a
     * connection's own name (which a new connection needs anyway). A lost connection failed the run for any of them
     * (apply's checks re-read the source before its first change).
     */
    private static final Set<String> REPLAY_SAFE_SUBCOMMANDS = Set.of("CONFIG GET", "FT.CONFIG GET", "MODULE LIST",
            "FT.DEBUG VECSIM_INFO", "FT.DEBUG TTL", "CLIENT ID", "CLIENT LIST", "CLIENT INFO", "CLIENT GETNAME",
            "CLIENT SETNAME", "COMMAND INFO", "COMMAND DOCS", "ACL WHOAMI");
    private static final long FIRST_PAUSE_MILLIS = 100;
    private static final long MAX_PAUSE_MILLIS = 2_000;
    /**
     * How long a reconnecting session keeps sending a command the server refuses for now (BUSY, LOADING) before it
     * gives up.
     */
    private static final long BUSY_PATIENCE_NANOS = 30_000_000_000L;

    private final RedisEndpoint endpoint;
    private final int timeoutMillis;
    private Jedis jedis;
    /** How many times a lost connection is replaced for one command; 0 for none. */
    private int reconnects;
    private StopSignal stop = new StopSignal();
    /** Whether a MULTI is open on this connection (nothing is sent again then). */
    private boolean inMulti;
    /** The name the connection was given ({@code CLIENT SETNAME}), given to a replacement too; null for none. */
    private String clientName;
    /** Runs before a replacement connection is used; throws to give up (a lock this process no longer holds). */
    private Runnable reconnectGuard = () -> { };
    /** The commands the server said it has not (renamed or disabled), upper case: see {@link Unanswered}. */
    private final Set<String> unknownCommands = ConcurrentHashMap.newKeySet();
    /**
     * The last error other than those two ("unknown command", NOPERM) each command got, by name, upper case: so that
     * a message about a read the server did not answer quotes it instead of blaming the user's rights.
     */
    private final Map<String, String> commandErrors = new ConcurrentHashMap<>();

    private RedisSession(RedisEndpoint endpoint, Jedis jedis, int timeoutMillis) {
        this.endpoint = endpoint;
        this.jedis = jedis;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Connects and authenticates.
     *
     * @throws SlipwayException as {@link RedisConnector#connectOrRefuse} says
     */
    public static RedisSession open(RedisEndpoint endpoint, int timeoutMillis) {
        return new RedisSession(endpoint, RedisConnector.connectOrRefuse(endpoint, timeoutMillis), timeoutMillis);
    }

    /**
     * Makes this session replace a lost connection, up to {@code attempts} times per command with pauses from
     * 100 ms doubling to 2 s (see the class comment for what is sent again).
     */
    public RedisSession reconnecting(int attempts) {
        this.reconnects = attempts;
        return this;
    }

    /**
     * Whether {@code e} is a connection this session lost and replaces at its next command ({@link #reconnecting}):
     * a caller whose command must not simply go out again (a create, a queued probe) can look and send it anew.
     */
    public boolean replacesAfter(SlipwayException e) {
        return e.code() == ErrorCode.REDIS_UNAVAILABLE && reconnects > 0;
    }

    /**
     * Makes a stop requested while Redis is unreachable end the reconnect attempts at once, with
     * {@link ErrorCode#STOPPED} (tester session 47 R42 T3 F4: the checkpoint's save and the lock's release rode out
     * their whole window after a Ctrl-C).
     */
    public RedisSession stoppedBy(StopSignal signal) {
        this.stop = signal;
        return this;
    }

    /** The failure of a command whose connection was lost while a stop was requested. */
    public static SlipwayException stoppedWhileUnreachable(StopSignal stop, String cause, Throwable e) {
        return new SlipwayException(ErrorCode.STOPPED, "Stopped on request (" + stop.reason().orElse("stop requested")
                + ") while Redis could not be reached (" + cause + "). Re-run the same command once Redis is back: "
                + "it resumes from the last batch saved; finished steps are not repeated.", e);
    }

    /**
     * Makes this session replace a lost connection for at least {@code window} in all (more attempts than
     * {@link #reconnecting} set, never fewer): a verb whose worker connections ride out that long an outage on their
     * retries does not fail on this one sooner.
     */
    public RedisSession reconnectingFor(Duration window) {
        this.reconnects = Math.max(reconnects, attemptsCovering(window));
        return this;
    }

    /** How many reconnect attempts, with their pauses (0.1 s doubling to 2 s), wait at least {@code window} in all. */
    static int attemptsCovering(Duration window) {
        int attempts = 0;
        long waited = 0;
        for (long pause = FIRST_PAUSE_MILLIS; waited < window.toMillis(); attempts++) {
            waited += pause;
            pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
        }
        return attempts;
    }

    /**
     * Runs {@code guard} each time a lost connection has been replaced, before anything is sent on the new one; what
     * it throws ends the command. The migration lock sets it to confirm that this process still holds the lock: a
     * process that takes the lock over closes the holder's connections (see {@code MigrationLock}), and a stalled
     * holder must not carry on through a new one. Null removes it.
     */
    public void guardReconnects(Runnable guard) {
        this.reconnectGuard = guard == null ? () -> { } : guard;
    }

    /**
     * The arguments of a search ({@code FT.SEARCH}, {@code FT.AGGREGATE}) with {@code TIMEOUT 0} added when they set
     * none: Slipway's own reads must see every result. Under the module's {@code TIMEOUT} (500 ms by default, or
     * less when configured) a search failed at random ({@code ON_TIMEOUT FAIL}: a plan or a verify step failed) or
     * returned results cut short without a word ({@code ON_TIMEOUT RETURN}: a plan warned of keys the index never read
     * though it held all of them; tester session 48 R43 T3 F4/F5). Other commands pass unchanged.
     */
    public static byte[][] untimed(String command, byte[][] args) {
        if (!isSearch(command)
                || Arrays.stream(args).anyMatch(a -> "TIMEOUT".equalsIgnoreCase(SafeEncoder.encode(a)))) {
            return args;
        }
        byte[][] untimed = Arrays.copyOf(args, args.length + 2);
        untimed[args.length] = SafeEncoder.encode("TIMEOUT");
        untimed[args.length + 1] = SafeEncoder.encode("0");
        return untimed;
    }

    private static boolean isSearch(String command) {
        return command.equalsIgnoreCase("FT.SEARCH") || command.equalsIgnoreCase("FT.AGGREGATE");
    }

    /** The endpoint, for messages (its text form carries no password). */
    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /**
     * Drops an index, keeping its documents ({@code FT.DROPINDEX} without {@code DD}); false when no index of that name
     * exists (dropped already, by an earlier run or another client).
     */
    public boolean dropIndexIfPresent(String index) {
        try {
            call("FT.DROPINDEX", index);
            return true;
        } catch (RedisCommandException e) {
            if (!e.isUnknownIndex()) {
                throw e;
            }
            return false;
        }
    }

    /** Sends one command given as its full argument list (command name first). */
    public Object call(List<String> commandAndArgs) {
        return call(commandAndArgs.get(0), commandAndArgs.subList(1, commandAndArgs.size()).toArray(String[]::new));
    }

    /** Sends one command and returns the raw reply (byte arrays, longs, lists). */
    public Object call(String command, String... args) {
        String name = command.toUpperCase(java.util.Locale.ROOT);
        // FT.DROPINDEX without DD keeps the documents: run twice, the second says "Unknown index", which every
        // caller that drops an index of its own takes for "already dropped"
        boolean replaySafe = REPLAY_SAFE.contains(name) || name.equals("SET") && args.length == 2
                || name.equals("FT.DROPINDEX") && args.length == 1
                || args.length > 0 && REPLAY_SAFE_SUBCOMMANDS.contains(name + " "
                + args[0].toUpperCase(java.util.Locale.ROOT));
        if (reconnects > 0 && !replaySafe && !inMulti) {
            call("PING"); // finds a dead connection before a command that must not go out twice
        }
        long pause = FIRST_PAUSE_MILLIS;
        long busyFrom = 0;
        long busyPause = FIRST_PAUSE_MILLIS;
        for (int attempt = 0; ; attempt++) {
            try {
                Object reply = jedis.sendCommand(command(command), untimed(name, SafeEncoder.encodeMany(args)));
                trackMulti(name, false);
                if (name.equals("CLIENT") && args.length == 2 && args[0].equalsIgnoreCase("SETNAME")) {
                    clientName = args[1];
                }
                return reply;
            } catch (JedisConnectionException e) {
                boolean wasInMulti = inMulti;
                inMulti = false; // the server discarded it with the connection
                if (stop.isRequested()) {
                    throw stoppedWhileUnreachable(stop, rootMessage(e), e);
                }
                if (attempt >= reconnects || wasInMulti || !replaySafe) {
                    throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Lost the connection to Redis at "
                            + endpoint.redacted() + " during " + command + ": " + rootMessage(e)
                            + (attempt > 0 ? " (reconnected " + attempt + " times)" : "")
                            + ". Re-run the same command when Redis is back; finished steps are not repeated.", e);
                }
                if (attempt == 0) { // one closed connection replaced at once is no news (a server's idle timeout)
                    LOG.debug("Lost the connection to Redis at {} during {} ({}); reconnecting in {} ms",
                            endpoint.redacted(), command, rootMessage(e), pause);
                } else {
                    LOG.warn("Lost the connection to Redis at {} during {} ({}); reconnecting in {} ms",
                            endpoint.redacted(), command, rootMessage(e), pause);
                }
                pause = reconnectAfter(pause);
            } catch (JedisDataException e) {
                boolean refusedForNow = refusedForNow(e);
                if (refusedForNow && reconnects > 0 && !inMulti) {
                    busyFrom = busyFrom == 0 ? System.nanoTime() : busyFrom;
                    if (System.nanoTime() - busyFrom < BUSY_PATIENCE_NANOS && !Thread.currentThread().isInterrupted()) {
                        // refused unrun (a script or function running, a dataset loading): sent again after a pause;
                        // the reconnect attempts stay for lost connections (tester session 35 R19 M4: one BUSY
                        // failed the wait for indexing at once)
                        LOG.warn("Redis at {} refused {} for now ({}); sending it again in {} ms",
                                endpoint.redacted(), command, e.getMessage(), busyPause);
                        sleepQuietly(busyPause);
                        busyPause = Math.min(busyPause * 2, MAX_PAUSE_MILLIS);
                        attempt--;
                        continue;
                    }
                }
                trackMulti(name, true);
                String message = e.getMessage() + (refusedForNow && reconnects > 0 && !inMulti ? " (still so after "
                        + BUSY_PATIENCE_NANOS / 1_000_000_000L + " s of retries)" : "");
                if (Unanswered.isUnknownCommand(e.getMessage())) {
                    unknownCommands.add(name);
                } else if (Unanswered.isOtherError(message)) {
                    commandErrors.put(name, message);
                } else {
                    commandErrors.remove(name); // refused now: the last error is what a message explains
                }
                throw new RedisCommandException(command, message, e);
            }
        }
    }

    /**
     * Whether the server refused a command without running it, for a while only: a script or function runs too long
     * ({@code BUSY}), or the dataset is loading ({@code LOADING}).
     */
    private static boolean refusedForNow(JedisDataException e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("BUSY") || message.startsWith("LOADING");
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Discards the transaction this session opened, if it is still open: one whose connection was lost was discarded
     * by the server, and a DISCARD on the new connection failed with "DISCARD without MULTI", which replaced the
     * lost connection as the error (tester session 53 R47 T2 F4).
     */
    public void discardIfOpen() {
        if (inMulti) {
            call("DISCARD");
        }
    }

    /** Follows MULTI / EXEC / DISCARD; a refused MULTI opens nothing, a refused EXEC or DISCARD still closes it. */
    private void trackMulti(String name, boolean refused) {
        if (name.equals("MULTI")) {
            inMulti = !refused || inMulti;
        } else if (name.equals("EXEC") || name.equals("DISCARD")) {
            inMulti = false;
        }
    }

    /**
     * Waits, then replaces the connection (a failed attempt leaves the dead one, to fail the next send). Returns the
     * next pause.
     */
    private long reconnectAfter(long pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        Jedis fresh;
        try {
            fresh = RedisConnector.connect(endpoint, timeoutMillis);
        } catch (JedisException e) {
            LOG.debug("Reconnecting to {} failed: {}", endpoint.redacted(), rootMessage(e));
            return Math.min(pause * 2, MAX_PAUSE_MILLIS);
        }
        try {
            reconnectGuard.run();
            if (clientName != null) {
                fresh.clientSetname(clientName);
            }
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
        close();
        jedis = fresh;
        return Math.min(pause * 2, MAX_PAUSE_MILLIS);
    }

    /**
     * Sends {@code MULTI}, the commands, {@code EXEC}, and returns EXEC's replies. Redis runs the queued commands
     * with nothing in between, so no client sees an intermediate state.
     *
     * @throws RedisCommandException when a queued command failed (the others still ran: Redis has no rollback)
     */
    public List<Object> transaction(List<List<String>> commands) {
        call("MULTI");
        try {
            for (List<String> command : commands) {
                call(command);
            }
        } catch (RuntimeException e) {
            discardIfOpen(); // not when the connection was lost: the server discarded the transaction with it
            throw e;
        }
        List<Object> replies = RedisReplies.list(call("EXEC"));
        for (int i = 0; i < replies.size(); i++) {
            if (replies.get(i) instanceof Exception error) {
                throw new RedisCommandException(commands.get(i).get(0), error.getMessage(), error);
            }
        }
        return replies;
    }

    /** The names after {@code prefix} of every key that starts with it (SCAN), sorted. */
    public List<String> keysStartingWith(String prefix) {
        List<String> names = new java.util.ArrayList<>();
        String cursor = "0";
        do {
            List<Object> reply = RedisReplies.list(call("SCAN", cursor, "MATCH", GlobPattern.startingWith(prefix),
                    "COUNT", "1000"));
            cursor = RedisReplies.text(reply.get(0));
            for (Object key : RedisReplies.list(reply.get(1))) {
                names.add(RedisReplies.text(key).substring(prefix.length()));
            }
        } while (!cursor.equals("0"));
        names.sort(String::compareTo);
        return names;
    }

    /** Sends one command and decodes a bulk-string reply. */
    public String callString(String command, String... args) {
        return RedisReplies.text(call(command, args));
    }

    /**
     * The server's {@code run_id} (INFO server), which a restart changes; null when the server refuses INFO or its
     * reply has none.
     */
    public String runId() {
        return info("server").flatMap(info -> RedisReplies.infoField(info, "run_id")).orElse(null);
    }

    /**
     * The commands this session was told the server has not (renamed or disabled), upper case, sorted; a command not
     * sent yet is not among them.
     */
    public List<String> unknownCommands() {
        return unknownCommands.stream().sorted().toList();
    }

    /** Whether this session was told the server has no command {@code name} ({@code INFO}): renamed or disabled. */
    public boolean lacks(String name) {
        return unknownCommands.contains(Unanswered.name(name));
    }

    /**
     * The last error other than "unknown command" or a refusal that each of {@code names} ({@code INFO}) got on this
     * session, by name, upper case; a command that got none is not in it.
     */
    public Map<String, String> commandErrors(Collection<String> names) {
        Map<String, String> errors = new TreeMap<>();
        names.forEach(name -> Optional.ofNullable(commandErrors.get(Unanswered.name(name)))
                .ifPresent(error -> errors.put(Unanswered.name(name), error)));
        return errors;
    }

    /**
     * Whether the server's not answering {@code name} ({@code INFO}) on this session is an ACL's refusal to the user,
     * which a user with the right would not meet: it has the command, and answered it with no other error.
     */
    public boolean refusedToThisUser(String name) {
        return !lacks(name) && !commandErrors.containsKey(Unanswered.name(name));
    }

    /**
     * Why the server did not answer {@code commandText} ({@code INFO memory}) on this session: it has no such command,
     * answered it with another error, or refuses it to this user ({@link Unanswered#why}).
     */
    public String unanswered(String commandText) {
        return Unanswered.why(commandText, unknownCommands, commandErrors);
    }

    /**
     * A section of {@code INFO}; empty when the server does not answer it (a user whose ACL does not allow INFO, or
     * INFO renamed away: {@link #unanswered} says which).
     */
    public Optional<String> info(String section) {
        try {
            return Optional.ofNullable(callString("INFO", section));
        } catch (RedisCommandException e) {
            return Optional.empty();
        }
    }

    /**
     * One figure of this session's database in {@code INFO keyspace} ({@code keys}, {@code expires},
     * {@code subexpiry}, ...): 0 when the server does not report it (no key, an older server), empty when the server
     * refuses INFO.
     */
    public OptionalLong keyspaceFigure(String name) {
        Optional<String> info = info("keyspace");
        if (info.isEmpty()) {
            return OptionalLong.empty();
        }
        String db = "db" + endpoint().database() + ":";
        return OptionalLong.of(info.get().lines().filter(l -> l.startsWith(db))
                .flatMap(l -> Arrays.stream(l.substring(db.length()).split(",")))
                .filter(p -> p.startsWith(name + "=")).mapToLong(p -> Long.parseLong(p.substring(name.length() + 1)
                        .trim())).sum());
    }

    /** Opens a pipeline for bulk work on this connection. */
    public Pipeline pipelined() {
        return jedis.pipelined();
    }

    /** The underlying client, for the bulk data path. */
    public Jedis jedis() {
        return jedis;
    }

    /** Builds a protocol command for an arbitrary command name, including module commands. */
    public static ProtocolCommand command(String name) {
        byte[] raw = SafeEncoder.encode(name);
        return () -> raw;
    }

    /**
     * The innermost cause's message of a failure, without the advice Slipway's own messages add ("re-run the same
     * command ..."): what a retry that goes on logs (tester session 38 R26 F-E: a warning advised a re-run while the
     * run carried on and finished).
     */
    public static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        // the client library tries every address of the host and keeps each failure as a suppressed exception: its
        // own message spoke of a "DNS name" for 127.0.0.1 (tester session 35 R19 L6), the first attempt's says why
        if (cause.getSuppressed().length > 0 && String.valueOf(cause.getMessage()).startsWith("Failed to connect to "
                + "any host")) {
            return rootMessage(cause.getSuppressed()[0]);
        }
        String message = cause.getMessage();
        message = message == null ? cause.getClass().getSimpleName() : message.strip();
        return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    @Override
    public void close() {
        try {
            jedis.close();
        } catch (JedisException e) {
            // the connection is going away anyway; nothing the user can act on
        }
    }
}
