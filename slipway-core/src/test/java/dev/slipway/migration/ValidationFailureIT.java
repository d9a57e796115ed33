package dev.slipway.migration;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.schema.FtCreateArguments;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.slipway.migration.ProductCatalog.INDEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Validation finds what is wrong after a migration and says what: missing sampled keys, a different document
 * count, queries that do not return what the user requires; a failing validation inside {@code apply} is a
 * failed migration (exit 1) whose report shows which step failed.
 */
@ExtendWith(RedisStackExtension.class)
class ValidationFailureIT {
    private static final SchemaPatch ADD_BRAND = new SchemaPatch(List.of(FieldSchema.of("brand", FieldType.TAG)),
            List.of(), List.of(), List.of(), null);

    /**
     * A contains_keys check of a query matching more than 10,000 documents finds keys beyond the first page (tester
     * session 30 R9 M1: they were looked for in the first 10,000 results only, and reported missing).
     */
    @Test
    void containsKeysFindsKeysBeyondTheFirstTenThousandMatches(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = migrate(slipway);
        long total;
        try (Jedis jedis = redis.newJedis()) {
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < 10_500; i++) {
                pipeline.hset("product:bulk-" + i, Map.of("title", "bulk gadget " + i, "brand", "bulk"));
            }
            pipeline.sync();
            total = jedis.keys("product:*").size();
            RedisInspection.awaitIndexed(jedis, INDEX, total);
        }
        List<String> late = List.of("product:bulk-10499", "product:bulk-10400");

        ValidationResult result = slipway.validate(plan, List.of(query("all", "*", total, null, late),
                query("missing", "*", null, null, List.of("product:bulk-10499", "product:nope"))));

