package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.rewrite.BackupRecord.DocumentOriginal;
import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongConsumer;

import static dev.slipway.internal.rewrite.DocumentRewriter.text;

/**
 * Documents deleted or expired (or stripped of a rewritten field) between the rewrite's read of them and its write.
 *
 * <p>HSET creates what it writes: a conversion's HSET on a hash that expired a millisecond earlier would bring back a
 * document holding only the converted vector, without its other fields and without a TTL, which nobody stored and
 * which would never expire. A JSON document cannot come back that way (JSON.SET below the root of a missing key is
 * refused), so only hashes need this. The writes' replies show when it happened: a conversion's HSET that created
 * its field (reply 1, where the read had found it), or a field move whose HDEL of the old field removed nothing
 * (reply 0) after its HSET created the new one. Those fields are then taken back by a script that deletes a field
 * only while it still holds exactly what the rewrite wrote, so a value someone stored since is left alone; a
 * document left without fields is gone again, as Redis removes an empty hash. A rollback's restore writes the same
 * way in the other direction and is checked alike ({@link #takeBackRestore}).
 */
final class VanishedDocuments {
    /**
     * ARGV: field, value, field, value...; deletes each field that holds exactly that value; returns whether the
     * document still exists then (1: another client removed only the field, or stored the document again; 0: the
     * document was deleted or expired, and is gone again).
     */
    static final String TAKE_BACK = "for i = 1, #ARGV, 2 do "
            + "if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then "
            + "redis.call('HDEL', KEYS[1], ARGV[i]) end end return redis.call('EXISTS', KEYS[1])";
    /**
     * ARGV: the document's field count at the rewrite's read, then field, value, field, value...; deletes the hash
     * when it holds exactly those fields with exactly those values, fewer fields than it had at the read, and no
     * time to live: what a killed run's writes brought back of a document that had vanished (HSET makes a key
     * without one). Returns 1 when it deleted it.
     */
    static final String TAKE_BACK_PARTIAL = "local n = redis.call('HLEN', KEYS[1]) "
            + "if n == 0 or n >= tonumber(ARGV[1]) or n * 2 ~= #ARGV - 1 then return 0 end "
            + "if redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end "
            + "for i = 2, #ARGV, 2 do if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then return 0 end end "
            + "for i = 2, #ARGV, 2 do redis.call('HDEL', KEYS[1], ARGV[i]) end return 1";
    /** RedisJSON's refusal of JSON.SET below the root of a key that does not exist. */
    static final String JSON_MISSING_KEY = "new objects must be created at the root";

    private final RewriteSpec spec;
    private final DocumentRewriter rewriter;
    private long fieldsRemoved;

    VanishedDocuments(RewriteSpec spec, DocumentRewriter rewriter) {
        this.spec = spec;
        this.rewriter = rewriter;
    }

    /**
     * The command that takes back what a hash document's rewrite created in a document that had vanished, on the
     * name the document has after it; empty when it created nothing the read had not found.
     *
     * @param original the document's originals, as read before its writes
     * @param writes   its commands, as sent
     * @param replies  their replies, one per command
     */
    Optional<Command> takeBack(DocumentOriginal original, List<Command> writes, List<Object> replies) {
        if (spec.storage() != StorageType.HASH || nothingVanished(writes, replies)) {
            return Optional.empty();
        }
        Map<String, String> moves = new HashMap<>();
        spec.fieldMoves().forEach(move -> moves.put(move.to(), move.from()));
        return takeBack(writes, replies, moves, rewriter.rewritten(original));
    }

    /**
     * The same for a rollback's restore of a document's fields ({@link RestoreCommands#restoreFields}), which
     * moves fields the other way and writes the originals: a converted field the restore created, or a moved-back
     * field it created while the moved field's HDEL found nothing, means the document vanished after the rollback
     * checked that it exists.
     */
    Optional<Command> takeBackRestore(DocumentOriginal original, List<Command> writes, List<Object> replies) {
        if (spec.storage() != StorageType.HASH || nothingVanished(writes, replies)) {
            return Optional.empty();
        }
        Map<String, String> moves = new HashMap<>();
        spec.fieldMoves().forEach(move -> moves.put(move.from(), move.to()));
        return takeBack(writes, replies, moves, original.values());
    }

