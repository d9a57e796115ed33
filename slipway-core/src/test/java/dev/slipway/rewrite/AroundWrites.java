package dev.slipway.rewrite;

import dev.slipway.internal.rewrite.DocumentStore;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Wraps the rewrite's connection (see {@link RewriteFixture#rewriteWatched}) to act, as the application, around the
 * {@code call}-th call that sends a batch's writes: {@code before} runs after the rewrite read the batch and just
 * before its writes go out, {@code after} once they have been answered and before the rewrite knows it. Each is given
 * the batch's first command.
 */
final class AroundWrites {
    private static final Set<String> WRITES = Set.of("HSET", "RENAMENX", "JSON.SET", "MULTI");

    private final int call;
    private final Consumer<Command> before;
    private final Consumer<Command> after;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Command first;

    AroundWrites(int call, Consumer<Command> before, Consumer<Command> after) {
        this.call = call;
        this.before = before;
        this.after = after;
    }

    /** Acts with the key of the batch's first document just before the writes. */
    static AroundWrites before(int call, Consumer<String> act) {
        return new AroundWrites(call, command -> act.accept(text(command.key())), command -> { });
    }

    DocumentStore wrap(DocumentStore store) {
        return new ForwardingDocumentStore(store) {
            @Override
            public List<Object> execute(List<Command> commands) {
                boolean acting = !commands.isEmpty() && WRITES.contains(commands.get(0).name())
                        && calls.incrementAndGet() == call;
                if (acting) {
                    first = commands.get(0);
                    before.accept(first);
                }
                List<Object> replies = delegate.execute(commands);
                if (acting) {
                    after.accept(first);
                }
                return replies;
            }
        };
    }

    /** The key of the first document of the batch acted around; null before. */
    String key() {
        return first == null ? null : text(first.key());
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
