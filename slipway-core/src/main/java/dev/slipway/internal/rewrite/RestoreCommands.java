package dev.slipway.internal.rewrite;

import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.rewrite.BackupRecord.DocumentOriginal;
import dev.slipway.internal.rewrite.BackupRecord.FieldOriginal;
import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.util.ArrayList;
import java.util.List;

import static dev.slipway.internal.rewrite.DocumentRewriter.atomic;
import static dev.slipway.internal.rewrite.DocumentRewriter.bytes;
import static dev.slipway.internal.rewrite.DocumentRewriter.command;
import static dev.slipway.internal.rewrite.DocumentRewriter.expireAt;

/**
 * The commands a rollback from the backup sends for one backed-up document of a rewrite ({@link RecordRestore}), and
 * the checks that tell whether it still exists ({@link ChangedSinceMigration}): worked out from the record alone, so
 * each is idempotent, like the rewrite's own.
 */
final class RestoreCommands {
    private final boolean hash;
    private final KeyMove keyMove;

    RestoreCommands(StorageType storage, KeyMove keyMove) {
        this.hash = storage == StorageType.HASH;
        this.keyMove = keyMove;
    }

    /**
     * The checks that tell whether a backed-up document still exists, under its old name or (after a prefix move)
     * its new one: one {@code EXISTS} per name, each reply 1 or 0.
     */
    List<Command> existenceChecks(DocumentOriginal original) {
        if (keyMove.needsMove(original.key())) {
            return List.of(command("EXISTS", original.key()), command("EXISTS", keyMove.newKey(original.key())));
        }
        return List.of(command("EXISTS", original.key()));
    }

    /**
     * Rollback, first step: the command that moves a document whose key the rewrite moved back to its old name
     * ({@code RENAMENX}, which replies 0 when the old name is taken), or nothing.
     */
    List<Command> renameBack(DocumentOriginal original) {
        return keyMove.needsMove(original.key())
                ? List.of(command("RENAMENX", keyMove.newKey(original.key()), original.key())) : List.of();
    }

    /**
     * Rollback, second step: the commands that put the document's fields back as its backup recorded them, a hash
     * field's own expiry included (in one transaction with the write, as in the rewrite); a field recorded as cut
     * short is left alone, only asked whether it exists ({@code HEXISTS}, for {@link VanishedDocuments}).
     */
    List<Command> restoreFields(DocumentOriginal original) {
        List<Command> commands = new ArrayList<>();
        List<Command> deletes = new ArrayList<>();
        boolean expiring = false;
        for (FieldOriginal field : original.fields()) {
            if (field.cutShort()) { // left as the document's earlier records restored it (see FieldOriginal#cutShort)
                if (hash) { // its reply stands in for the HDEL's: 0 tells a document that vanished meanwhile
                    deletes.add(command("HEXISTS", original.key(), bytes(field.name())));
                }
                continue;
            }
            if (field.value() == null) {
                deletes.add(command(hash ? "HDEL" : "JSON.DEL", original.key(), bytes(field.name())));
            } else {
                commands.add(command(hash ? "HSET" : "JSON.SET", original.key(), bytes(field.name()), field.value()));
                if (hash && field.expiresAt() > 0) {
                    commands.add(expireAt(original.key(), field.name(), field.expiresAt()));
                    expiring = true;
                }
            }
        }
        if (expiring) {
            atomic(commands, original.key());
        }
        commands.addAll(deletes); // after every write: see WritesBeforeDeletes
        return commands;
    }
}
