package dev.slipway.internal.rewrite;

import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The change notifications a rewrite's own key renames cause on servers where a module answers the rename: some
 * modules (RedisTimeSeries, loaded by every Redis Stack server) look at the renamed key from their keyspace
 * callback, and the server reports that as a change by a client of the module's, which {@code NOLOOP} does not
 * filter. Without this, every prefix move on such a server looked like the application writing every document.
 *
 * <p>Whether the server does this is found out once, by a probe rename ({@link WriteWatch}). Then each rename the
 * rewrite sends expects one notification of its new name, registered before the command goes out; the first
 * notification of that key takes it. A rename that did not happen (its reply is 0 or an error) expects nothing.
 * A write by someone else to the same key gives a notification of its own, unless the server merged it with the
 * module's in the same event-loop iteration (it reports a key once per iteration), the same limit the watch has for
 * the rewrite's own writes.
 */
final class RenameEchoes implements WorkerPool.SendObserver {
    private final Map<ByteBuffer, Integer> expected = new HashMap<>();

    @Override
    public void sending(List<Command> commands) {
        for (Command command : commands) {
            if (isRename(command)) {
                synchronized (expected) {
                    expected.merge(ByteBuffer.wrap(command.args().get(1)), 1, Integer::sum);
                }
            }
        }
    }

    @Override
    public void replied(List<Command> commands, List<Object> replies) {
        for (int i = 0; i < commands.size() && i < replies.size(); i++) {
            Object reply = replies.get(i);
            boolean renamed = reply instanceof Long n ? n == 1 : "OK".equals(reply);
            if (isRename(commands.get(i)) && !renamed) {
                take(commands.get(i).args().get(1));
            }
        }
    }

    /** Whether a notification of this key is the echo of one of the rewrite's renames (and takes it if so). */
    boolean take(byte[] key) {
        ByteBuffer wrapped = ByteBuffer.wrap(key);
        synchronized (expected) {
            Integer count = expected.get(wrapped);
            if (count == null) {
                return false;
            }
            if (count == 1) {
                expected.remove(wrapped);
            } else {
                expected.put(wrapped, count - 1);
            }
            return true;
        }
    }

    private static boolean isRename(Command command) {
        return command.name().equals("RENAMENX") || command.name().equals("RENAME");
    }
}