    /**
     * @param moves   per field a write moves a value into, the field it moves it from (whose HDEL should find it)
     * @param written per field, the value the writes set
     */
    private static Optional<Command> takeBack(List<Command> writes, List<Object> replies, Map<String, String> moves,
                                              Map<String, byte[]> written) {
        Set<String> created = new HashSet<>();
        Set<String> notFound = new HashSet<>();
        byte[] key = writes.get(0).key();
        for (int i = 0; i < writes.size(); i++) {
            Command command = writes.get(i);
            long reply = replies.get(i) instanceof Long n ? n : -1;
            switch (command.name()) {
                case "HSET" -> {
                    if (reply > 0) {
                        created.add(text(command.args().get(1)));
                    }
                }
                case "HDEL", "HEXISTS" -> { // HEXISTS: a rollback's look at a field it leaves alone (cut short)
                    if (reply == 0) {
                        notFound.add(text(command.args().get(1)));
                    }
                }
                case "RENAMENX" -> {
                    if (reply == 1) {
                        key = command.args().get(1);
                    }
                }
                default -> {
                    // nothing else is sent for a hash document
                }
            }
        }
        List<byte[]> args = new ArrayList<>(List.of(DocumentRewriter.bytes(TAKE_BACK), DocumentRewriter.bytes("1"),
                key));
        for (String field : created.stream().sorted().toList()) {
            // a moved field is created every time: unwanted only when its old field was gone; any other field
            // existed when it was read, so creating it means the document or the field vanished since
            boolean unwanted = !moves.containsKey(field) || notFound.contains(moves.get(field));
            if (unwanted && written.get(field) != null) {
                args.add(DocumentRewriter.bytes(field));
                args.add(written.get(field));
            }
        }
        return args.size() == 3 ? Optional.empty() : Optional.of(new Command("EVAL", args));
    }

    /**
     * The usual case, checked without allocating: no HDEL (or a rollback's HEXISTS) found its field gone, and no HSET
     * created a field, or every created field can be a move's new field (which is created every time).
     */
    private boolean nothingVanished(List<Command> writes, List<Object> replies) {
        boolean created = false;
        for (int i = 0; i < writes.size(); i++) {
            String name = writes.get(i).name();
            if ((name.equals("HDEL") || name.equals("HEXISTS")) && replies.get(i) instanceof Long n && n == 0) {
                return false;
            }
            created |= name.equals("HSET") && replies.get(i) instanceof Long n && n > 0;
        }
        return !created || spec.conversions().isEmpty();
    }

    /**
     * The take-backs a resumed run sends for a record that a killed run backed up and may have written without
     * settling ({@link #settle}): the killed run may have brought back in part a document that vanished between its
     * read and its write, and died before taking that part back. Such a hash holds only the fields the rewrite
     * writes, with the values it writes, where the document had more fields at the read; a script deletes it under
     * exactly that condition ({@link #TAKE_BACK_PARTIAL}), on either name the writes may have left it under (a key
     * whose prefix moves is written before its {@code RENAMENX}). A document that had no field but those the rewrite
     * writes cannot be told from one rewritten: it is left as it is, as is any document whose field count the backup
     * does not hold (JSON, which cannot come back in part; backups from before the count was kept).
     */
    List<List<Command>> partialsLeftBehind(BackupRecord record) {
        return partials(record, rewriter::rewritten, original -> {
            byte[] newKey = rewriter.newKey(original.key()); // the same array when the key does not move
            return newKey == original.key() ? List.of(newKey) : List.of(original.key(), newKey);
        });
    }

    /**
     * The same for a rollback's restore killed between a record's writes and their take-back ({@link
     * #takeBackRestore}): a document that vanished after the rollback found it holds, under its old name (where
     * the restore writes, after moving a key back), exactly its original fields with their original values, and
     * fewer fields than the migration's read counted. A document the killed run restored whole has as many as then,
     * unless another client removed fields since the migration: one left with exactly the restored fields is taken
     * for a partial.
     */
    List<List<Command>> restoredPartialsLeftBehind(BackupRecord record) {
        return partials(record, DocumentOriginal::values, original -> List.of(original.key()));
    }

    /**
     * One {@link #TAKE_BACK_PARTIAL} script per hash document of {@code record} and per name it may be under, with
     * the fields and values {@code written} gives (a null value: a field the writes delete).
     */
    private List<List<Command>> partials(BackupRecord record, Function<DocumentOriginal, Map<String, byte[]>> written,
                                         Function<DocumentOriginal, List<byte[]>> names) {
        List<List<Command>> commands = new ArrayList<>();
        if (spec.storage() != StorageType.HASH) {
            return commands;
        }
        for (DocumentOriginal original : record.documents()) {
            List<byte[]> pairs = new ArrayList<>();
            written.apply(original).forEach((field, value) -> {
                if (value != null) {
                    pairs.add(DocumentRewriter.bytes(field));
                    pairs.add(value);
                }
            });
            if (pairs.isEmpty() || original.fieldsAtRead() <= pairs.size() / 2) {
                continue;
            }
            byte[] count = DocumentRewriter.bytes(Long.toString(original.fieldsAtRead()));
            for (byte[] name : names.apply(original)) {
                List<byte[]> args = new ArrayList<>(List.of(DocumentRewriter.bytes(TAKE_BACK_PARTIAL),
                        DocumentRewriter.bytes("1"), name, count));
                args.addAll(pairs);
                commands.add(List.of(new Command("EVAL", args)));
            }
        }
        return commands;
    }

