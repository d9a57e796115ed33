package dev.slipway.internal.rewrite;

import java.util.List;

/**
 * The bulk data path: paged key enumeration, batched reads and pipelined writes. Kept behind this interface so it
 * can be tuned, or given a cluster-aware implementation (keys of one batch spread over slots), without touching
 * the rewrite logic.
 */
public interface DocumentStore extends AutoCloseable {

    /**
     * One page of keys.
     *
     * @param nextCursor the cursor of the next page; "0" when enumeration is complete
     * @param keys       keys on this page (may repeat keys of other pages)
     */
    record ScanPage(String nextCursor, List<byte[]> keys) {
    }

    /**
     * One command to send, with binary arguments.
     *
     * @param name command name
     * @param args arguments
     */
    record Command(String name, List<byte[]> args) {
    }

    /** One page of keys matching {@code pattern} of the given Redis type ({@code hash}, {@code ReJSON-RL}). */
    ScanPage scan(String cursor, String pattern, int count, String type);

    /** For each key, the values of the given hash fields (null when absent). */
    List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields);

    /** For each key, the {@code JSON.GET key path...} reply as text (null when the key is missing). */
    List<String> readJson(List<byte[]> keys, List<String> paths);

    /** Sends the commands pipelined; returns one reply per command (an exception object for an error reply). */
    List<Object> execute(List<Command> commands);

    @Override
    void close();
}
