package dev.slipway.internal.rewrite;

import java.util.ArrayList;
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
     * @param name     command name
     * @param args     arguments
     * @param computed an argument after {@code args} that is produced only when the command is sent (a converted
     *                 vector), or null
     */
    record Command(String name, List<byte[]> args, ComputedArgument computed) {

        /** A command whose arguments are all given. */
        public Command(String name, List<byte[]> args) {
            this(name, args, null);
        }

        /** The key the command acts on: its first argument, or for EVAL the first key after the script and count. */
        public byte[] key() {
            return name.equals("EVAL") ? args.get(2) : args.get(0);
        }

        /**
         * Opens a transaction around a document's commands ({@code MULTI}), up to {@link #exec}: the server runs all
         * of them or, when the connection is lost before {@code EXEC}, none. The key only routes the document's
         * commands to one connection ({@link #key()}); it is not sent. A store reports each command's own reply in
         * its place and {@code OK} for the two markers (see {@link #isTransactionMarker}).
         */
        public static Command multi(byte[] key) {
            return new Command("MULTI", List.of(key));
        }

        /** Closes the transaction {@link #multi} opened ({@code EXEC}); the key is not sent. */
        public static Command exec(byte[] key) {
            return new Command("EXEC", List.of(key));
        }

        /** Whether this is {@link #multi} or {@link #exec}, whose key is not sent. */
        public boolean isTransactionMarker() {
            return name.equals("MULTI") || name.equals("EXEC");
        }

        /** Every argument, the computed one produced into an array of its own. */
        public List<byte[]> allArgs() {
            if (computed == null) {
                return args;
            }
            List<byte[]> all = new ArrayList<>(args);
            byte[] value = new byte[computed.length()];
            computed.writeInto(value);
            all.add(value);
            return all;
        }
    }

    /**
     * An argument produced at send time. A store writes it into a buffer of its own that it reuses as soon as the
     * command has gone into the connection's output, so a rewrite's converted vectors are neither allocated one by
     * one nor held in memory until their batch is sent, and each is produced by the thread that sends it, while its
     * source bytes are fresh in that thread's cache.
     */
    interface ComputedArgument {
        /** The argument's length in bytes. */
        int length();

        /** Writes the argument into the first {@link #length()} bytes of {@code target}. */
        void writeInto(byte[] target);
    }

    /** One page of keys matching {@code pattern} of the given Redis type ({@code hash}, {@code ReJSON-RL}). */
    ScanPage scan(String cursor, String pattern, int count, String type);

    /** For each key, the values of the given hash fields (null when absent). */
    List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields);

    /**
     * {@link #readHashFields}, with each hash's number of fields ({@code HLEN}: 0 for a missing key). This default
     * takes two round trips; a store with a pipeline sends both reads of a key together.
     */
    default HashFields readHashFieldsCounted(List<byte[]> keys, List<String> fields) {
        List<byte[][]> values = readHashFields(keys, fields);
        List<Object> replies = execute(keys.stream().map(key -> new Command("HLEN", List.of(key))).toList());
        return new HashFields(values, HashFields.lengths(replies));
    }

    /**
     * Hash fields as {@link #readHashFieldsCounted} reads them.
     *
     * @param values  per key, the fields' values (null when absent)
     * @param lengths per key, how many fields the hash had; -1 where the count was refused (a key of another type)
     */
    record HashFields(List<byte[][]> values, long[] lengths) {
        /** The counts from {@code HLEN} replies, -1 for an error reply. */
        static long[] lengths(List<?> replies) {
            long[] lengths = new long[replies.size()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = replies.get(i) instanceof Long n ? n : -1;
            }
            return lengths;
        }
    }

    /** For each key, the {@code JSON.GET key path...} reply as text (null when the key is missing). */
    List<String> readJson(List<byte[]> keys, List<String> paths);

    /**
     * Sends the commands pipelined; returns one reply per command (an exception object for an error reply). Commands
     * between {@link Command#multi} and {@link Command#exec} run as one transaction; each gets its own reply from
     * {@code EXEC}'s, or, when the transaction was refused, {@code EXEC}'s error.
     */
    List<Object> execute(List<Command> commands);

    /**
     * Names the connection ({@code CLIENT SETNAME}), so that a process that takes the migration lock over can find
     * and close it (see {@link HeldLock#clientName()}). Stores without a connection of their own ignore it.
     */
    default void nameClient(String name) {
    }

    @Override
    void close();
}
