package dev.slipway.internal.apply;

import dev.slipway.api.Slipway;

/**
 * Where Slipway keeps its own state in Redis: checkpoints, locks, version history. Every key is a plain string
 * holding JSON, never a hash or JSON document, so that no search index (not even one without a prefix) ever
 * indexes Slipway's bookkeeping.
 *
 * @param prefix the namespace, {@code slipway:} by default
 */
public record KeyNamespace(String prefix) {
    /** The default namespace. */
    public static final KeyNamespace DEFAULT = new KeyNamespace(Slipway.Configuration.DEFAULT_NAMESPACE);

    /** The checkpoint of the migration running (or interrupted) on an index name. */
    public String checkpoint(String index) {
        return prefix + "checkpoint:" + index;
    }

    /**
     * How many batches of a rewrite of an index landed, as "plan-id count": Redis keeps what the backup's records must
     * match, so a backup that lost records after they were written is found before a resume (tester session 53 R47
     * T1 H4).
     */
    public String rewriteBatches(String index) {
        return prefix + "rewrite-batches:" + index;
    }

    /**
     * The mark of the server a rewrite's backup was made on ({@link BackupOrigin}), per plan: a random id the backup
     * directory keeps too.
     */
    public String backupOrigin(String planId) {
        return prefix + "backup-origin:" + planId;
    }

    /** The migration lock of an index name. */
    public String lock(String index) {
        return prefix + "lock:" + index;
    }

    /**
     * The keys a drop-recreate migration's source index failed to index, recorded before the drop (removed with the
     * checkpoint).
     */
    public String sourceFailures(String index) {
        return prefix + "source-failures:" + index;
    }

    /** The version history of a served name. */
    public String history(String name) {
        return prefix + "history:" + name;
    }

    /**
     * One of Slipway's own keys for these names (lock, checkpoint, history) that starts with {@code keyPrefix}, if
     * any: documents moved to that prefix would meet Slipway's bookkeeping there.
     */
    public java.util.Optional<String> keyUnder(String keyPrefix, java.util.Collection<String> names) {
        return names.stream().flatMap(n -> java.util.stream.Stream.of(lock(n), checkpoint(n), history(n),
                        sourceFailures(n)))
                .filter(key -> key.startsWith(keyPrefix)).findFirst();
    }

    /** The lease of one of Slipway's throwaway indexes ({@code ProbeLease}) while a run uses it. */
    public String probeLease(String probeIndex) {
        return prefix + "probe-lease:" + probeIndex;
    }

    /** The full schema Slipway created a physical index with (FT.INFO does not show every option). */
    public String createdSchema(String physicalIndex) {
        return prefix + "schema:" + physicalIndex;
    }
}
