package dev.slipway.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving each test class its own real Redis Stack server.
 *
 * <ul>
 *   <li>One {@link RedisStackServer} per top-level test class (shared with its {@code @Nested}
 *       classes), started before the first test, stopped after the last; it lives in the class's
 *       {@link ExtensionContext.Store} as a {@link ExtensionContext.Store.CloseableResource}, so it
 *       is stopped even when a callback fails.
 *   <li>FLUSHALL (keys and search indexes) before each test.
 *   <li>Injects {@link RedisStackServer} into test constructors, test methods and lifecycle methods.
 * </ul>
 *
 * <pre>{@code
 * @ExtendWith(RedisStackExtension.class)
 * class MyIT {
 *   @Test
 *   void works(RedisStackServer redis) {
 *     try (Jedis jedis = redis.newJedis()) { ... }
 *   }
 * }
 * }</pre>
 *
 * For a server with extra arguments (e.g. {@code --cluster-enabled yes}) register an instance:
 * {@code @RegisterExtension static RedisStackExtension redis = new RedisStackExtension("--cluster-enabled", "yes");}
 */
public final class RedisStackExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RedisStackExtension.class);
  private static final String KEY = "server";

  private final String[] extraArgs;

  /** Used by {@code @ExtendWith(RedisStackExtension.class)}: default server arguments. */
  public RedisStackExtension() {
    this(new String[0]);
  }

  /** For {@code @RegisterExtension}: extra redis-server arguments. */
  public RedisStackExtension(String... extraArgs) {
    this.extraArgs = extraArgs.clone();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ExtensionContext owner = ownerContext(context);
    if (owner == context) { // not for @Nested classes: the outer class still needs the server
      ServerResource resource = owner.getStore(NAMESPACE).remove(KEY, ServerResource.class);
      if (resource != null) {
        resource.close();
      }
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    server(context).flushAll();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == RedisStackServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return server(extensionContext);
  }

  /** The server of the test class that {@code context} belongs to, started on first use. */
  public RedisStackServer server(ExtensionContext context) {
    return ownerContext(context)
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(KEY, key -> new ServerResource(extraArgs), ServerResource.class)
        .server;
  }

  /** The context of the top-level test class (child of the engine's root context). */
  private static ExtensionContext ownerContext(ExtensionContext context) {
    ExtensionContext root = context.getRoot();
    ExtensionContext current = context;
    while (current.getParent().isPresent() && current.getParent().get() != root) {
      current = current.getParent().get();
    }
    return current;
  }

  private static final class ServerResource implements ExtensionContext.Store.CloseableResource {
    final RedisStackServer server;

    ServerResource(String[] extraArgs) {
      this.server = RedisStackServer.asShipped(java.util.List.of(extraArgs)).start();
    }

    @Override
    public void close() {
      server.stop();
    }
  }
}
