package dev.slipway.internal.rewrite;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.io.JsonProblem;
import dev.slipway.internal.io.PlanCodec;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The on-disk backup of a rewrite:
 *
 * <pre>
 * &lt;dir&gt;/header.json     progress (replaced atomically after every batch)
 * &lt;dir&gt;/originals.bin   append-only records: [int length][payload][int CRC-32], see {@link BackupRecord}
 * &lt;dir&gt;/plan.yaml       the plan, so rollback needs nothing but the directory
 * </pre>
 *
 * Records are fsynced before the documents they describe are changed (written with direct I/O where the file system
 * allows, see {@link RecordAppender}; while a run appends, zeros may pad the file up to the next block boundary, and
 * closing cuts them off); the header is only a progress summary.
 * It is replaced atomically but not forced to disk after each batch: when the directory is opened again the records
 * after the header's {@code dataLength} are read back, every complete one (CRC intact) is counted as backed up (and
 * possibly not yet applied), and the first torn or corrupt one and everything after it is cut off.
 */
public final class BackupDirectory implements AutoCloseable {
    private HeldLock guard = HeldLock.NONE;
    static final String HEADER = "header.json";
    static final String DATA = "originals.bin";
    static final String PLAN = "plan.yaml";

    private final Path dir;
    private final FileChannel data;
    private final boolean directIo;
    private BackupHeader header;
    private RecordAppender appender;
    private boolean held;

    private BackupDirectory(Path dir, FileChannel data, BackupHeader header, boolean directIo) {
        this.dir = dir;
        this.data = data;
        this.header = header;
        this.directIo = directIo;
    }

    /**
     * Opens the backup of a plan: creates it when the directory holds none, resumes it when it holds this plan's.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when it holds another plan's backup
     */
    public static BackupDirectory openForPlan(Path dir, MigrationPlan plan) {
        return openForPlan(dir, plan, true);
    }

