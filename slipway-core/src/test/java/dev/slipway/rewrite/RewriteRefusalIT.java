package dev.slipway.rewrite;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.plan.MigrationPlanner;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.call;
import static dev.slipway.rewrite.RewriteFixture.expectedHash;
import static dev.slipway.rewrite.RewriteFixture.hash;
import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.indexes;
import static dev.slipway.rewrite.RewriteFixture.jsons;
import static dev.slipway.rewrite.RewriteFixture.keys;
import static dev.slipway.rewrite.RewriteFixture.knn;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static dev.slipway.rewrite.RewriteFixture.vectorType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Everything a rewrite must refuse, and the documents it must leave alone: each refusal before any change is
 * checked to have changed nothing (index, every document's bytes, Slipway's own keys, the backup directory).
 */
@ExtendWith(RedisStackExtension.class)
class RewriteRefusalIT {
    private static final int DOCS = 200;
    private static final long SEED = 7;
    private static final String LOSSY_COMBINED = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + "  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n  index:\n    prefix: 'item:'\n";

    private static ApplyOptions options(Path backup) {
        return ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true).withThroughput(50, 2, 0, 3);
    }

    /** Creates (or resets) the ACL user {@code name} with password "pw", every channel and these rules; its facade. */
    private static Slipway asUser(Jedis jedis, RedisStackServer redis, String name, String... rules) {
        java.util.List<String> args = new java.util.ArrayList<>(List.of("SETUSER", name, "on", ">pw", "&*"));
        args.addAll(List.of(rules));
        jedis.sendCommand(RedisStackServer.command("ACL"), args.toArray(String[]::new));
        return user(redis, name);
    }

    /** A facade connected as the ACL user {@code name} (password "pw"). */
    private static Slipway user(RedisStackServer redis, String name) {
        return Slipway.configure().url("redis://" + name + ":pw@127.0.0.1:" + redis.port()).load();
    }

    private static TreeMap<String, TreeMap<String, String>> source(Jedis jedis, Slipway slipway,
                                                                    VectorDataType type) {
        return RewriteFixture.hashDocs(jedis, slipway, type, DOCS, SEED);
    }

    /** The documents before, the backup directory and the documents after a whole migration. */
    private record Migrated(TreeMap<String, TreeMap<String, String>> before, Path backup,
                            TreeMap<String, TreeMap<String, String>> migrated) {
    }

    /** Loads the source documents and applies {@link #LOSSY_COMBINED} with a backup under {@code dir}. */
    private static Migrated migrate(Jedis jedis, Slipway slipway, Path dir) {
        TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
        Path backup = dir.resolve("backup");
        slipway.apply(plan(slipway, "docs", dir, LOSSY_COMBINED), options(backup));
        return new Migrated(before, backup, hashes(jedis, "item:*"));
    }

    private static java.util.List<String> indexNames(Jedis jedis) {
        return ((java.util.List<?>) call(jedis, "FT._LIST")).stream()
                .map(name -> new String((byte[]) name, java.nio.charset.StandardCharsets.UTF_8)).sorted().toList();
    }

    /**
     * Two vector attributes over one hash field ({@code emb AS emb}, {@code emb AS v2}): converting one alone would
     * leave the other reading float16 bytes as float32 (every document failed); both to float16 converts the field
     * once, and the rollback gives the float32 bytes back (tester session 55 R49 T2 F1: float16 and bfloat16 exited 0
     * with one attribute indexing wrong vectors).
     */
    @Test
    void aFieldTwoAttributesReadIsConvertedOnlyWhenBothChangeAlike(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            call(jedis, "FT.CREATE", "docs", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "title", "TEXT", "emb",
                    "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", RewriteFixture.DIMS, "DISTANCE_METRIC", "COSINE",
                    "emb", "AS", "v2", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", RewriteFixture.DIMS,
                    "DISTANCE_METRIC", "L2");
            RewriteFixture.loadHash(jedis, "doc:", DOCS, VectorDataType.FLOAT32, SEED);
            RewriteFixture.waitIndexed(slipway, "docs");
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");

            MigrationPlan one = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            assertThat(one.supported()).isFalse();
            assertThat(one.blockedReasons()).singleElement().asString().contains("'v2' (a FLOAT32 vector of "
                    + RewriteFixture.DIMS + " dims) also reads");

            MigrationPlan both = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16
                    + "    - name: v2\n      attrs: {datatype: float16}\n");
            assertThat(both.rewrite().orElseThrow().conversions()).hasSize(1);
            MigrationReport report = slipway.apply(both, options(dir.resolve("backup")));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(hash(jedis, "doc:3")).isEqualTo(expectedHash(before.get("doc:3"), Map.of(), "emb",
                    VectorDataType.FLOAT32, VectorDataType.FLOAT16));
            assertThat(vectorType(jedis, "docs", "v2")).isEqualTo("FLOAT16");

            slipway.rollbackFromBackup(dir.resolve("backup"), 2);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /** The index, its schema, every document and Slipway's key space are as before. */
    private static void assertNothingChanged(Jedis jedis, Slipway slipway, IndexSchema schema,
                                             Map<String, TreeMap<String, String>> before) {
        assertThat(slipway.describe("docs").schema()).isEqualTo(schema);
        assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        assertThat(keys(jedis, "item:*")).isEmpty();
        assertThat(keys(jedis, "slipway:*")).isEmpty();
    }

    @Test
    void withoutBackupDirIsBadUsageAndChangesNothing(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            assertThat(plan.supported()).isTrue();

            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan,
                    ApplyOptions.DEFAULTS.withAcceptDataLoss(true)), SlipwayException.class);

            assertThat(e).isNotNull().isNotInstanceOf(MigrationFailedException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("--backup-dir").contains("nothing was changed");
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
        }
    }

    /**
     * A user whose ACL refuses a command the rewrite sends (here HDEL, or any key under the new prefix) is refused
     * before anything changes: the commands are only queued in a MULTI that is discarded. Before, the index was
     * dropped and a batch rewritten before the first refusal. One who may not FT.DROPINDEX no longer leaves the
     * schema probe's index behind.
     */
    @Test
    void applyAsAUserWhoMayNotRunWhatThePlanSendsIsRefusedBeforeAnyChange(RedisStackServer redis,
                                                                         @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            java.util.List<String> indexes = indexNames(jedis);
            Map<String, String> users = Map.of(
                    "nohdel", "+@all -hdel", "nodrop", "+@all -ft.dropindex", "docsonly", "+@all");
            for (Map.Entry<String, String> user : users.entrySet()) {
                java.util.List<String> rules = new java.util.ArrayList<>(List.of(
                        user.getKey().equals("docsonly") ? "~doc:*" : "~*"));
                if (user.getKey().equals("docsonly")) { // Search checks index names as keys
                    rules.addAll(List.of("~slipway:*", "~docs", "~slipway-probe:*"));
                }
                rules.addAll(List.of(user.getValue().split(" ")));
                Slipway restricted = asUser(jedis, redis, user.getKey(), rules.toArray(String[]::new));

                SlipwayException e = catchThrowableOfType(() -> restricted.apply(plan, options(dir.resolve(
                        "backup-" + user.getKey()))), SlipwayException.class);

                assertThat(e).as(user.getKey()).isNotNull().isNotInstanceOf(MigrationFailedException.class);
                assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.PERMISSION_DENIED);
                assertThat(e.exitCode()).isEqualTo(2);
                assertThat(e.getMessage()).contains("nothing was changed", switch (user.getKey()) {
                    case "nohdel" -> "HDEL doc:";
                    case "nodrop" -> "FT.DROPINDEX docs";
                    default -> "item:";
                });
                assertNothingChanged(jedis, slipway, plan.source().schema(), before);
                assertThat(indexNames(jedis)).as("no probe index left").isEqualTo(indexes);
                assertThat(dir.resolve("backup-" + user.getKey())).doesNotExist();
            }
        }
    }

    /**
     * A user whose key patterns cover the documents as they are named ({@code doc:<digits>}, and {@code item:<digits>}
     * after the move), not every key under the prefixes, is not refused: the probe names keys like the documents'
     * (tester session 29 R6 M6: it named {@code doc:slipway-permission-probe:<uuid>} and refused such a user).
     */
    @Test
    void aUserWhoseKeyPatternsCoverTheDocumentsMayApply(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            Slipway numbered = asUser(jedis, redis, "numbered", "~doc:[0-9]*", "~item:[0-9]*", "~slipway:*", "~docs",
                    "~slipway-probe:*", "+@all");

            MigrationReport report = numbered.apply(plan, options(dir.resolve("backup")));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(keys(jedis, "item:*")).hasSize(DOCS);
        }
    }

    /**
     * A backup directory that cannot be created is refused with the system's reason, before anything changes; under
     * /proc, which a root process may write but where no directory can be made, it used to be refused as "0 B free"
     * (tester session 34 R18 F5). Under a regular file, the parent's permissions said nothing either.
     */
    @Test
    void aBackupDirectoryThatCannotBeCreatedIsRefusedWithTheReason(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            Path file = Files.writeString(dir.resolve("a-file"), "x");
            for (Path backup : List.of(Path.of("/proc/slipway-nope/backup"), file.resolve("backup"))) {
                if (backup.startsWith("/proc") && !Files.isWritable(Path.of("/proc"))) {
                    continue; // not root: the parent's permissions refuse it already
                }
                SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                        SlipwayException.class);

                assertThat(e).as(backup.toString()).isNotNull();
                // a file that cannot be written, as --report-out's is (tester session 45 R40 F9: BAD_USAGE)
                assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.FILE_UNWRITABLE);
                assertThat(e.getMessage()).contains("--backup-dir " + backup + " cannot be", "nothing was changed")
                        .doesNotContain("B free");
            }
            SlipwayException aFile = catchThrowableOfType(() -> slipway.apply(plan, options(file)),
                    SlipwayException.class);
            assertThat(aFile.code()).isEqualTo(ErrorCode.FILE_UNWRITABLE);
            assertThat(aFile.getMessage()).contains("--backup-dir " + file + " is a file, not a directory");
            // an empty path is the current directory: refused, not written among its files (R41 F5)
            for (Runnable empty : List.<Runnable>of(() -> slipway.apply(plan, options(Path.of(""))),
                    () -> slipway.rollbackFromBackup(Path.of(""), 1))) {
                SlipwayException refused = catchThrowableOfType(empty::run, SlipwayException.class);
                assertThat(refused.code()).isEqualTo(ErrorCode.BAD_USAGE);
                assertThat(refused.getMessage()).startsWith("--backup-dir is empty; nothing was changed.");
            }
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
        }
    }

    /**
     * A rewrite the server cannot give its connections (maxclients) is refused before anything changes; it used to
     * drop the index and then fail to open its workers (tester session 29 R6 M2).
     */
    @Test
    void aRewriteBeyondMaxclientsIsRefusedBeforeAnyChange(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            long connected = Long.parseLong(jedis.info("clients").lines()
                    .filter(l -> l.startsWith("connected_clients:")).findFirst().orElseThrow().split(":")[1].trim());
            jedis.configSet("maxclients", Long.toString(connected + 3)); // Slipway's session, and two more
            try {
                SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(dir.resolve("backup"))),
                        SlipwayException.class);

                assertThat(e).isNotNull().isNotInstanceOf(MigrationFailedException.class);
                assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.BAD_USAGE);
                assertThat(e.getMessage()).contains("The server allows " + (connected + 3) + " clients",
                        "the rewrite needs 5 more (2 workers, a write-watch listener for each, and a reader)",
                        "Nothing was changed", "maxclients");
            } finally {
                jedis.configSet("maxclients", "10000");
            }
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
            assertThat(dir.resolve("backup")).doesNotExist();
        }
    }

    /**
     * A user refused MULTI, which the up-front check of every command needs (and some writes), is refused like a user
     * refused any other command: exit 2, nothing changed, what to grant; and a user refused PING is told so, not that
     * the server cannot be reached (tester session 52 R46 T2 F1, F2: "Redis rejected MULTI" and "Cannot connect ...
     * Check that the server is running", both exit 1).
     */
    @Test
    void aUserRefusedMultiOrPingIsToldWhatToGrantWithNothingChanged(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            Slipway noMulti = asUser(jedis, redis, "nomulti", "~*", "+@all", "-multi");
            Slipway noPing = asUser(jedis, redis, "noping", "~*", "+@all", "-ping");

            SlipwayException multi = catchThrowableOfType(() -> noMulti.apply(plan, options(dir.resolve("b1"))),
                    SlipwayException.class);
            SlipwayException ping = catchThrowableOfType(() -> noPing.listIndexes(), SlipwayException.class);

            assertThat(multi.code()).as(multi.getMessage()).isEqualTo(ErrorCode.PERMISSION_DENIED);
            assertThat(multi.exitCode()).isEqualTo(2);
            assertThat(multi.getMessage()).contains("may not run MULTI", "Nothing was changed",
                    "ACL SETUSER <user> +multi +exec +discard");
            assertThat(ping.code()).as(ping.getMessage()).isEqualTo(ErrorCode.PERMISSION_DENIED);
            assertThat(ping.getMessage()).contains("refuses PING to this user", "+ping")
                    .doesNotContain("Check that the server is running");
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
            assertThat(dir.resolve("b1")).doesNotExist();
        }
    }

    /**
     * In a database whose hash fields have expiries of their own, a hash rewrite reads and sets them
     * (HPEXPIRETIME, HPEXPIREAT): a user who may not is refused before any change. Without such fields the same
     * user may apply, since nothing of the kind is sent.
     */
    @Test
    void applyAsAUserWhoMayNotKeepFieldExpiriesIsRefusedOnlyWhereThereAreAny(RedisStackServer redis,
                                                                           @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            jedis.sendCommand(RedisStackServer.command("HPEXPIRE"), "doc:3", "3600000", "FIELDS", "1", "note");
            for (String command : List.of("hpexpiretime", "hpexpireat")) {
                Slipway restricted = asUser(jedis, redis, "no" + command, "~*", "+@all", "-" + command);

                SlipwayException e = catchThrowableOfType(() -> restricted.apply(plan, options(dir.resolve(
                        "backup-" + command))), SlipwayException.class);

                assertThat(e).as(command).isNotNull();
                assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.PERMISSION_DENIED);
                assertThat(e.getMessage()).contains("nothing was changed", command.toUpperCase() + " doc:");
                assertNothingChanged(jedis, slipway, plan.source().schema(), before);
            }
            // stored again without the expiry (HPERSIST would leave the key counted in INFO's subexpiry)
            Map<byte[], byte[]> fields = jedis.hgetAll(RewriteFixture.bytes("doc:3"));
            jedis.del("doc:3");
            jedis.hset(RewriteFixture.bytes("doc:3"), fields);
            MigrationReport report = user(redis, "nohpexpiretime").apply(plan, options(dir.resolve("backup")));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        }
    }

    /**
     * A rollback refuses a backup whose header or plan was edited, before any change: a header saying records were
     * restored made it skip them (and report every document restored), and an edited plan.yaml recreated another
     * index than the source.
     */
    @Test
    void rollbackOfAnEditedBackupIsRefusedBeforeAnyChange(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            Migrated m = migrate(jedis, slipway, dir);
            Path header = m.backup().resolve("header.json");
            Path planFile = m.backup().resolve("plan.yaml");
            String headerText = Files.readString(header);
            String planText = Files.readString(planFile);
            assertThat(headerText).contains("\"records_restored\" : 0");
            assertThat(planText).contains("'doc:'");
            Map<Path, String> edits = Map.of(header, headerText.replace("\"records_restored\" : 0",
                    "\"records_restored\" : 2"), planFile, planText.replace("'doc:'", "'zzz:'"));

            for (Map.Entry<Path, String> edit : edits.entrySet()) {
                Files.writeString(edit.getKey(), edit.getValue());

                SlipwayException e = catchThrowableOfType(() -> slipway.rollbackFromBackup(m.backup(), 1),
                        SlipwayException.class);

                assertThat(e).as(edit.getKey().toString()).isNotNull();
                assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.MALFORMED_INPUT);
                assertThat(e.getMessage()).containsIgnoringCase("nothing was changed");
                assertThat(hashes(jedis, "item:*")).isEqualTo(m.migrated());
                assertThat(slipway.describe("docs").schema().prefixes()).containsExactly("item:");
                Files.writeString(header, headerText);
                Files.writeString(planFile, planText);
            }
            slipway.rollbackFromBackup(m.backup(), 1);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(m.before());
        }
    }

    /**
     * A rollback from a copy of the backup, while the directory the migration's checkpoint names still holds it, is
     * refused with nothing changed, as apply refuses it (tester session 35 R19 M2: a copy taken part way left 11,449
     * of 20,000 documents migrated and the checkpoint deleted). Once that directory is moved away, the copy is taken.
     */
    @Test
    void rollbackFromACopyOfTheBackupIsRefusedWhileTheRecordedOneHoldsIt(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            Migrated m = migrate(jedis, slipway, dir);
            Path copy = Files.createDirectory(dir.resolve("copy"));
            try (java.util.stream.Stream<Path> files = Files.list(m.backup())) {
                for (Path file : files.toList()) {
                    Files.copy(file, copy.resolve(file.getFileName()));
                }
            }

            SlipwayException e = catchThrowableOfType(() -> slipway.rollbackFromBackup(copy, 1),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.getMessage()).contains("This migration's backup is in " + m.backup().toAbsolutePath()
                    .normalize(), "Nothing was changed", "'slipway rollback --backup-dir " + m.backup().toAbsolutePath()
                    .normalize() + "'");
            assertThat(hashes(jedis, "item:*")).isEqualTo(m.migrated());
            assertThat(slipway.describe("docs").schema().prefixes()).containsExactly("item:");
            Files.move(m.backup(), dir.resolve("moved-away"));
            slipway.rollbackFromBackup(copy, 1);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(m.before());
        }
    }

    /** A rollback by a user who may not move keys back is refused before it drops the migrated index. */
    @Test
    void rollbackAsAUserWhoMayNotMoveKeysBackIsRefusedBeforeAnyChange(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            Migrated m = migrate(jedis, slipway, dir);
            IndexSchema schema = slipway.describe("docs").schema();
            Slipway restricted = asUser(jedis, redis, "norename", "~*", "+@all", "-renamenx");

            SlipwayException e = catchThrowableOfType(() -> restricted.rollbackFromBackup(m.backup(), 1),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
            assertThat(e.getMessage()).contains("RENAMENX", "nothing was changed");
            assertThat(slipway.describe("docs").schema()).isEqualTo(schema);
            assertThat(hashes(jedis, "item:*")).isEqualTo(m.migrated());
            assertThat(BackupDirectory.readHeader(m.backup()).orElseThrow().phase())
                    .isEqualTo(BackupHeader.Phase.REWRITTEN);
        }
    }

    /**
     * Indexes are global, so a URL that selects another database reads the index as if nothing were wrong; the
     * documents are in database 0, where the server keeps every index. Refused as bad input, naming the database.
     */
    @Test
    void applyThroughAnotherDatabaseIsBadUsageAndChangesNothing(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);

            SlipwayException e = catchThrowableOfType(() -> Slipway.configure().url(redis.url() + "/1").load()
                    .apply(plan, options(dir.resolve("backup"))), SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("selects database 1", "Nothing was changed", "without /1");
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
            // a database the server does not have is the URL's fault too, not an unreachable server (tester R30 F11)
            SlipwayException missing = catchThrowableOfType(() -> Slipway.configure().url(redis.url() + "/99").load()
                    .apply(plan, options(dir.resolve("backup"))), SlipwayException.class);
            assertThat(missing).isNotNull();
            assertThat(missing.exitCode()).isEqualTo(2);
            assertThat(missing.getMessage()).contains("has no database 99", "Nothing was changed");
            // the rollback likewise: through database 1 it found every document gone and dropped the new index
            slipway.apply(plan, options(dir.resolve("backup")));
            TreeMap<String, TreeMap<String, String>> migrated = hashes(jedis, "item:*");
            IndexSchema target = slipway.describe("docs").schema();
            SlipwayException rollback = catchThrowableOfType(() -> Slipway.configure().url(redis.url() + "/1")
                    .load().rollbackFromBackup(dir.resolve("backup"), 1), SlipwayException.class);
            assertThat(rollback).isNotNull();
            assertThat(rollback.exitCode()).isEqualTo(2);
            assertThat(rollback.getMessage()).contains("selects database 1");
            assertThat(hashes(jedis, "item:*")).isEqualTo(migrated);
            assertThat(slipway.describe("docs").schema()).isEqualTo(target);
            jedis.select(1);
            assertThat(jedis.dbSize()).isZero();
        }
    }

    @Test
    void lossyWithoutAcceptDataLossNeedsConfirmationAndChangesNothing(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            Path backup = dir.resolve("backup");

            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan,
                    ApplyOptions.DEFAULTS.withBackupDir(backup)), SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("--accept-data-loss").contains("('emb' float32 -> float16)");
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
            assertThat(backup).doesNotExist();
        }
    }

    /**
     * A resume with another --backup-dir than the migration started with is bad usage, naming the recorded one;
     * while another process holds the migration's lock, though, the run says that first (tester session 38 R25 F4: a
     * second apply beside a running one was sent to "resume it with the same directory", and that run then met the
     * lock).
     */
    @Test
    void aResumeWithAnotherBackupDirIsRefusedAndALockHeldIsSaidFirst(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            Path started = dir.resolve("backup");
            Crashes.applyAndCrashAt(redis.url(), plan, options(started), "before", "rewrite-documents");
            Path other = dir.resolve("other");

            SlipwayException wrongDir = catchThrowableOfType(() -> slipway.apply(plan, options(other)),
                    SlipwayException.class);
            String owner = "another-host/pid 4242 since 2026-01-01T00:00:00Z plan " + plan.planId();
            jedis.set("slipway:lock:docs", owner, SetParams.setParams().px(60_000));
            SlipwayException held = catchThrowableOfType(() -> slipway.apply(plan, options(other)),
                    SlipwayException.class);
            // the CLI checks before it asks for confirmation, then applies (tester R26 F-A: its check said "resume")
            SlipwayException checked = catchThrowableOfType(() -> slipway.check(plan, options(other)),
                    SlipwayException.class);

            assertThat(wrongDir).isNotNull();
            assertThat(wrongDir.exitCode()).isEqualTo(2);
            assertThat(wrongDir.getMessage()).contains("was started with --backup-dir", "resume it with the same "
                    + "directory");
            assertThat(held).isInstanceOf(dev.slipway.api.LockHeldException.class);
            assertThat(held.exitCode()).isEqualTo(1);
            assertThat(held.getMessage()).startsWith("Another migration of 'docs' is running").contains(owner);
            assertThat(checked).isInstanceOf(dev.slipway.api.LockHeldException.class);
            assertThat(checked.getMessage()).startsWith("Another migration of 'docs' is running").contains(owner);
            assertThat(jedis.get("slipway:lock:docs")).isEqualTo(owner);
            assertThat(java.nio.file.Files.exists(other)).isFalse();
        }
    }

    @Test
    void backupDirHoldingAnotherPlansBackupIsRefused(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            RewriteFixture.createHashIndex(jedis, "other", "oth:", VectorDataType.FLOAT32);
            RewriteFixture.loadHash(jedis, "oth:", 20, VectorDataType.FLOAT32, 99);
            RewriteFixture.waitIndexed(slipway, "other");
            Path backup = dir.resolve("backup");
            MigrationPlan otherPlan = plan(slipway, "other", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            slipway.apply(otherPlan, options(backup));
            BackupHeader otherHeader = BackupDirectory.readHeader(backup).orElseThrow();

            MigrationPlan plan = plan(slipway, "docs", dir, LOSSY_COMBINED);
            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains(otherPlan.planId());
            assertThat(slipway.describe("docs").schema()).isEqualTo(plan.source().schema());
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(keys(jedis, "item:*")).isEmpty();
            assertThat(BackupDirectory.readHeader(backup).orElseThrow()).isEqualTo(otherHeader);
        }
    }

    /**
     * A backup made by an apply with another key namespace is refused by a rollback (or apply) in this one, which
     * would not see that apply's lock (tester, session 21: such a rollback restored while the apply went on
     * appending to the backup, then called itself done with thousands of documents still rewritten).
     */
    @Test
    void aBackupOfAnotherNamespaceIsRefusedByRollbackAndApply(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Slipway ns2 = Slipway.configure().url(redis.url()).keyNamespace("ns2:").load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(ns2, "docs", dir, LOSSY_COMBINED);
            Path backup = dir.resolve("backup");
            ns2.apply(plan, options(backup));
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().keyNamespace()).isEqualTo("ns2:");
            TreeMap<String, TreeMap<String, String>> migrated = hashes(jedis, "item:*");

            SlipwayException rollback = catchThrowableOfType(() -> slipway.rollbackFromBackup(backup, 1),
                    SlipwayException.class);
            SlipwayException apply = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    SlipwayException.class);
            // a plan made before plans recorded their namespace runs under any: the backup's namespace refuses it
            SlipwayException older = catchThrowableOfType(() -> slipway.apply(withoutNamespace(plan),
                    options(backup)), SlipwayException.class);

            assertThat(rollback.exitCode()).isEqualTo(2);
            assertThat(rollback.getMessage()).contains("was made by an apply with --namespace ns2:", "Nothing was "
                    + "changed", "Re-run the rollback with --namespace ns2:");
            assertThat(apply.exitCode()).isEqualTo(2);
            assertThat(apply.getMessage()).contains("The plan for 'docs' was made with --namespace ns2:",
                    "Re-run 'slipway apply' with --namespace ns2:");
            assertThat(older.exitCode()).isEqualTo(2);
            assertThat(older.getMessage()).contains("The backup in", "was made by an apply with --namespace ns2:",
                    "Re-run 'slipway apply' with --namespace ns2:");
            assertThat(hashes(jedis, "item:*")).isEqualTo(migrated);
            assertThat(keys(jedis, "slipway:*")).isEmpty();

            ns2.rollbackFromBackup(backup, 1);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(keys(jedis, "ns2:*")).as("the rollback in the apply's namespace cleans it").isEmpty();
        }
    }

    /** The plan as an earlier Slipway made it, without its key namespace (and review digest), under a valid id. */
    private static MigrationPlan withoutNamespace(MigrationPlan p) {
        MigrationPlan draft = new MigrationPlan(p.formatVersion(), "", p.createdAt(), p.source(), p.requestedPatch(),
                p.targetSchema(), p.changes(), p.supported(), p.blockedReasons(), p.mode(), p.modeReason(),
                p.warnings(), p.steps(), p.estimate(), p.validation(), p.rewrite());
        return new MigrationPlan(p.formatVersion(), MigrationPlanner.planId(draft), p.createdAt(), p.source(),
                p.requestedPatch(), p.targetSchema(), p.changes(), p.supported(), p.blockedReasons(), p.mode(),
                p.modeReason(), p.warnings(), p.steps(), p.estimate(), p.validation(), p.rewrite());
    }

    /**
     * A key namespace under the prefix the documents move to is refused as such (tester, session 21: the conflict
     * check found Slipway's own lock key there and told the user to move or delete "their" keys).
     */
    @Test
    void aNamespaceUnderTheNewPrefixIsRefusedAsSuch(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Slipway underNewPrefix = Slipway.configure().url(redis.url()).keyNamespace("item:").load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(underNewPrefix, "docs", dir, LOSSY_COMBINED);

            SlipwayException refused = catchThrowableOfType(() -> underNewPrefix.apply(plan,
                    options(dir.resolve("backup"))), SlipwayException.class);

            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("The key namespace 'item:' puts Slipway's own keys (such as "
                    + "item:lock:docs) under 'item:', the prefix this plan moves the documents to; nothing was "
                    + "changed. Choose a --namespace outside").doesNotContain("Keys already exist");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(keys(jedis, "item:*")).isEmpty();
            assertThat(indexes(jedis)).containsExactly("docs");
            // the plan made in that namespace says so before anyone tries (tester session 22: only apply did)
            assertThat(plan(slipway, "docs", dir, LOSSY_COMBINED).warnings()).noneMatch(w -> w.contains(
                    "key namespace"));
            assertThat(plan.warnings()).anyMatch(w -> w.contains(
                    "Slipway's key namespace 'item:' puts its own keys (such as item:lock:docs) under the new key "
                            + "prefix, so apply refuses to run with it"));
        }
    }

    /** Zero-downtime asked for a rewrite is blocked, and the plan says so rather than "requested" drop-recreate. */
    @Test
    void zeroDowntimeRequestedForARewriteIsBlockedAndSaysWhy(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = slipway.plan(PlanRequest.patch("docs", RewriteFixture.patch(dir, LOSSY_COMBINED))
                    .withMode(dev.slipway.api.plan.MigrationMode.ZERO_DOWNTIME));

            assertThat(plan.supported()).isFalse();
            assertThat(plan.blockedReasons()).anyMatch(r -> r.contains("zero-downtime does not cover document "
                    + "rewrites yet"));
            assertThat(plan.modeReason()).isEqualTo("--mode zero-downtime was requested, but it does not cover "
                    + "document rewrites yet (blocked)");
        }
    }

    @Test
    void rollbackFromADirectoryWithoutBackupIsBadUsage(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        SlipwayException e = catchThrowableOfType(() -> slipway.rollbackFromBackup(dir, 1), SlipwayException.class);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(e.exitCode()).isEqualTo(2);
    }

    @Test
    void sharedKeysBlockARewriteUnlessAllowed(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            call(jedis, "FT.CREATE", "titles", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "title", "TEXT");
            call(jedis, "FT.CREATE", "special", "ON", "HASH", "PREFIX", "1", "doc:1", "SCHEMA", "tag", "TAG");
            call(jedis, "FT.CREATE", "elsewhere", "ON", "HASH", "PREFIX", "1", "zzz:", "SCHEMA", "tag", "TAG");
            call(jedis, "FT.CREATE", "jsonsame", "ON", "JSON", "PREFIX", "1", "doc:", "SCHEMA", "$.t", "AS", "t",
                    "TAG");

            MigrationPlan blocked = plan(slipway, "docs", dir, LOSSY_COMBINED);

            assertThat(blocked.supported()).isFalse();
            assertThat(blocked.source().sharedKeyIndexes()).containsExactlyInAnyOrder("titles", "special");
            assertThat(blocked.blockedReasons()).anyMatch(r -> r.contains("titles") && r.contains("special")
                    && r.contains("--allow-shared-keys"));
            SlipwayException e = catchThrowableOfType(() -> slipway.apply(blocked, options(dir.resolve("b0"))),
                    SlipwayException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_CHANGE);
            assertThat(e.exitCode()).isEqualTo(2);

            // an index-only change does not touch documents, so sharing keys does not matter
            MigrationPlan indexOnly = plan(slipway, "docs", dir,
                    "  update_fields:\n    - name: title\n      attrs: {sortable: true}\n");
            assertThat(indexOnly.supported()).isTrue();
            assertThat(indexOnly.rewrite()).isEmpty();

            MigrationPlan allowed = slipway.plan(PlanRequest.patch("docs", RewriteFixture.patch(dir,
                    LOSSY_COMBINED)).withAllowSharedKeys(true));
            assertThat(allowed.supported()).isTrue();
            assertThat(allowed.blockedReasons()).isEmpty();
            assertThat(allowed.warnings()).anyMatch(w -> w.contains("titles") && w.contains("special")
                    && w.contains("--allow-shared-keys"));
            MigrationReport report = slipway.apply(allowed, options(dir.resolve("backup")));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(keys(jedis, "item:*")).hasSize(DOCS);
        }
    }

    /**
     * Only the other indexes over the keys that read a field the rewrite changes (or whose hash FILTER may) block it:
     * an index of the titles and tags is left as it is by a conversion of the vector, and is named as unaffected
     * (tester session 52 R46 T2 F9: blocked, saying it "would drop or fail those documents").
     */
    @Test
    void anIndexThatReadsNoneOfTheRewrittenFieldsDoesNotBlockIt(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            call(jedis, "FT.CREATE", "titles", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "title", "TEXT", "tag",
                    "AS", "t", "TAG");

            MigrationPlan plan = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);

            assertThat(plan.supported()).as("%s", plan.blockedReasons()).isTrue();
            assertThat(plan.source().sharedKeyIndexes()).isEmpty();
            assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).startsWith("Indexes [titles] cover keys of "
                    + "'docs' too, but read none of the fields this rewrite changes"));
            MigrationReport report = slipway.apply(plan, options(dir.resolve("backup")));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(slipway.describe("titles").numDocs()).as("the other index still holds every document")
                    .isEqualTo(before.size());

            // one that reads the vector under another name, or filters by hash fields, still blocks it; one
            // created after the plan was made is refused by apply, with nothing changed
            MigrationPlan toFloat64 = plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n      attrs: "
                    + "{datatype: float64}\n");
            assertThat(toFloat64.supported()).isTrue();
            call(jedis, "FT.CREATE", "vectors", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "emb", "AS", "v",
                    "VECTOR", "FLAT", "6", "TYPE", "FLOAT16", "DIM", "8", "DISTANCE_METRIC", "L2");
            call(jedis, "FT.CREATE", "filtered", "ON", "HASH", "PREFIX", "1", "doc:", "FILTER", "@price > 0",
                    "SCHEMA", "title", "TEXT");
            MigrationPlan back = plan(slipway, "docs", dir, "  update_fields:\n    - name: emb\n      attrs: "
                    + "{datatype: float32}\n");
            assertThat(back.supported()).isFalse();
            assertThat(back.source().sharedKeyIndexes()).containsExactly("filtered", "vectors");
            TreeMap<String, TreeMap<String, String>> converted = hashes(jedis, "doc:*");
            StalePlanException stale = catchThrowableOfType(() -> slipway.apply(toFloat64, options(dir.resolve(
                    "b2"))), StalePlanException.class);
            assertThat(stale).isNotNull();
            assertThat(stale.exitCode()).isEqualTo(2);
            assertThat(stale.getMessage()).startsWith("Since the plan was made, indexes [filtered, vectors] cover "
                    + "keys of 'docs' and read what the rewrite changes").contains("Nothing was changed");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(converted);
            assertThat(dir.resolve("b2")).doesNotExist();
        }
    }

    /**
     * Moving keys into a prefix another index covers changes what that index holds just as much as rewriting
     * shared keys does, so it needs the same refusal.
     */
    @Test
    void movingKeysIntoAnotherIndexsPrefixIsBlocked(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            call(jedis, "FT.CREATE", "items", "ON", "HASH", "PREFIX", "1", "item:", "SCHEMA", "title", "TEXT");

            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");

            assertThat(plan.supported()).isFalse();
            assertThat(plan.blockedReasons()).anyMatch(r -> r.contains("items"));
        }
    }

    @Test
    void sameWidthConversionIsBlocked(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT16);
            MigrationPlan plan = plan(slipway, "docs", dir,
                    "  update_fields:\n    - name: emb\n      attrs: {datatype: bfloat16}\n");

            assertThat(plan.supported()).isFalse();
            assertThat(plan.changes()).anyMatch(c -> c.kind() == ChangeKind.CHANGE_VECTOR_DATATYPE && !c.supported()
                    && c.reason().contains("same width"));
            assertThat(plan.rewrite()).isEmpty();
            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(dir.resolve("backup"))),
                    SlipwayException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_CHANGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
            assertThat(dir.resolve("backup")).doesNotExist();
        }
    }

    @Test
    void jsonVectorDatatypeChangeIsIndexOnly(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createJsonIndex(jedis, "jdocs", "jdoc:");
            RewriteFixture.loadJson(jedis, "jdoc:", DOCS, SEED);
            RewriteFixture.waitIndexed(slipway, "jdocs");
            TreeMap<String, JsonNode> before = jsons(jedis, "jdoc:*");
            MigrationPlan plan = plan(slipway, "jdocs", dir, RewriteFixture.EMB_TO_FLOAT16);

            assertThat(plan.supported()).isTrue();
            assertThat(plan.rewrite()).isEmpty();
            assertThat(plan.changes()).anyMatch(c -> c.kind() == ChangeKind.CHANGE_VECTOR_DATATYPE && c.supported());
            assertThat(plan.steps()).noneMatch(s -> s.kind() == StepKind.REWRITE_DOCUMENTS);

            // neither --backup-dir nor --accept-data-loss: the documents keep their numbers
            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jsons(jedis, "jdoc:*")).isEqualTo(before);
            assertThat(vectorType(jedis, "jdocs", "emb")).isEqualTo("FLOAT16");
            assertThat(slipway.describe("jdocs").numDocs()).isEqualTo(DOCS);
            byte[] query = VectorCodec.encode(RewriteFixture.vector(SEED, 11), VectorDataType.FLOAT16, null);
            assertThat(knn(jedis, "jdocs", "emb", query, 10)).hasSize(10).startsWith("jdoc:11");
        }
    }

    // ------------------------------------------------------------ conflicts

    private static final Map<String, String> SQUATTER = Map.of("owner", "someone else", "title", "not ours");

    /**
     * Keys that already exist under the new prefix are found before anything changes: the migration is refused
     * (finding them only while rewriting would leave the index dropped until they are resolved).
     */
    @Test
    void prefixConflictIsRefusedBeforeAnythingChanges(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            jedis.hset("item:3", SQUATTER);
            jedis.hset("item:150", SQUATTER);
            TreeMap<String, String> squatter = hash(jedis, "item:3");
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'item:'\n");
            Path backup = dir.resolve("backup");

            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    SlipwayException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("item:").contains("Nothing was changed");
            // counted, named, and said at review time too (tester R44 T2 F8: five "for example", no count, no warning)
            assertThat(e.getMessage()).startsWith("2 keys already exist under the new prefix 'item:' (")
                    .contains("item:3", "item:150", "the migrated index, over 'item:', would take them in");
            assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).startsWith("2 keys already exist under the new "
                    + "prefix 'item:' (").contains("Apply refuses the move while any key is there"));
            for (int i = 0; i < 21; i++) {
                jedis.set("item:extra" + i, "x");
            }
            SlipwayException many = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    SlipwayException.class);
            assertThat(many.getMessage()).startsWith("23 keys already exist under the new prefix 'item:' (")
                    .contains(", ...; the first 20 named)");
            for (int i = 0; i < 21; i++) {
                jedis.del("item:extra" + i);
            }
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(hash(jedis, "item:3")).isEqualTo(squatter);
            assertThat(hash(jedis, "item:150")).isEqualTo(squatter);
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
            assertThat(keys(jedis, "slipway:*")).isEmpty();
            assertThat(backup).doesNotExist();
        }
    }

    private static final String RENAME = "  rename_fields:\n    - {old_name: title, new_name: name}\n";

    /**
     * Documents whose renamed field's new name already holds other data are found before anything changes: the
     * migration is refused with exit 2 and names them, so the index is not dropped for a rewrite that would stop
     * at them. A document holding the same value there (an interrupted move) is not one of them. Once they are
     * resolved, the same plan applies.
     */
    @Test
    void aRenameIntoOccupiedFieldsIsRefusedBeforeAnythingChanges(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            jedis.hset("doc:5", "name", "already something else");
            jedis.hset("doc:150", "name", "also taken");
            jedis.hset("doc:6", "name", RewriteFixture.title(6)); // same value: finishing an interrupted move
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");
            MigrationPlan plan = plan(slipway, "docs", dir, RENAME);
            Path backup = dir.resolve("backup");

            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    SlipwayException.class);

            assertThat(e).isNotNull().isNotInstanceOf(MigrationFailedException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("2 of " + DOCS + " documents of 'docs'", "nothing was changed");
            assertThat(e.problems()).containsExactlyInAnyOrder(
                    "doc:5: field 'name' already exists with other data",
                    "doc:150: field 'name' already exists with other data");
            assertNothingChanged(jedis, slipway, plan.source().schema(), before);
            assertThat(backup).doesNotExist();

            jedis.hdel("doc:5", "name");
            jedis.hdel("doc:150", "name");
            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jedis.hget("doc:5", "name")).isEqualTo(RewriteFixture.title(5));
            assertThat(jedis.hget("doc:6", "name")).isEqualTo(RewriteFixture.title(6));
            assertThat(jedis.hexists("doc:150", "title")).isFalse();
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /** The same for a JSON path: a document whose new path holds other data is found before the drop. */
    @Test
    void aJsonRenameIntoAnOccupiedPathIsRefusedBeforeAnythingChanges(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.createJsonIndex(jedis, "jdocs", "jdoc:");
            RewriteFixture.loadJson(jedis, "jdoc:", DOCS, SEED);
            call(jedis, "JSON.SET", "jdoc:9", "$.name", "{\"not\":\"a title\"}");
            RewriteFixture.waitIndexed(slipway, "jdocs");
            TreeMap<String, JsonNode> before = jsons(jedis, "jdoc:*");
            MigrationPlan plan = plan(slipway, "jdocs", dir, RENAME);
            Path backup = dir.resolve("backup");

            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    SlipwayException.class);

            assertThat(e).isNotNull().isNotInstanceOf(MigrationFailedException.class);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("1 of " + DOCS + " documents of 'jdocs'");
            assertThat(e.problems()).containsExactly("jdoc:9: path '$.name' already exists with other data");
            assertThat(jsons(jedis, "jdoc:*")).isEqualTo(before);
            assertThat(slipway.describe("jdocs").numDocs()).isEqualTo(DOCS);
            assertThat(keys(jedis, "slipway:*")).isEmpty();
            assertThat(backup).doesNotExist();
        }
    }

    /**
     * A new prefix that extends the old one ("doc:" to "doc:v2:") cannot be refused for having keys (the moved
     * documents are there), so each document's new name is looked up before anything changes.
     */
    @Test
    void aTakenKeyUnderAnExtendingPrefixIsRefusedBeforeAnythingChanges(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            jedis.hset("doc:v2:7", SQUATTER);
            RewriteFixture.waitIndexed(slipway, "docs");
            TreeMap<String, TreeMap<String, String>> before = hashes(jedis, "doc:*");
            MigrationPlan plan = plan(slipway, "docs", dir, "  index:\n    prefix: 'doc:v2:'\n");
            Path backup = dir.resolve("backup");

            SlipwayException e = catchThrowableOfType(() -> slipway.apply(plan, options(backup)),
                    SlipwayException.class);

            assertThat(e).isNotNull().isNotInstanceOf(MigrationFailedException.class);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.problems()).containsExactly("doc:7: key 'doc:v2:7' already exists");
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS + 1);
            assertThat(keys(jedis, "slipway:*")).isEmpty();
            assertThat(backup).doesNotExist();
        }
    }

    /**
     * Applies the plan through the executor, running {@code meanwhile} just before its rewrite step (after the
     * checks and the drop): how an application's write between the conflict check and the rewrite looks.
     */
    private static MigrationReport applyWritingBeforeTheRewrite(RedisStackServer redis, MigrationPlan plan,
                                                                ApplyOptions options, Runnable meanwhile) {
        String rewriteStep = plan.steps().stream().filter(s -> s.kind() == StepKind.REWRITE_DOCUMENTS)
                .findFirst().orElseThrow().name();
        StepBoundaryListener listener = new StepBoundaryListener() {
            @Override
            public void before(String step) {
                if (step.equals(rewriteStep)) {
                    meanwhile.run();
                }
            }
        };
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
            return new MigrationExecutor(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                    .onStepBoundary(listener).apply(plan, options);
        }
    }

    /**
     * A conflict that appears after the check (the application writes the new field name meanwhile) is still
     * found by the rewrite, which leaves that document unchanged and fails; the message says: resolve it and re-run
     * apply with the same plan, and that finishes it.
     */
    @Test
    void aConflictArisingAfterTheCheckIsLeftAloneAndAReRunFinishes(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, RENAME);
            Path backup = dir.resolve("backup");

            MigrationFailedException e = catchThrowableOfType(() -> applyWritingBeforeTheRewrite(redis, plan,
                    options(backup).withWriteWatch(false), () -> jedis.hset("doc:5", "name", "written meanwhile")),
                    MigrationFailedException.class);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.MIGRATION_FAILED);
            assertThat(e.exitCode()).isEqualTo(1);
            assertThat(e.getMessage()).contains("doc:5").contains("'name'").contains("re-run 'slipway apply'");
            TreeMap<String, String> untouched = new TreeMap<>(before.get("doc:5"));
            untouched.put("name", RewriteFixture.hex(RewriteFixture.bytes("written meanwhile")));
            assertThat(hash(jedis, "doc:5")).isEqualTo(untouched);
            for (int i = 0; i < DOCS; i++) {
                if (i != 5) {
                    assertThat(hash(jedis, "doc:" + i)).as("doc:" + i).isEqualTo(expectedHash(before.get("doc:" + i),
                            Map.of("title", "name"), "emb", null, null));
                }
            }
            assertThat(BackupDirectory.readHeader(backup).orElseThrow().conflicts()).isEqualTo(1);

            jedis.hdel("doc:5", "name");
            MigrationReport report = slipway.apply(plan, options(backup));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jedis.hget("doc:5", "name")).isEqualTo(RewriteFixture.title(5));
            assertThat(jedis.hexists("doc:5", "title")).isFalse();
            assertThat(slipway.describe("docs").numDocs()).isEqualTo(DOCS);
        }
    }

    /** A rollback after such a failure restores every document, the unchanged one included. */
    @Test
    void aRollbackAfterAConflictRestoresEveryDocument(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            source(jedis, slipway, VectorDataType.FLOAT32);
            MigrationPlan plan = plan(slipway, "docs", dir, RENAME);
            Path backup = dir.resolve("backup");
            TreeMap<String, TreeMap<String, String>> written = new TreeMap<>();
            Runnable meanwhile = () -> {
                jedis.hset("doc:5", "name", "written meanwhile");
                written.putAll(hashes(jedis, "doc:*"));
            };
            assertThat(catchThrowableOfType(() -> applyWritingBeforeTheRewrite(redis, plan,
                    options(backup).withWriteWatch(false), meanwhile), MigrationFailedException.class)).isNotNull();

            slipway.rollbackFromBackup(backup, 2);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(written);
            assertThat(Files.exists(backup.resolve("header.json"))).isTrue();
        }
    }
}
