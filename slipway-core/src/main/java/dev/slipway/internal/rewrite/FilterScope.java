package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.SourceSchemaProbe;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.IndexedKeys;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.ProbeLease;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.internal.schema.FieldAttribute;
import dev.slipway.internal.schema.FilterExpressions;
import dev.slipway.internal.schema.FtCreateArguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Which documents a rewrite of an index with a FILTER converts: those the FILTER admits, not every document under the
 * prefixes. Only the server evaluates a FILTER, and the source index is dropped before the rewrite, so apply creates
 * a throwaway index with the source's key type and FILTER over the prefixes of the source and of the target
 * ({@code slipway-probe:<index>:<uuid>}), whose schema holds only the fields the FILTER may read
 * (for a hash one that no document has when it reads none: a hash's FILTER reads its fields directly). Every page of
 * keys a rewrite pass, its survey, its conflict check or validation's scans read is then narrowed to the keys that
 * index holds ({@code FT.SEARCH ... INKEYS}). A document outside the FILTER is neither backed up nor changed, so it
 * keeps the bytes every other reader of it expects.
 *
 * <p>Only when the target index keeps the same FILTER over the same definitions of the fields it reads
 * ({@link #scopeSchema}): then what it admits is the same before and after the rewrite, and a document the rewrite
 * already converted is admitted as before (its conversion is then found done). A patch that changes the FILTER (or a
 * field it reads, which a rename of such a field requires) converts every document under the prefixes, as without a
 * FILTER, and the plan says so.
 *
 * <p>The index lives for the apply or validation that made it and is dropped when it closes (without DD); one a
 * killed run left behind is dropped by the next apply or rollback of the index (as every probe is), and
 * {@code status} lists it. It is never {@code TEMPORARY}: the server deletes every document a TEMPORARY index covers
 * when it drops it or it expires (checked on Search 2.10: the first try of this class deleted the 2,000 documents it
 * had just rewritten).
 */
public final class FilterScope implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FilterScope.class);
    /** A field no document is expected to hold, for an index whose FILTER reads no attribute of the schema. */
    static final String PLACEHOLDER = "__slipway_filter_scope";

    private static final FilterScope EVERY_DOCUMENT = new FilterScope(null, null, null, null);

    private final String index;
    private final String filter;
    private final RedisSession session;
    private final ProbeLease lease;
    /** Keys per INKEYS look-up: {@link IndexedKeys#PAGE}, or the server's MAXSEARCHRESULTS once it refused that. */
    private volatile int lookupKeys = IndexedKeys.PAGE;
    /** The keys with a NUL byte the index holds, listed once when the first such key comes (null before). */
    private Set<ByteBuffer> keysWithNul;
    /** Whether that listing was complete. */
    private volatile boolean nulListed;

    private FilterScope(String index, String filter, RedisSession session, ProbeLease lease) {
        this.index = index;
        this.filter = filter;
        this.session = session;
        this.lease = lease;
    }

    /** The scope of a rewrite of an index without a FILTER (or one the patch changes): every document. */
    public static FilterScope everyDocument() {
        return EVERY_DOCUMENT;
    }

    /** Whether the plan's rewrite converts only the documents the source's FILTER admits ({@link #scopeSchema}). */
    public static boolean narrows(MigrationPlan plan) {
        return plan.rewrite().isPresent() && narrows(plan.source().schema(), plan.targetSchema());
    }

    /**
     * Whether a rewrite from {@code source} to {@code target} converts only the documents the FILTER admits: the
     * source has one, the target keeps it, and every field the FILTER may read (one whose name it mentions) is
     * defined alike in both and is not a vector. Otherwise it converts every document under the prefixes.
     */
    public static boolean narrows(IndexSchema source, IndexSchema target) {
        return fieldsRead(source, target).isPresent();
    }

    /**
     * Why a rewrite under a FILTER converts every document under the prefixes ({@link #narrows} is false): "the patch
     * changes its FILTER", or "its FILTER reads a field the patch changes" (or a vector field).
     */
    public static String whyEveryDocument(IndexSchema source, IndexSchema target) {
        return source.filter().equals(target.filter()) ? "its FILTER reads a field the patch changes (or a vector "
                + "field)" : "the patch changes its FILTER";
    }

    private static Optional<List<FieldSchema>> fieldsRead(IndexSchema source, IndexSchema target) {
        if (source.filter().isEmpty() || !source.filter().equals(target.filter())) {
            return Optional.empty();
        }
        String filter = source.filter().get();
        List<FieldSchema> read = new ArrayList<>();
        for (FieldSchema field : source.fields()) {
            if (!filter.contains(field.name())) {
                continue;
            }
            if (field.type() == FieldType.VECTOR || !target.field(field.name()).equals(Optional.of(field))) {
                return Optional.empty();
            }
            read.add(field);
        }
        return Optional.of(read);
    }

    /**
     * The schema of the throwaway index, named {@code name}; empty when the rewrite converts every document
     * ({@link #narrows(IndexSchema, IndexSchema)}).
     */
    static Optional<IndexSchema> scopeSchema(MigrationPlan plan, String name) {
        return plan.rewrite().flatMap(rewrite -> scopeSchema(plan.source().schema(), plan.targetSchema(), rewrite,
                name));
    }

    /** The same, of a rewrite from {@code source} to {@code target}. */
    static Optional<IndexSchema> scopeSchema(IndexSchema source, IndexSchema target, RewriteSpec rewrite,
                                             String name) {
        Optional<List<FieldSchema>> fields = fieldsRead(source, target);
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        Set<String> prefixes = new LinkedHashSet<>();
        if (!source.prefixes().isEmpty() && !target.prefixes().isEmpty()) {
            prefixes.addAll(rewrite.sourcePrefixes());
            prefixes.addAll(source.prefixes());
            prefixes.addAll(target.prefixes());
            rewrite.targetPrefix().ifPresent(prefixes::add);
        }
        return Optional.of(throwawaySchema(name, source, List.copyOf(prefixes), fields.get()));
    }

    /**
     * Why the throwaway index {@link #open} builds for {@code plan} would not fit under the server's {@code maxmemory}
     * ({@link AdmissionMemory}), if so; empty when the plan needs none. Its documents are those the source index holds
     * or fails on: it has the source's prefixes (and a key move's new one) and FILTER.
     */
    public static Optional<String> noRoomToOpen(AdmissionMemory memory, MigrationPlan plan) {
        return scopeSchema(plan, "room").flatMap(schema -> memory.noRoom(schema, heldBySource(plan)));
    }

    private static AdmissionMemory.Known heldBySource(MigrationPlan plan) {
        return new AdmissionMemory.Known(plan.source().numDocs() + plan.source().indexingFailures(), true,
                plan.source().vectorIndexBytes());
    }

    /**
     * As {@link #noRoomToOpen}, or why it cannot be told (INFO memory refused): for validation, which then leaves the
     * checks that need the index "not checked" rather than build it blind.
     */
    public static Optional<String> cannotOpen(RedisSession session, MigrationPlan plan) {
        return scopeSchema(plan, "room").flatMap(schema -> {
            AdmissionMemory memory = AdmissionMemory.of(session);
            return memory.unknown().or(() -> memory.noRoom(schema, heldBySource(plan)));
        });
    }

    /**
     * Creates the throwaway index for the plan and waits until it has indexed every document; the scope of every
     * document when the plan needs none ({@link #scopeSchema}).
     *
     * @throws SlipwayException when the server refuses the index, or it is still indexing after an hour
     */
    public static FilterScope open(RedisSession session, KeyNamespace keys, MigrationPlan plan, StopSignal stop) {
        String name = SchemaProbeName.fresh(plan.source().indexName());
        Optional<IndexSchema> schema = scopeSchema(plan, name);
        if (schema.isEmpty()) {
            return EVERY_DOCUMENT;
        }
        return create(session, keys, plan.source().indexName(), schema.get(), stop, "only those are rewritten");
    }

    /**
     * Creates a throwaway index over the prefixes of {@code schema}, with its FILTER and the fields that FILTER may
     * read, and waits until it has indexed every document: it then holds every document an index of that schema
     * should serve or count as failing. For validation after a change of the FILTER or of the prefixes of an index
     * with one, where the count at plan time does not apply and the keys under the prefixes are not its documents
     * (tester session 41 R32 N1: an index rebuilt by hand with SKIPINITIALSCAN served none of them and passed).
     * Named as a throwaway index of {@code sourceIndex}, whose apply or rollback drops one a killed run left.
     *
     * @throws IllegalArgumentException when the schema has no FILTER
     * @throws SlipwayException         when the server refuses the index, or it is still indexing after an hour
     */
    public static FilterScope admittedBy(RedisSession session, KeyNamespace keys, String sourceIndex,
                                         IndexSchema schema, StopSignal stop) {
        if (schema.filter().isEmpty()) {
            throw new IllegalArgumentException("index '" + schema.name() + "' has no FILTER");
        }
        String name = SchemaProbeName.fresh(sourceIndex);
        return create(session, keys, sourceIndex, admissionSchema(schema, name), stop, "validation counts them");
    }

    /**
     * Why the index of {@link #admittedBy} for {@code schema} would not fit under the server's {@code maxmemory}, if
     * so, or why that cannot be told ({@link AdmissionMemory}); {@code documents}: at least this many, and
     * {@code vectorBytes} what a live index over them reports for its vector indexes.
     */
    public static Optional<String> noRoomToAdmit(RedisSession session, IndexSchema schema, long documents,
                                                 long vectorBytes) {
        AdmissionMemory memory = AdmissionMemory.of(session);
        return memory.unknown().or(() -> memory.noRoom(admissionSchema(schema, "room"),
                new AdmissionMemory.Known(documents, false, vectorBytes)));
    }

    /**
     * The schema of {@link #admittedBy}'s index, named {@code name}, which admits what the FILTER of {@code schema}
     * admits. A hash's FILTER reads the hash's fields directly, as text: the index holds only a field no document has,
     * or for an attribute the FILTER names that reads another hash field ({@code price AS p}) a TAG of it, which no
     * value fails. So it holds every document the FILTER admits, those the schema fails on too (tester session 42
     * R33 F1/F2: with the named fields' own types it left out the documents failing on them, whose failures then hid
     * as many documents never read; and a vector field pulled in by a name inside a word was built again, F5). A JSON
     * FILTER reads attributes only, typed as declared, so the attributes it names keep their definitions (a vector as
     * FLAT): it then admits only the documents whose named attributes are valid.
     */
    static IndexSchema admissionSchema(IndexSchema schema, String name) {
        Set<String> named = FilterExpressions.attributes(schema.filter().orElseThrow());
        List<FieldSchema> read = new ArrayList<>();
        for (FieldSchema field : schema.fields()) {
            if (!named.contains(field.name())) {
                continue;
            }
            if (schema.storageType() == StorageType.HASH) {
                if (!field.path().equals(field.name())) {
                    read.add(new FieldSchema(field.name(), field.path(), FieldType.TAG, null));
                }
            } else {
                read.add(field.type() == FieldType.VECTOR ? flat(field) : field);
            }
        }
        return throwawaySchema(name, schema, List.copyOf(new LinkedHashSet<>(schema.prefixes())), read);
    }

    /**
     * A vector attribute a JSON FILTER names, as FLAT (no graph to build; its datatype, size and metric kept, so it
     * admits the same documents): left out, the FILTER admitted nothing and the check was dropped (tester session 42
     * R34 N1: an index rebuilt empty passed).
     */
    private static FieldSchema flat(FieldSchema vector) {
        java.util.Map<String, Object> attrs = new java.util.LinkedHashMap<>(vector.attrs());
        attrs.put("algorithm", "flat");
        attrs.keySet().removeIf(attribute -> FieldAttribute.belongsToAnotherAlgorithm(attribute, "flat"));
        return new FieldSchema(vector.name(), vector.path(), FieldType.VECTOR, attrs);
    }

    /**
     * A throwaway index's schema: {@code like}'s key type, FILTER and language over {@code prefixes}, holding
     * {@code read} (a field no document holds when empty), with no stop words, offsets, frequencies or highlights.
     */
    private static IndexSchema throwawaySchema(String name, IndexSchema like, List<String> prefixes,
                                               List<FieldSchema> read) {
        List<FieldSchema> fields = new ArrayList<>(read);
        if (fields.isEmpty()) {
            fields.add(like.storageType() == StorageType.JSON
                    ? new FieldSchema(PLACEHOLDER, "$." + PLACEHOLDER, FieldType.TAG, null)
                    : FieldSchema.of(PLACEHOLDER, FieldType.TAG));
        }
        Set<IndexOption> options = EnumSet.of(IndexOption.NOOFFSETS, IndexOption.NOHL, IndexOption.NOFIELDS,
                IndexOption.NOFREQS);
        return IndexSchema.builder(name, like.storageType()).prefixes(prefixes).filter(like.filter().orElseThrow())
                .language(like.language()).stopwords(List.of()).options(options).fields(fields).build();
    }

    /**
     * Creates the throwaway index of {@code sourceIndex} with {@code schema} (leased first) and waits until it has
     * indexed every document; {@code use} says in the log what its documents are for.
     */
    private static FilterScope create(RedisSession session, KeyNamespace keys, String sourceIndex,
                                      IndexSchema schema, StopSignal stop, String use) {
        String name = schema.name();
        String filter = schema.filter().orElseThrow();
        List<String> create = new ArrayList<>(FtCreateArguments.command(schema));
        ProbeLease lease = ProbeLease.take(session, keys.probeLease(name)); // before the index: never one unleased
        try {
            session.call(create);
        } catch (RedisCommandException e) {
            lease.close();
            throw new SlipwayException(ErrorCode.REDIS_ERROR, "Could not create the throwaway index that tells which "
                    + "documents the FILTER of '" + sourceIndex + "' admits (" + e.serverMessage()
                    + "); this run changed nothing since it started. Re-run the same command once the server "
                    + "allows FT.CREATE.", e);
        }
        FilterScope scope = new FilterScope(name, filter, session, lease);
        LOG.info("Index '{}' has a FILTER ({}): the throwaway index '{}' tells which documents it admits; {}",
                sourceIndex, filter, name, use);
        try {
            if (!IndexingWait.untilIndexed(new LiveIndexReader(session), name, stop, "That was while it found the "
                    + "documents the FILTER admits; this run changed nothing since it started (its throwaway index is "
                    + "dropped). Re-run the same command.", "The throwaway index '" + name + "', which tells which "
                    + "documents the FILTER admits, is still indexing after an hour; this run changed nothing since "
                    + "it started. Re-run the same command.", () -> { })) {
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted while finding the documents the "
                        + "FILTER admits; this run changed nothing since it started. Re-run the same command.");
            }
        } catch (SlipwayException e) {
            scope.close();
            if (e.code() != ErrorCode.UNKNOWN_INDEX) {
                throw e;
            }
            // not "does not exist ... run 'slipway index list'", exit 2 as for a name mistyped (tester R25 F6)
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The throwaway index '" + name + "', which tells "
                    + "which documents the FILTER admits, was dropped while this run waited for it: by hand, or by "
                    + "another run of Slipway that took it for one a killed run left (its lease runs out when this "
                    + "process stalls for a minute). This run changed nothing since it started. Re-run the same "
                    + "command.", e);
        } catch (RuntimeException | Error e) {
            scope.close();
            throw e;
        }
        return scope;
    }

    /**
     * Drops every throwaway index ({@link SchemaProbeName}) of an index that a killed run left behind (without DD:
     * the documents stay): those whose {@link ProbeLease} ran out, so never one a running apply or validate uses.
     */
    public static void dropLeftBehind(RedisSession session, KeyNamespace keys, String index) {
        for (String name : new LiveIndexReader(session).listIndexes()) {
            if (leftBehind(session, keys, index, name)) {
                LOG.info("Dropping '{}', a throwaway index a killed run of Slipway left behind", name);
                session.dropIndexIfPresent(name);
                SourceSchemaProbe.removeLeftBehindCopies(session, keys, name); // validation's judge copies some
                // the lease of a killed process on this host stays otherwise until it runs out (tester R25 F8)
                session.call("DEL", keys.probeLease(name));
            }
        }
    }

    /**
     * Whether the index {@code name} is a throwaway index of {@code index} that a killed run left behind: its
     * {@link ProbeLease} ran out, or names a process on this host that no longer runs.
     */
    public static boolean leftBehind(RedisSession session, KeyNamespace keys, String index, String name) {
        return SchemaProbeName.isProbeOf(name, index) && !ProbeLease.held(session, keys.probeLease(name));
    }

    /** Whether this scope narrows the documents (the index has a FILTER): false for {@link #everyDocument()}. */
    public boolean narrows() {
        return index != null;
    }

    /**
     * The keys among {@code keys} whose documents the FILTER admits, in their order: all of them when this scope
     * does not narrow. Asked on {@code store}'s connection, {@value IndexedKeys#PAGE} keys per look-up, or the
     * server's {@code MAXSEARCHRESULTS} when it is lower (tester session 36 R21 M4). A key with a NUL byte, which
     * INKEYS cannot name, is looked up in a listing of the whole index, made once (R21 M2: such keys were taken as
     * admitted, and documents the FILTER leaves out were converted); when the server stops the listing short, they are
     * taken as admitted, with a warning.
     *
     * @throws SlipwayException when the server refuses the look-up (the index dropped by hand meanwhile)
     */
    List<byte[]> admitted(DocumentStore store, List<byte[]> keys) {
        if (index == null || keys.isEmpty()) {
            return keys;
        }
        List<byte[]> withNul = new ArrayList<>();
        List<byte[]> plain = IndexedKeys.plain(keys, withNul);
        Set<ByteBuffer> held = new HashSet<>();
        int per = lookupKeys;
        for (int from = 0; from < plain.size(); ) {
            List<byte[]> part = plain.subList(from, Math.min(plain.size(), from + per));
            Object reply = store.execute(List.of(new DocumentStore.Command("FT.SEARCH",
                    IndexedKeys.lookupArguments(index, part)))).get(0);
            OptionalInt cap = reply instanceof Exception e ? IndexedKeys.resultsCap(e.getMessage())
                    : OptionalInt.empty();
            if (cap.isPresent() && cap.getAsInt() < part.size()) {
                per = cap.getAsInt(); // the server's MAXSEARCHRESULTS: ask again in parts it allows
                lookupKeys = per;
                continue;
            }
            collect(reply, held);
            from += part.size();
        }
        Set<ByteBuffer> heldWithNul = withNul.isEmpty() ? Set.of() : keysWithNulHeld(store);
        List<byte[]> admitted = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            ByteBuffer wrapped = ByteBuffer.wrap(key);
            if (held.contains(wrapped) || heldWithNul.contains(wrapped) || withNul.contains(key) && !nulListed) {
                admitted.add(key);
            }
        }
        return admitted;
    }

    /** The keys of one look-up's reply, added to {@code held}. */
    private void collect(Object reply, Set<ByteBuffer> held) {
        if (reply instanceof Exception e && BusyServer.isBusy(e.getMessage())) { // read again (WorkerPool)
            throw new JedisDataException(e.getMessage());
        }
        if (!(reply instanceof List<?> found)) {
            // the server's words, not the client's exception class; and no "batch" for a validate (tester R26 F-F)
            String said = reply instanceof Exception e ? e.getMessage() : String.valueOf(reply);
            throw new SlipwayException(ErrorCode.REDIS_ERROR, "The throwaway index '" + index + "', which tells "
                    + "which documents the FILTER (" + filter + ") admits, did not answer (" + said + "): dropped by "
                    + "hand, or by another run of Slipway that took it for one a killed run left (its lease runs out "
                    + "when this process stalls for a minute). Re-run the same command: it makes the index again (an "
                    + "apply goes on from its last completed batch).");
        }
        for (Object key : found.subList(1, found.size())) {
            held.add(ByteBuffer.wrap((byte[]) key));
        }
    }

    /**
     * The keys with a NUL byte the index holds, from one listing of it; an empty set, with {@link #nulListed} false,
     * when the server stopped the listing short (such keys are then taken as admitted).
     */
    private synchronized Set<ByteBuffer> keysWithNulHeld(DocumentStore store) {
        if (keysWithNul == null) {
            Optional<Set<ByteBuffer>> listed = IndexedKeys.byListing(arguments -> {
                Object reply = store.execute(List.of(new DocumentStore.Command("FT.SEARCH", arguments))).get(0);
                if (reply instanceof RuntimeException e) {
                    throw e instanceof JedisDataException d ? d : new JedisDataException(e.getMessage());
                }
                return reply;
            }, index, key -> {
                for (int i = key.position(); i < key.limit(); i++) {
                    if (key.get(i) == 0) {
                        return true;
                    }
                }
                return false;
            });
            nulListed = listed.isPresent();
            keysWithNul = listed.orElse(Set.of());
            if (!nulListed) {
                LOG.warn("Keys with a NUL byte are under the prefixes, which FT.SEARCH INKEYS cannot name, and the "
                        + "server would not list every document of '{}' (MAXSEARCHRESULTS): they are rewritten "
                        + "whether the FILTER admits them or not", index);
            }
        }
        return keysWithNul;
    }

    /**
     * The keys among {@code keys} whose documents the FILTER admits, asked on {@code jedis} ({@link IndexedKeys#held}):
     * all of them when this scope does not narrow.
     */
    public Set<ByteBuffer> admittedAmong(Jedis jedis, List<byte[]> keys) {
        return index == null ? IndexedKeys.buffers(keys) : IndexedKeys.held(jedis, index, keys);
    }

    /** How many documents the FILTER admits now (the throwaway index's num_docs); -1 for every document. */
    public long admittedCount() {
        return index == null ? -1 : new LiveIndexReader(session).read(index).stats().numDocs();
    }

    /** Drops the throwaway index (no DD); a failure is logged (the next apply or rollback of the index drops it). */
    @Override
    public void close() {
        if (index == null) {
            return;
        }
        try {
            session.dropIndexIfPresent(index);
        } catch (RuntimeException e) {
            LOG.warn("Could not drop the throwaway index '{}' ({}); the next apply, rollback, prune or validate of the "
                    + "index drops it (its documents stay: FT.DROPINDEX without DD)", index, e.getMessage());
            return; // the lease runs out by itself, after which the index counts as left behind
        }
        lease.close();
    }
}
