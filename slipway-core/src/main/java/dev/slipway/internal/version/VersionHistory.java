package dev.slipway.internal.version;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.slipway.api.schema.IndexSchema;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The versions of one served name: which physical index the alias points at, and which earlier ones are kept
 * for rollback. Stored as JSON under {@code <namespace>history:<name>} and changed in the same {@code MULTI} as
 * the alias, so the history and the alias never disagree.
 *
 * @param name         the served name (the alias applications query)
 * @param versions     every version ever created, oldest first
 * @param lastRollback the latest {@code rollback --index}, until a migration switches the name again; null when
 *                     none (or written before this field existed)
 */
public record VersionHistory(String name, List<VersionEntry> versions,
                             @JsonInclude(JsonInclude.Include.NON_NULL) RollbackMark lastRollback) {

    /** Copies the list. */
    public VersionHistory {
        versions = List.copyOf(versions);
    }

    /** A history without a rollback since the last switch. */
    public VersionHistory(String name, List<VersionEntry> versions) {
        this(name, versions, null);
    }

    /** An empty history for a name Slipway has not managed yet. */
    public static VersionHistory empty(String name) {
        return new VersionHistory(name, List.of());
    }

    /**
     * What a {@code rollback --index} (or a {@code rollback --backup-dir} of a name served through the alias) did, so
     * that running a rollback again (after an interruption, or unsure whether it ran) does not go one version further.
     *
     * @param action  {@code switched_back}, {@code switched_forward}, {@code discarded} or {@code restored}
     * @param from    the physical index served before (for a discard: the one still served)
     * @param to      the physical index served after it
     * @param planId  for a discard, the unfinished migration's plan; for a restore, the plan whose rewrite was
     *                undone; otherwise empty
     * @param at      when
     */
    public record RollbackMark(String action, String from, String to, String planId, Instant at) {
        /** A switch back. */
        public static final String SWITCHED_BACK = "switched_back";
        /** An unfinished migration discarded. */
        public static final String DISCARDED = "discarded";
        /**
         * A switch to a newer version ({@code rollback --to}): undoes a rollback, so a plain rollback afterwards
         * switches back again instead of finding itself done.
         */
        public static final String SWITCHED_FORWARD = "switched_forward";
        /**
         * A rewrite undone from its backup: the documents hold their originals again and the alias serves the
         * recreated source version.
         */
        public static final String RESTORED = "restored";
    }

    /** The latest rollback, while no migration has switched the name since. */
    public Optional<RollbackMark> rollbackMark() {
        return Optional.ofNullable(lastRollback);
    }

    /** A copy that records a rollback. */
    public VersionHistory withRollback(RollbackMark mark) {
        return new VersionHistory(name, versions, mark);
    }

    /** The state of a version. */
    public enum State {
        /** Created, being indexed or verified; not served yet. */
        BUILDING,
        /** The alias points at it. */
        ACTIVE,
        /** Kept for rollback; still indexed and updated by writes. */
        RETAINED,
        /** Dropped (documents kept); history only. */
        DROPPED
    }

    /**
     * One version.
     *
     * @param version       version number (1, 2, ...); 0 for an index Slipway found already in place
     * @param physicalIndex the physical index name
     * @param state         its state
     * @param planId        the plan that created it; empty for adopted originals
     * @param createdAt     when it was created
     * @param schema        the complete schema it was created with, including options FT.INFO does not show
     * @param replaced      the physical index served when a migration switched to this version, where
     *                      {@code rollback --index} returns; empty when none (or recorded before this field existed)
     * @param outdatedBy    the document rewrite done after this version was built, whose documents it cannot index
     *                      (float16 vectors under a float32 schema, keys under a new prefix, a renamed field); null
     *                      while it can serve the documents
     */
    public record VersionEntry(int version, String physicalIndex, State state, String planId, Instant createdAt,
                               IndexSchema schema, String replaced,
                               @JsonInclude(JsonInclude.Include.NON_NULL) Rewrite outdatedBy) {
        /** Reads a missing {@code replaced} as empty. */
        public VersionEntry {
            replaced = replaced == null ? "" : replaced;
        }

        /** An entry that replaced nothing (yet). */
        public VersionEntry(int version, String physicalIndex, State state, String planId, Instant createdAt,
                            IndexSchema schema) {
            this(version, physicalIndex, state, planId, createdAt, schema, "", null);
        }

        /** A copy in another state. */
        public VersionEntry withState(State newState) {
            return new VersionEntry(version, physicalIndex, newState, planId, createdAt, schema, replaced, outdatedBy);
        }

        /** A copy that records {@code physical} as the version it replaced. */
        public VersionEntry withReplaced(String physical) {
            return new VersionEntry(version, physicalIndex, state, planId, createdAt, schema, physical, outdatedBy);
        }

        /** A copy outdated by a rewrite (null: serves the documents again). */
        public VersionEntry withOutdatedBy(Rewrite rewrite) {
            return new VersionEntry(version, physicalIndex, state, planId, createdAt, schema, replaced, rewrite);
        }

        /** Whether a document rewrite since it was built leaves it unable to serve the documents. */
        public boolean outdated() {
            return outdatedBy != null;
        }
    }

    /**
     * A document rewrite that a migration switched the name to.
     *
     * @param planId    its plan
     * @param version   the version it created (every older one is outdated by it)
     * @param backupDir where its originals are ({@code rollback --backup-dir} undoes it)
     * @param undone    false: the version was built before the rewrite; true: it was built for the rewritten documents,
     *                  and a rollback from the backup has restored their originals since
     */
    public record Rewrite(String planId, int version, String backupDir,
                          @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                          @JsonSetter(nulls = Nulls.AS_EMPTY) boolean undone) {
        /** A rewrite a version predates. */
        public Rewrite(String planId, int version, String backupDir) {
            this(planId, version, backupDir, false);
        }

        /** Why a version it outdated cannot serve the documents ("was built ..., so it cannot serve them"). */
        public String reason() {
            return (undone ? "was built for the documents plan " + planId + " rewrote, whose originals 'rollback "
                    + "--backup-dir' has restored since" : "was built before plan " + planId + " rewrote the "
                    + "documents (version " + version + " on)") + ", so it cannot serve them";
        }

        /** What to do instead. */
        public String advice() {
            return undone ? "To serve that schema again, rewrite the documents again (plan and apply the change anew)."
                    : "To go back past that rewrite, undo it from its backup with 'slipway rollback --backup-dir "
                    + backupDir + "', which restores the documents and the index they had (when a later migration "
                    + "changed the index since, undo that one first).";
        }
    }

    /**
     * A copy in which every version older than the rewrite's own is outdated by it (one outdated already keeps the
     * earlier rewrite, which a rollback has to undo first).
     */
    public VersionHistory outdatedBy(Rewrite rewrite) {
        VersionHistory result = this;
        for (VersionEntry entry : versions) {
            if (entry.version() < rewrite.version() && !entry.outdated()) {
                result = result.with(entry.withOutdatedBy(rewrite));
            }
        }
        return result;
    }

    /** The active version, if any. */
    public Optional<VersionEntry> active() {
        return versions.stream().filter(v -> v.state() == State.ACTIVE).findFirst();
    }

    /** The highest version number used so far (0 when none). */
    public int latestVersion() {
        return versions.stream().mapToInt(VersionEntry::version).max().orElse(0);
    }

    /** The entry of a physical index, if known. */
    public Optional<VersionEntry> entry(String physicalIndex) {
        return versions.stream().filter(v -> v.physicalIndex().equals(physicalIndex)).findFirst();
    }

    /** Retained versions, newest first. */
    public List<VersionEntry> retained() {
        return versions.stream().filter(v -> v.state() == State.RETAINED)
                .sorted(Comparator.comparingInt(VersionEntry::version).reversed()).toList();
    }

    /** A copy with the entry of the same physical index replaced, or the entry appended. */
    public VersionHistory with(VersionEntry entry) {
        List<VersionEntry> copy = new ArrayList<>();
        boolean replaced = false;
        for (VersionEntry existing : versions) {
            if (existing.physicalIndex().equals(entry.physicalIndex())) {
                copy.add(entry);
                replaced = true;
            } else {
                copy.add(existing);
            }
        }
        if (!replaced) {
            copy.add(entry);
        }
        copy.sort(Comparator.comparingInt(VersionEntry::version));
        return new VersionHistory(name, copy, lastRollback);
    }

    /**
     * A copy in which a rollback from a backup recreated {@code source} (the version a rewrite dropped) and made it
     * active again, and dropped {@code rewritten} (the version the rewrite created). The source keeps the version it
     * replaced, so a later {@code rollback --to} can still go further back; a plain {@code rollback --index} finds
     * the mark and changes nothing.
     *
     * @param servedBefore the physical index the name served before (the rewritten one, or the source itself when the
     *                     rewrite stopped before it switched)
     */
    public VersionHistory restored(String source, IndexSchema sourceSchema, String rewritten, String servedBefore,
                                   String planId, Instant at) {
        VersionHistory result = this;
        if (result.entry(source).isEmpty()) {
            result = result.with(new VersionEntry(versionOf(source), source, State.ACTIVE, "", at, sourceSchema));
        }
        int rewrittenVersion = versionOf(rewritten);
        for (VersionEntry entry : result.versions) {
            if (entry.outdated() && entry.outdatedBy().planId().equals(planId) && !entry.outdatedBy().undone()) {
                result = result.with(entry.withOutdatedBy(null)); // the originals are back: it serves them again
            } else if (!entry.outdated() && entry.version() > rewrittenVersion && entry.state() != State.DROPPED) {
                // built after the rewrite, for the documents it wrote, which are gone now (tester session 30 R8 H1)
                result = result.with(entry.withOutdatedBy(new Rewrite(planId, rewrittenVersion, "", true)));
            }
        }
        result = result.activate(source);
        Optional<VersionEntry> target = result.entry(rewritten).filter(e -> !rewritten.equals(source));
        if (target.isPresent()) {
            result = result.with(target.get().withState(State.DROPPED));
        }
        return result.withRollback(new RollbackMark(RollbackMark.RESTORED, servedBefore, source, planId, at));
    }

    /** The version number in a physical index name ({@code products:v3} is 3); 0 for any other name. */
    public static int versionOf(String physical) {
        int at = physical.lastIndexOf(":v");
        try {
            return at < 0 ? 0 : Integer.parseInt(physical.substring(at + 2));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A copy without the entry of a physical index. */
    public VersionHistory without(String physicalIndex) {
        return new VersionHistory(name, versions.stream().filter(v -> !v.physicalIndex().equals(physicalIndex))
                .toList(), lastRollback);
    }

    /**
     * A copy in which a migration made {@code physicalIndex} active, recording {@code replaced} (the version served
     * before it, or empty) as where a rollback returns; the previously active one is retained. An earlier rollback's
     * mark goes: the next {@code rollback --index} undoes this migration.
     */
    public VersionHistory switchTo(String physicalIndex, String replaced) {
        VersionEntry target = entry(physicalIndex).orElseThrow(() -> new IllegalStateException(
                "no version entry for " + physicalIndex));
        return with(target.withReplaced(replaced)).activate(physicalIndex).withRollback(null);
    }

    /**
     * A copy in which {@code physicalIndex} is active and the previously active one is retained. The entry keeps the
     * version it replaced, so rolling back twice goes further back instead of toggling between two versions.
     */
    public VersionHistory activate(String physicalIndex) {
        VersionHistory result = this;
        for (VersionEntry entry : versions) {
            if (entry.state() == State.ACTIVE && !entry.physicalIndex().equals(physicalIndex)) {
                result = result.with(entry.withState(State.RETAINED));
            }
        }
        VersionEntry target = result.entry(physicalIndex).orElseThrow(() -> new IllegalStateException(
                "no version entry for " + physicalIndex));
        return result.with(target.withState(State.ACTIVE));
    }
}