        assertThat(check(result, "query 'all'").passed()).as(check(result, "query 'all'").detail()).isTrue();
        assertThat(check(result, "query 'all'").actual()).isEqualTo(total + " results");
        assertThat(check(result, "query 'missing'").passed()).isFalse();
        assertThat(check(result, "query 'missing'").detail()).isEqualTo("key product:nope not found for *");
        assertThat(check(result, "query 'missing'").expected()).isEqualTo("results include product:bulk-10499, "
                + "product:nope");
        assertThat(check(result, "query 'all'").expected()).isEqualTo(">= " + total + " results, results include "
                + "product:bulk-10499, product:bulk-10400");
    }

    /**
     * A query check the server cannot parse is the query-check file's fault: validate refuses it as bad input (exit
     * 2), as apply does, where it failed as a check (exit 1, tester session 52 R46 T2 F3). A query the index cannot
     * answer for another reason stays a failed check.
     */
    @Test
    void aQueryCheckWithASyntaxErrorIsBadInputForValidateToo(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = migrate(slipway);

        SlipwayException refused = catchThrowableOfType(SlipwayException.class, () -> slipway.validate(plan,
                List.of(query("broken", "@brand:{acme", 1L, null, List.of()))));

        assertThat(refused).isNotNull();
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.getMessage()).contains("cannot parse 1 of the query checks", "nothing was validated");
        assertThat(refused.problems()).singleElement().asString().startsWith("query 'broken' (@brand:{acme): Syntax");
        assertThat(slipway.validate(plan, List.of(query("unknown field", "@colour:{red}", 1L, null, List.of())))
                .passed()).as("a field the index lacks is a failed check").isFalse();
    }

    @Test
    void validateNamesADeletedSampleKeyAndAcceptsDocumentsWrittenSince(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = migrate(slipway);
        assertThat(slipway.validate(plan, List.of()).passed()).as("valid right after apply").isTrue();
        String deleted = plan.source().keySample().get(3);
        try (Jedis jedis = redis.newJedis()) {
            jedis.del(deleted);
            for (int i = 0; i < 3; i++) {
                jedis.hset("product:new-" + i, Map.of("title", "brand new gadget", "brand", "acme"));
            }
            RedisInspection.awaitIndexed(jedis, INDEX, 202);
        }

        ValidationResult result = slipway.validate(plan, List.of());

        // a document the application deleted is named, not failed: the migration never deletes documents, and a
        // failed check here made the migration impossible to finish (every re-run failed the same way)
        assertThat(result.passed()).isTrue();
        assertThat(result.index()).isEqualTo(INDEX);
        ValidationCheck sample = check(result, "sample-keys");
        assertThat(sample.passed()).isTrue();
        assertThat(sample.detail()).contains(deleted, "deleted or expired since the plan");
        assertThat(sample.actual()).isEqualTo((plan.source().keySample().size() - 1) + " exist, 1 missing since the "
                + "plan");
        // the application wrote since the plan: the count no longer equals the snapshot's, but it equals the keys
        // under the index's prefixes now, which is what an index that missed nothing must hold
        ValidationCheck count = check(result, "document-count");
        assertThat(count.passed()).isTrue();
        assertThat(count.expected()).startsWith("202 (keys under the index's prefixes now; 200 at plan time");
        assertThat(count.actual()).isEqualTo("202");
        assertThat(result.failureDescriptions()).isEmpty();
        assertThat(check(result, "schema").passed()).isTrue();
    }

    @Test
    void queryChecksThatCannotBeMetFail(RedisStackServer redis) {
        ProductCatalog catalog = ProductCatalog.seed(redis, StorageType.JSON);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = migrate(slipway);
        long acme = catalog.count(p -> p.brand().equals("acme"));
        String someAcmeKey = catalog.products().stream().filter(p -> p.brand().equals("acme")).findFirst()
                .orElseThrow().key();

        ValidationResult result = slipway.validate(plan, List.of(
                query("acme in range", "@brand:{acme}", acme, acme, List.of(someAcmeKey)),
                query("too few", "@brand:{acme}", acme + 1, null, List.of()),
                query("too many", "@brand:{acme}", null, acme - 1, List.of()),
                query("missing key", "@brand:{globex}", 1L, null, List.of(someAcmeKey))));

        assertThat(check(result, "query 'acme in range'").passed()).isTrue();
        assertThat(check(result, "query 'acme in range'").actual()).isEqualTo(acme + " results");
        assertThat(check(result, "query 'too few'").detail()).contains("fewer than " + (acme + 1));
        assertThat(check(result, "query 'too many'").detail()).contains("more than " + (acme - 1));
        assertThat(check(result, "query 'missing key'").detail()).contains("key " + someAcmeKey + " not found");
        assertThat(result.checks()).filteredOn(c -> !c.passed()).extracting(ValidationCheck::name)
                .containsExactlyInAnyOrder("query 'too few'", "query 'too many'", "query 'missing key'");
    }

    @Test
    void impossibleQueryCheckFailsApplyAfterTheIndexWasRebuilt(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway);
        QueryCheck impossible = query("discontinued brand", "@brand:{discontinued}", 1L, null, List.of());

        MigrationFailedException failed = catchThrowableOfType(MigrationFailedException.class,
                () -> slipway.apply(plan, new ApplyOptions(Duration.ofMinutes(1), List.of(impossible))));

        assertThat(failed).as("apply must fail validation").isNotNull();
        assertThat(failed.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.getMessage()).contains("'" + INDEX + "'");
        // what the failed validation left, and what to run next (tester session 52 R46 T2 F11)
        assertThat(failed.getMessage()).contains("failed. Its steps are done: '" + INDEX + "' serves the index the "
                + "migration built",
                "a drop-recreate keeps no earlier index to switch back to: plan the reverse change",
                "run 'slipway validate --plan <plan file>' again", "'slipway status --index " + INDEX + "'");
        assertThat(failed.problems()).anySatisfy(p -> assertThat(p)
                .startsWith("query 'discontinued brand': ").contains("fewer than 1"));
        MigrationReport report = failed.report();
        assertThat(report.result()).isEqualTo(MigrationReport.Result.FAILED);
        assertThat(report.error()).isPresent();
        assertThat(report.steps()).extracting(StepReport::name, StepReport::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("drop-index", StepReport.Status.DONE),
                org.assertj.core.groups.Tuple.tuple("create-index", StepReport.Status.DONE),
                org.assertj.core.groups.Tuple.tuple("wait-for-indexing", StepReport.Status.DONE),
                org.assertj.core.groups.Tuple.tuple("validate", StepReport.Status.FAILED));
        assertThat(report.validation()).hasValueSatisfying(v -> {
            assertThat(v.passed()).isFalse();
            assertThat(v.checks()).filteredOn(c -> !c.passed()).extracting(ValidationCheck::name)
                    .containsExactly("query 'discontinued brand'");
        });
        assertThat(VisibleSchema.matches(plan.targetSchema(), slipway.describe(INDEX).schema()))
                .as("the steps before validation did run").isTrue();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(RedisInspection.slipwayKeys(jedis)).as("lock released")
                    .noneMatch(k -> k.startsWith("slipway:lock:"));
        }
    }

    /**
     * Validating a plan on its own says whether its migration was applied and finished: the schema check compares
     * what FT.INFO shows, so a plan whose change it does not show passed unapplied (tester session 40 R29 F8).
     */
    @Test
    void validatingAPlanNeverAppliedFails(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX, ADD_BRAND));

        ValidationResult unapplied = slipway.validate(plan, List.of());

        assertThat(unapplied.passed()).isFalse();
        assertThat(unapplied.checks().get(0)).satisfies(check -> {
            assertThat(check.name()).isEqualTo("migration");
            assertThat(check.passed()).isFalse();
            assertThat(check.actual()).isEqualTo("no migration of '" + INDEX + "' is recorded");
        });
        slipway.apply(plan, ApplyOptions.DEFAULTS);
        ValidationResult applied = slipway.validate(plan, List.of());
        assertThat(applied.passed()).as(applied.failureDescriptions().toString()).isTrue();
        assertThat(applied.checks().get(0).name()).isEqualTo("migration");
        assertThat(applied.checks().get(0).actual()).isEqualTo("COMPLETED");
    }

    /**
     * An index that has not read the documents under its prefixes, and so counts them neither as indexed nor as
     * failures, fails the document count (tester session 40 R29 F7: a drop-recreate that built such an index passed
     * as "0 indexed + 1000 failing", exit 0, and the served name returned no documents). Here the user recreates the
     * migrated index with SKIPINITIALSCAN by hand, which FT.INFO does not show.
     */
    @Test
    void anIndexThatSkippedTheExistingDocumentsFailsTheDocumentCount(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX, ADD_BRAND).withMode(MigrationMode.DROP_RECREATE));
        slipway.apply(plan, ApplyOptions.DEFAULTS);
        assertThat(slipway.validate(plan, List.of()).passed()).isTrue();
        List<String> create = new java.util.ArrayList<>(FtCreateArguments.command(plan.targetSchema().withName(INDEX)));
        create.add(create.indexOf("SCHEMA"), "SKIPINITIALSCAN");
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(() -> "FT.DROPINDEX".getBytes(), INDEX);
            jedis.sendCommand(() -> "FT.CREATE".getBytes(), create.subList(1, create.size()).toArray(String[]::new));
        }

        ValidationResult result = slipway.validate(plan, List.of());

        ValidationCheck count = check(result, "document-count");
        assertThat(count.passed()).as(count.toString()).isFalse();
        assertThat(count.actual()).isEqualTo("0 indexed + 0 failures; 200 keys under the index's prefixes exist that "
                + "it does not hold (looked up one by one)");
        assertThat(count.detail()).startsWith("200 existing keys under the index's prefixes are neither indexed nor "
                + "counted as an indexing failure: the index never read them");
        assertThat(result.passed()).isFalse();
    }

    /**
     * A query the server cannot parse is bad input: refused before anything changes (exit 2), in either mode, while
     * a query on a field only the target schema has is accepted. It used to fail validation after the drop.
     */
    @ParameterizedTest
    @EnumSource(value = MigrationMode.class, names = {"DROP_RECREATE", "ZERO_DOWNTIME"})
    void queryCheckTheServerCannotParseIsRefusedBeforeAnyChange(MigrationMode mode, RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX, ADD_BRAND).withMode(mode));
        List<String> before;
        try (Jedis jedis = redis.newJedis()) {
            before = RedisInspection.slipwayKeys(jedis);
        }
        String schemaBefore = slipway.describe(INDEX).schema().toString();
        List<QueryCheck> checks = List.of(query("new field", "@brand:{acme}", 1L, null, List.of()),
                query("typo", "@brand:((", 1L, null, List.of()),
                query("unclosed range", "@price:[1 2", null, null, List.of()));

        // check() refuses as apply does, so a caller refuses before asking a person to confirm (tester R30 F3)
        SlipwayException checked = catchThrowableOfType(SlipwayException.class,
                () -> slipway.check(plan, new ApplyOptions(Duration.ofMinutes(1), checks)));
        SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                () -> slipway.apply(plan, new ApplyOptions(Duration.ofMinutes(1), checks)));

        assertThat(checked).isNotNull();
        assertThat(checked.exitCode()).isEqualTo(2);
        assertThat(checked.getMessage()).contains("cannot parse 2 of the query checks", "nothing was changed");
        assertThat(refused).isNotNull().isNotInstanceOf(MigrationFailedException.class);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.getMessage()).contains("cannot parse 2 of the query checks", "nothing was changed");
        assertThat(refused.problems()).hasSize(2).anySatisfy(p -> assertThat(p).startsWith("query 'typo' "
                + "(@brand:((): Syntax error")).anySatisfy(p -> assertThat(p).startsWith("query 'unclosed range'"));
        assertThat(slipway.describe(INDEX).schema().toString()).isEqualTo(schemaBefore);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(RedisInspection.slipwayKeys(jedis)).as("no checkpoint, lock or history").isEqualTo(before);
            assertThat(RedisInspection.indexes(jedis)).as("no probe or new version left").containsExactly(INDEX);
        }
        assertThat(slipway.apply(plan, new ApplyOptions(Duration.ofMinutes(1), checks.subList(0, 1))).result())
                .as("the parsable check passes once the field exists").isEqualTo(MigrationReport.Result.SUCCEEDED);
    }

    /**
     * A query check on a field the plan removes: the server would neither refuse it nor find anything, so the check
     * would fail after everything changed or, without a lower bound, pass without meaning (tester session 30 R9 L3).
     * Refused before any change (exit 2); {@code validate} fails such a check without running it.
     */
    @Test
    void aQueryCheckOnAFieldThePlanRemovesIsRefusedBeforeAnyChange(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX, new SchemaPatch(List.of(), List.of("category"),
                List.of(), List.of(), null)));
        String schemaBefore = slipway.describe(INDEX).schema().toString();
        List<QueryCheck> checks = List.of(query("removed", "@category:{books}", null, 100L, List.of()),
                query("kept", "@price:[0 +inf]", 1L, null, List.of()));

        SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                () -> slipway.apply(plan, new ApplyOptions(Duration.ofMinutes(1), checks)));

        assertThat(refused).isNotNull().isNotInstanceOf(MigrationFailedException.class);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.getMessage()).startsWith("1 query check reads fields the target schema of '" + INDEX
                + "' does not have; nothing was changed.");
        assertThat(refused.problems()).containsExactly("query 'removed' (@category:{books}) reads @category (the "
                + "plan removes or renames it), which the target schema does not have: the server would match "
                + "nothing there");
        assertThat(slipway.describe(INDEX).schema().toString()).isEqualTo(schemaBefore);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(RedisInspection.indexes(jedis)).containsExactly(INDEX);
        }

        assertThat(slipway.apply(plan, new ApplyOptions(Duration.ofMinutes(1), checks.subList(1, 2))).result())
                .isEqualTo(MigrationReport.Result.SUCCEEDED);
        ValidationResult validated = slipway.validate(plan, checks);
        assertThat(validated.checks()).filteredOn(c -> c.name().equals("query 'removed'")).singleElement()
                .satisfies(c -> {
                    assertThat(c.passed()).isFalse();
                    assertThat(c.actual()).isEqualTo("not run");
                });
        assertThat(validated.checks()).filteredOn(c -> c.name().equals("query 'kept'")).singleElement()
                .satisfies(c -> assertThat(c.passed()).isTrue());
    }

    /** A schema probe a killed apply left behind shows in status, and the next apply of the index drops it. */
    @Test
    void aSchemaProbeLeftByAKilledApplyIsListedThenDropped(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        String leftover = "slipway-probe:" + INDEX + ":" + java.util.UUID.randomUUID();
        String otherIndexProbe = "slipway-probe:other:" + java.util.UUID.randomUUID();
        try (Jedis jedis = redis.newJedis()) {
            for (String probe : List.of(leftover, otherIndexProbe)) {
                jedis.sendCommand(RedisStackServer.command("FT.CREATE"), probe, "ON", "HASH", "PREFIX", "1",
                        probe + ":", "SCHEMA", "f", "TAG");
            }
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        assertThat(slipway.status(Optional.of(INDEX)).get(0).strays()).containsExactly(leftover);

        assertThat(slipway.apply(plan(slipway), ApplyOptions.DEFAULTS).result())
                .isEqualTo(MigrationReport.Result.SUCCEEDED);

        try (Jedis jedis = redis.newJedis()) {
            assertThat(RedisInspection.indexes(jedis)).doesNotContain(leftover)
                    .as("another index's probe may be in use").contains(otherIndexProbe);
        }
    }

    /**
     * The parse check is a convenience: a Redis user whose ACL refuses FT.EXPLAIN is warned and migrates, and the
     * checks run at validation as before (it used to be told its valid query could not be parsed, exit 2).
     */
    @Test
    void aUserWhoMayNotRunFtExplainIsWarnedAndMigrates(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("ACL"), "SETUSER", "app", "on", ">secret", "~*", "&*", "+@all",
                    "-ft.explain");
        }
        List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        Slipway slipway = Slipway.configure().url("redis://app:secret@127.0.0.1:" + redis.port())
                .progress(new dev.slipway.api.ProgressListener() {
                    @Override
                    public void message(String text) {
                        messages.add(text);
                    }
                }).load();
        QueryCheck brand = query("new field", "@brand:{acme}", 1L, null, List.of());

        MigrationReport report = slipway.apply(plan(slipway), new ApplyOptions(Duration.ofMinutes(1),
                List.of(brand)));

        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.validation()).hasValueSatisfying(v -> assertThat(v.checks())
                .anySatisfy(c -> assertThat(c.name()).isEqualTo("query 'new field'")));
        assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("Warning: the Redis user may not run "
                + "FT.EXPLAIN"));
    }

    /** An index-only change the documents do not fit: the server fails to index them, validation says so. */
    @Test
    void numericFieldOverTextValuesFailsValidationWithIndexingFailures(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.JSON);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        SchemaPatch brandAsNumber = new SchemaPatch(List.of(FieldSchema.of("brand", FieldType.NUMERIC)), List.of(),
                List.of(), List.of(), null);
        MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX, brandAsNumber)
                .withMode(MigrationMode.DROP_RECREATE));
        assertThat(plan.supported()).isTrue();

        MigrationFailedException failed = catchThrowableOfType(MigrationFailedException.class,
                () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

        assertThat(failed).as("documents that cannot be indexed must fail validation").isNotNull();
        assertThat(failed.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        ValidationResult result = failed.report().validation().orElseThrow();
        ValidationCheck failures = check(result, "indexing-failures");
        assertThat(failures.passed()).isFalse();
        // the counts differ, so each document is put to the source schema (SourceSchemaProbe): it indexes them all
        assertThat(failures.expected()).startsWith("at most 0; ");
        assertThat(failures.actual()).isEqualTo("200 documents not indexed: 0 the source failed on before the "
                + "change, 0 the source schema rejects too (checked now on copies), 0 gone or written again since, "
                + "200 the source schema indexes");
        assertThat(failures.detail()).startsWith("the new index fails on 200 documents the source schema indexes: ");
        assertThat(failures.documents()).hasSize(20);
        assertThat(failed.problems()).anySatisfy(p -> assertThat(p).startsWith("indexing-failures: "));
    }

    /** DIALECT 4 reports no exact total (0 for a count): its checks count with dialect 3 (tester session 31 R10 M1). */
    @Test
    void aDialectFourCheckCountsExactly(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = migrate(slipway);

        ValidationResult result = slipway.validate(plan, List.of(new QueryCheck("d4", "*", 4, Optional.of(200L),
                Optional.of(200L), List.of("product:0"))));

        assertThat(check(result, "query 'd4'").passed()).isTrue();
        assertThat(check(result, "query 'd4'").actual()).isEqualTo("200 results");
    }

    @Test
    void queryCheckFileIsReadAndEveryCheckRuns(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = migrate(slipway);

        List<QueryCheck> checks = SlipwayFiles.readQueryChecks(resource("query-checks.yaml"));
        // the file's last check does not parse, which is bad input for validate as for apply (R46 T2 F3)
        SlipwayException refused = catchThrowableOfType(SlipwayException.class, () -> slipway.validate(plan, checks));
        ValidationResult result = slipway.validate(plan, checks.subList(0, 3));

        assertThat(checks).extracting(QueryCheck::name)
                .containsExactly("every product", "acme products", "discontinued brand", "broken syntax");
        assertThat(checks.get(0)).isEqualTo(new QueryCheck("every product", "*", 2, Optional.of(200L),
                Optional.of(200L), List.of("product:0", "product:199")));
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.problems()).singleElement().asString().startsWith("query 'broken syntax' (");
        assertThat(result.checks()).extracting(ValidationCheck::name, ValidationCheck::passed).endsWith(
                org.assertj.core.groups.Tuple.tuple("query 'every product'", true),
                org.assertj.core.groups.Tuple.tuple("query 'acme products'", true),
                org.assertj.core.groups.Tuple.tuple("query 'discontinued brand'", false));
        assertThat(check(result, "query 'discontinued brand'").detail()).contains("fewer than 1");
        assertThat(result.failureDescriptions()).hasSize(1);
    }

    @Test
    void malformedQueryCheckFileReportsEveryProblem() throws Exception {
        Path file = resource("query-checks-malformed.yaml");

        SlipwayException e = catchThrowableOfType(SlipwayException.class, () -> SlipwayFiles.readQueryChecks(file));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.problems()).hasSize(7);
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("line 4").contains("'query'"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("line 8").contains("max_results"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("line 9")
                .contains("'min_results' (10) is greater than 'max_results' (1)"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("line 13")
                .contains("'contains_keys' names 2 keys but 'max_results' is 1"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("line 20").contains("checks 'at least five' "
                + "(min_results 5) and 'at most two' (max_results 2) run the same query: no result count passes both"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("line 26").contains("check 'two keys' names 2 "
                + "keys in 'contains_keys' and 'one result' allows at most 1 result of the same query"));
        assertThat(e.problems()).as("dialect 4 is counted as 3").anySatisfy(p -> assertThat(p).contains(
                "checks 'five in dialect 4' (min_results 5) and 'two in dialect 3' (max_results 2)"));
    }

    // ---- helpers

    private static MigrationPlan plan(Slipway slipway) {
        return slipway.plan(PlanRequest.patch(INDEX, ADD_BRAND).withMode(MigrationMode.DROP_RECREATE));
    }

    private static MigrationPlan migrate(Slipway slipway) {
        MigrationPlan plan = plan(slipway);
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        return plan;
    }

    private static QueryCheck query(String name, String query, Long min, Long max, List<String> keys) {
        return new QueryCheck(name, query, 2, Optional.ofNullable(min), Optional.ofNullable(max), keys);
    }

    private static ValidationCheck check(ValidationResult result, String name) {
        return result.checks().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check '" + name + "' in " + result.checks()));
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ValidationFailureIT.class.getResource("/migration/" + name).toURI());
    }
}