    /**
     * Sends the scripts of {@link #partialsLeftBehind} or {@link #restoredPartialsLeftBehind}, through each
     * document's owner connection (so the write watch does not report them); returns how many documents they deleted,
     * which {@code counted} is told first (before a reply that says the server is busy has the check sent again, when
     * those are gone already).
     *
     * @param rerun what the user runs to continue, for the message when a script fails
     * @throws BusyServer when a reply says the server is busy or loading
     */
    static long deleteLeftBehind(WorkerPool pool, List<List<Command>> takeBacks, LongConsumer counted, String rerun) {
        if (takeBacks.isEmpty()) {
            return 0;
        }
        List<List<Object>> done = pool.executeDocuments(takeBacks);
        long deleted = 0;
        for (List<Object> reply : done) {
            deleted += reply.get(0) instanceof Long n && n == 1 ? 1 : 0;
        }
        counted.accept(deleted);
        BusyServer.refuseIfAny(done);
        for (int i = 0; i < done.size(); i++) {
            if (done.get(i).get(0) instanceof Exception e) {
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Checking whether '"
                        + text(takeBacks.get(i).get(0).key()) + "' is what an earlier run's write brought back of a "
                        + "document that was deleted or expired meanwhile failed: " + e.getMessage() + ". " + rerun);
            }
        }
        return deleted;
    }

    /** Which take-back a document's writes call for: {@link #takeBack} (a rewrite) or {@link #takeBackRestore}. */
    @FunctionalInterface
    interface TakeBack {
        Optional<Command> of(DocumentOriginal original, List<Command> writes, List<Object> replies);
    }

    /**
     * Settles a batch whose writes have landed: counts its documents that vanished before their writes (a JSON
     * document whose {@code JSON.SET} was refused, a hash whose writes created what had been found and that is gone
     * again once that is taken back) and takes back, through each document's owner connection (so the write watch
     * does not report it), what the writes recreated. A hash that still exists after the take-back had only the
     * field removed by another client (or was stored again without it): it is not counted as vanished but in
     * {@link #fieldsRemoved()}, and it is left without the field, as that client left it.
     *
     * @param writes  per document, its commands as sent; {@code originals} and {@code replies} follow the same order
     * @param rerun   what the user runs to resume, for the message when a take-back fails
     * @return how many documents vanished
     */
    long settle(WorkerPool pool, List<DocumentOriginal> originals, List<List<Command>> writes,
                List<List<Object>> replies, TakeBack takeBack, String rerun) {
        List<List<Command>> takeBacks = new ArrayList<>();
        long vanished = 0;
        for (int doc = 0; doc < writes.size(); doc++) {
            Optional<Command> command = takeBack.of(originals.get(doc), writes.get(doc), replies.get(doc));
            command.ifPresent(c -> takeBacks.add(List.of(c)));
            if (jsonDocumentGone(writes.get(doc), replies.get(doc))) {
                vanished++;
            }
        }
        if (takeBacks.isEmpty()) {
            return vanished;
        }
        List<List<Object>> done = pool.executeDocuments(takeBacks);
        for (int i = 0; i < done.size(); i++) {
            Object reply = done.get(i).get(0);
            if (reply instanceof Exception e) {
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Document '"
                        + text(takeBacks.get(i).get(0).key()) + "' was deleted or expired between Slipway's read "
                        + "of it and its write, which brought it back holding only the written fields; removing "
                        + "them failed: " + e.getMessage() + ". Delete the key if it holds nothing else (check with "
                        + "HGETALL), then " + rerun + ".");
            }
            if (reply instanceof Long exists && exists == 1) {
                fieldsRemoved++;
            } else {
                vanished++;
            }
        }
        return vanished;
    }

    /**
     * Hash documents found, when their writes landed, to have lost a field the writes set (another client removed
     * it, or stored the document again without it) while the document itself still existed; the field was taken back,
     * so they are left as that client left them. Counted over every {@link #settle} so far.
     */
    long fieldsRemoved() {
        return fieldsRemoved;
    }

    private static boolean jsonDocumentGone(List<Command> writes, List<Object> replies) {
        for (int i = 0; i < writes.size(); i++) {
            if (replies.get(i) instanceof Exception e && jsonDocumentGone(writes.get(i), e)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an error reply to a JSON document's write says the document no longer exists. */
    static boolean jsonDocumentGone(Command command, Exception error) {
        return command.name().equals("JSON.SET") && String.valueOf(error.getMessage()).contains(JSON_MISSING_KEY);
    }

}