    /** As {@link #openForPlan(Path, MigrationPlan)}; {@code directIo} false never tries direct I/O (for tests). */
    static BackupDirectory openForPlan(Path dir, MigrationPlan plan, boolean directIo) {
        Optional<BackupHeader> existing = readHeader(dir);
        if (existing.isPresent() && !existing.get().planId().equals(plan.planId()) && storedPlanIs(dir, plan)) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "The backup header in " + dir + " names plan "
                    + existing.get().planId() + ", but the plan stored beside it is this one (" + plan.planId()
                    + "): the header was edited or replaced. Nothing was changed. Put back a copy of the directory, "
                    + "then re-run the same command.");
        }
        if (existing.isPresent() && !existing.get().planId().equals(plan.planId())) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Backup directory " + dir + " holds the backup of another "
                    + "plan (" + existing.get().planId() + " for index '" + existing.get().index() + "'); nothing was "
                    + "changed. Use an empty directory for this plan, or finish or roll back that one first.");
        }
        existing.filter(h -> h.dataLength() > 0).ifPresent(h -> requireRecords(dir, h));
        try {
            if (existing.isEmpty() && setUpInterrupted(dir, plan)) {
                clearSetUp(dir); // nothing was backed up: begun again from nothing
            }
            Files.createDirectories(dir);
            if (existing.isEmpty()) {
                SlipwayFiles.writePlan(plan, dir.resolve(PLAN));
            }
            FileChannel channel = FileChannel.open(dir.resolve(DATA), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            BackupHeader header = existing.orElseGet(() -> BackupHeader.start(plan.planId(), plan.servedName()));
            BackupDirectory backup = new BackupDirectory(dir, channel, header, directIo);
            if (existing.isEmpty()) {
                backup.writeHeader(header, true);
            } else {
                backup.recoverTailOrClose();
            }
            return backup;
        } catch (IOException e) {
            throw unwritable(dir, e);
        }
    }

    /**
     * Opens an existing backup for rollback. It cuts off a torn tail, so call it only under the index's migration
     * lock: a run that holds it may be appending (find the index with {@link #storedPlan} first).
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when the directory holds no backup
     */
    public static BackupDirectory openExisting(Path dir) {
        BackupHeader header = requireHeader(dir);
        requireRecords(dir, header);
        try {
            FileChannel channel = FileChannel.open(dir.resolve(DATA), StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            BackupDirectory backup = new BackupDirectory(dir, channel, header, false);
            backup.recoverTailOrClose();
            return backup;
        } catch (IOException e) {
            throw unwritable(dir, e);
        }
    }

    /**
     * The plan a backup directory holds, read without opening (or changing) its records.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when the directory holds no backup
     */
    public static MigrationPlan storedPlan(Path dir) {
        requireHeader(dir);
        return readPlan(dir);
    }

    /**
     * Whether {@code dir} holds only what a run stopped while it set this plan's backup up left behind: no header and
     * no record, only an empty records file, the plan (this one, or the start of it, cut short, or empty) and the
     * header's temporary file. Nothing had changed in Redis then (the set-up comes before the first change), and every re-run
     * was refused as "other files" (tester session 51 R44 T1 M2, a kill -9 while the directory was made).
     */
    public static boolean setUpInterrupted(Path dir, MigrationPlan plan) {
        if (!Files.isDirectory(dir) || Files.exists(dir.resolve(HEADER))) {
            return false;
        }
        try (Stream<Path> listed = Files.list(dir)) {
            Set<String> names = listed.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            if (names.isEmpty() || !Set.of(PLAN, DATA, HEADER + ".tmp").containsAll(names)
                    || names.contains(DATA) && Files.size(dir.resolve(DATA)) > 0) {
                return false;
            }
            if (!names.contains(PLAN)) {
                return true;
            }
            String stored = Files.readString(dir.resolve(PLAN), StandardCharsets.UTF_8);
            String written = SlipwayFiles.render(plan, SlipwayFiles.Format.YAML);
            // an empty one too: created, and killed before its first byte (R45)
            return written.startsWith(stored) || storedPlanIs(dir, plan);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Deletes what an interrupted set-up left ({@link #setUpInterrupted}). */
    private static void clearSetUp(Path dir) throws IOException {
        for (String name : List.of(HEADER + ".tmp", DATA, PLAN)) {
            Files.deleteIfExists(dir.resolve(name));
        }
    }

    /** Whether the directory's stored plan is {@code plan} (false when it has none or cannot be read). */
    private static boolean storedPlanIs(Path dir, MigrationPlan plan) {
        try {
            return Files.isRegularFile(dir.resolve(PLAN)) && readPlan(dir).planId().equals(plan.planId());
        } catch (SlipwayException e) {
            return false;
        }
    }

    private static MigrationPlan readPlan(Path dir) {
        return SlipwayFiles.readPlan(dir.resolve(PLAN));
    }

    /**
     * Refuses a backup whose records file is gone: never recreated empty, since the originals of the documents
     * already rewritten would be lost without a word.
     *
     * @throws SlipwayException {@link ErrorCode#MALFORMED_INPUT} when the records file is missing
     */
    public static void requireRecords(Path dir, BackupHeader header) {
        if (!Files.isRegularFile(dir.resolve(DATA))) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "The backup in " + dir + " has a header but no "
                    + DATA + " file (missing, or not a regular file), which holds the original bytes" + (header.documentsBackedUp() > 0 ? " of "
                    + header.documentsBackedUp() + " documents" : "") + "; nothing was changed. Restore the file "
                    + "from wherever the directory was copied or moved from, then re-run the same command.");
        }
    }

    /**
     * The header with the complete records written after it counted in (reading only): a running or killed rewrite's
     * header lags by up to a second of batches; the header itself when none follow, or when they cannot be read.
     */
    public static BackupHeader withRecordsOnDisk(Path dir, BackupHeader header) {
        try {
            return Files.isRegularFile(dir.resolve(DATA))
                    ? RecordTail.recover(dir, header, Files.size(dir.resolve(DATA))) : header;
        } catch (IOException | RuntimeException e) {
            return header; // damaged: apply and rollback say so; status reports the header
        }
    }

    /**
     * Refuses, reading only, a backup whose records after the header's last recorded length are damaged rather than
     * torn ({@link RecordTail}): the same refusal that opening it makes, early enough that a refusing apply has sent
     * nothing to Redis, not even its read-only probes (tester session 28).
     */
    public static void requireIntactTail(Path dir, BackupHeader header) {
        if (!Files.isRegularFile(dir.resolve(DATA))) {
            return; // no record yet (requireRecords refuses a header that counts some)
        }
        try {
            RecordTail.recover(dir, header, Files.size(dir.resolve(DATA)));
        } catch (IOException e) {
            throw unwritable(dir, e);
        }
    }

    private static BackupHeader requireHeader(Path dir) {
        boolean empty = Files.exists(dir.resolve(DATA)) && dataLength(dir) == 0;
        return readHeader(dir).orElseThrow(() -> new SlipwayException(ErrorCode.BAD_USAGE, "No Slipway backup in "
                + dir + " (no " + HEADER + "); nothing was changed. " + (empty ? "It holds what an apply stopped "
                + "while it set the backup up left (an empty " + DATA + "): nothing was backed up, so that apply "
                + "had not rewritten any document. Re-run it to go on, or delete the directory."
                : "Pass the --backup-dir that 'slipway apply' used.")));
    }

    /** The header of a backup directory, if it has one. */
    public static Optional<BackupHeader> readHeader(Path dir) {
        Path file = dir.resolve(HEADER);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(PlanCodec.json().readValue(Files.readString(file), BackupHeader.class));
        } catch (JsonProcessingException e) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read backup header " + file + ": "
                    + JsonProblem.describe(e) + ". Nothing was changed. Do not delete the directory; inspect the "
                    + "file, or put back a copy of the directory.", e);
        } catch (IOException e) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read backup header " + file + ": "
                    + e.getMessage() + ". Do not delete the directory; inspect the file.", e);
        }
    }

    /** The plan stored with the backup. */
    public MigrationPlan plan() {
        return readPlan(dir);
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /** The current header. */
    public BackupHeader header() {
        return header;
    }

    /**
     * Appends a record and forces it to disk; returns the new complete length of the data file (its logical end:
     * while records are appended with direct I/O the file may be padded past it, see {@link RecordAppender}).
     */
    public long append(BackupRecord record) {
        guard.confirmHeld();
        try {
            if (appender == null) {
                appender = RecordAppender.open(dir.resolve(DATA), data.size(), directIo);
            }
            return appender.append(record);
        } catch (IOException e) {
            throw unwritable(dir, e);
        }
    }

    /**
     * Confirms {@code lock} before every append and header write from now on: a process that lost its lock (it
     * stalled past the lease and another one, such as a rollback, took it) writes nothing more into the backup.
     */
    public BackupDirectory guardedBy(HeldLock lock) {
        this.guard = lock;
        return this;
    }

    /** Whether records are written with direct I/O (false before the first append or where it is refused). */
    boolean writesDirectly() {
        return appender != null && appender.direct();
    }

    /** {@link #recoverTail}, closing the records file when it refuses the backup. */
    private void recoverTailOrClose() throws IOException {
        try {
            recoverTail();
        } catch (RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /**
     * Counts the complete records appended after the header was last written (their batches are backed up, maybe not
     * applied) and cuts off a torn tail ({@link RecordTail}).
     */
    private void recoverTail() throws IOException {
        BackupHeader recovered = RecordTail.recover(dir, header, data.size());
        data.truncate(recovered.dataLength()); // appends start at the file's size (RecordAppender writes at positions)
        header = recovered;
    }

    static boolean crcMatches(byte[] payload, int crc) {
        CRC32 check = new CRC32();
        check.update(payload);
        return (int) check.getValue() == crc;
    }

    /**
     * Takes a new header in memory only ({@link #header()} returns it); the next {@link #writeHeader} puts it on
     * disk. For progress that may lag on disk, see {@link #writeHeader(BackupHeader, boolean)}.
     */
    public void holdHeader(BackupHeader newHeader) {
        header = newHeader;
        held = true;
    }

    /** Whether the header in memory is newer than the one on disk. */
    public boolean headerHeld() {
        return held;
    }

    /** Replaces the header atomically and durably. */
    public void writeHeader(BackupHeader newHeader) {
        writeHeader(newHeader, true);
    }

    /**
     * Replaces the header atomically; {@code durable} also forces it to disk. Per-batch progress need not be durable:
     * the records are, and a header that lags behind only makes a resumed run re-apply batches, which changes nothing
     * in documents already rewritten.
     */
    public void writeHeader(BackupHeader newHeader, boolean durable) {
        guard.confirmHeld();
        Path tmp = dir.resolve(HEADER + ".tmp");
        try {
            byte[] json = PlanCodec.json().writeValueAsString(newHeader).getBytes(StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(json));
                if (durable) {
                    channel.force(true);
                }
            }
            try {
                Files.move(tmp, dir.resolve(HEADER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(HEADER), StandardCopyOption.REPLACE_EXISTING);
            }
            header = newHeader;
            held = false;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a header always serialises", e);
        } catch (IOException e) {
            throw unwritable(dir, e);
        }
    }

    /**
     * Checks every record the header counts (length and CRC) by reading the file once, decoding nothing, so that a
     * damaged backup is found before a rollback changes anything rather than half-way through it.
     *
     * @throws SlipwayException {@link ErrorCode#MALFORMED_INPUT} naming the first damaged record
     */
    public void verify() {
        verify("Nothing was changed: a damaged backup is not restored from in part. Keep " + dir + " as it is; if "
                + "you have a copy of it (or of " + DATA + "), put it back and re-run the rollback.");
    }

    /**
     * The same before a resumed rewrite changes anything: its records are the only originals of the documents
     * rewritten so far, and one that cannot be read is refused (exit 2) instead of failing the run part way.
     */
    public void verifyForResume() {
        verify("Nothing was changed by this run: a rewrite is not resumed over a damaged backup, whose records are "
                + "the only originals of the documents rewritten so far. Keep " + dir + " as it is; if you have a "
                + "copy of it (or of " + DATA + "), put it back and re-run the same apply.");
    }

    private void verify(String then) {
        try {
            forEachRecord(Long.MAX_VALUE, record -> { }, false);
        } catch (SlipwayException e) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, e.getMessage().replaceAll("\\.+$", "") + ". "
                    + then, e);
        }
    }

    /**
     * Refuses a backup made by an apply with another key namespace ({@code --namespace}): its lock and checkpoint
     * live there, so a resume or a rollback in {@code namespace} would not see a run still using the backup (tester
     * session 21: a rollback restored while such an apply went on appending, then called itself done).
     *
     * @param command what to re-run, quoted, for the message
     */
    public static void requireNamespace(Path dir, BackupHeader header, String namespace, String command) {
        if (header.keyNamespace() != null && !header.keyNamespace().equals(namespace)) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The backup in " + dir + " was made by an apply with "
                    + "--namespace " + header.keyNamespace() + ", where its lock and checkpoint are; this run uses "
                    + namespace + ", where it would not see that apply if it is still running. Nothing was "
                    + "changed. Re-run " + command + " with --namespace " + header.keyNamespace() + ".");
        }
    }

    /** Reads every complete record in order, one at a time (memory stays at one record). */
    public void forEachRecord(long skip, Consumer<BackupRecord> consumer) {
        forEachRecord(skip, consumer, true);
    }

    /** @param advise whether a damaged record's message says what to do (verify says it in its own words) */
    private void forEachRecord(long skip, Consumer<BackupRecord> consumer, boolean advise) {
        try (InputStream raw = Files.newInputStream(dir.resolve(DATA));
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            long offset = 0;
            long index = 0;
            while (offset < header.dataLength()) {
                int length = in.readInt();
                byte[] payload = new byte[length];
                in.readFully(payload);
                if (!crcMatches(payload, in.readInt())) {
                    throw new IOException("checksum mismatch in record " + (index + 1) + " at byte " + offset);
                }
                offset += length + 8L;
                if (index++ >= skip) {
                    consumer.accept(BackupRecord.decode(payload));
                }
            }
        } catch (EOFException e) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "The backup data in " + dir + " ends before the "
                    + "length its header records; the directory was changed by something else.", e);
        } catch (IOException e) {
            // a damaged file is not mended by re-running, and a rollback refuses it too (tester session 28)
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Cannot read the backup data in " + dir + ": "
                    + e.getMessage() + (advise && e.getMessage() != null
                    && e.getMessage().startsWith("checksum mismatch") ? ". The backup is damaged: keep " + dir
                    + " as it is, put back a copy of it (or of " + DATA + ") if you have one, and re-run the same "
                    + "command; neither a re-run nor a rollback can use it as it is" : ""), e);
        }
    }

    /**
     * Refuses an empty path: it names the current directory, where apply wrote its backup among other files, and the
     * messages after it read "the originals are in ;" (tester session 46 R41 F5).
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE}
     */
    public static void refuseEmpty(Path dir) {
        if (dir.toString().isBlank()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "--backup-dir is empty; nothing was changed. Give the "
                    + "backup's directory by its name (an empty path would be the current directory).");
        }
    }

    /**
     * The failure to write the backup (data or header), with what to do about its cause; the same words for an apply
     * and for a rollback, which both write here (tester session 29: a rollback on a full disk was told to re-run
     * "to resume a started migration", and a read-only mount was told to free disk space).
     */
    static SlipwayException unwritable(Path dir, IOException e) {
        if (e instanceof java.nio.channels.ClosedByInterruptException) { // said "null" (tester session 45 R40 F4)
            return new SlipwayException(ErrorCode.MIGRATION_FAILED, "Stopped writing the backup in " + dir + ": the "
                    + "thread was interrupted (Thread.interrupt), which closes the file it writes. What was written is "
                    + "kept: clear the interrupt and re-run the same command, which continues where it stopped. To "
                    + "stop a run between batches, use its StopSignal instead.", e);
        }
        String reason = e instanceof java.nio.file.NoSuchFileException ? "no such file or directory: " + e.getMessage()
                + " (was the directory deleted or moved while the run wrote it?)" // said only the path (R47 T1 L3)
                : String.valueOf(e.getMessage());
        String lower = reason.toLowerCase(java.util.Locale.ROOT);
        String fix = lower.contains("no space left") || lower.contains("disk quota") ? "Free disk space there"
                : lower.contains("read-only file system") ? "Make the file system writable again"
                : e instanceof java.nio.file.AccessDeniedException || lower.contains("permission denied")
                ? "Give this process write permission there" : "Mend the cause";
        return new SlipwayException(ErrorCode.MIGRATION_FAILED, "Cannot write the backup in " + dir + ": "
                + reason + ". " + fix + ", then re-run the same command: it continues where it stopped (a "
                + "stopped apply can also be undone instead, with 'slipway rollback --backup-dir " + dir + "').", e);
    }

    /** The size of the backup data already in a directory (0 when there is none), for the disk-space check. */
    public static long dataLength(Path dir) {
        try {
            return Files.size(dir.resolve(DATA));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Closes the data file, cutting off the padding direct writes leave past the last record. */
    @Override
    public void close() {
        try {
            if (appender != null) {
                long end = appender.end();
                appender.close();
                if (data.size() > end) {
                    data.truncate(end);
                }
            }
        } catch (IOException e) {
            // the records are durable already; a padded tail is cut off on the next open
        } finally {
            try {
                data.close();
            } catch (IOException e) {
                // closing a read/write channel after force(); nothing left to lose
            }
        }
    }
}
