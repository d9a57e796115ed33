package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;

/** The CLI end to end against a real Redis Stack server: list, info, plan, apply, validate. */
@ExtendWith(RedisStackExtension.class)
class CliIT {
    private static final int DOCS = 60;
    private static final String ADD_PRICE = """
            version: 1
            changes:
              add_fields:
                - name: price
                  type: numeric
                  attrs: {sortable: true}
              update_fields:
                - name: category
                  attrs: {separator: '|'}
            """;

    private final RedisStackServer redis;

    @TempDir
    Path dir;

    CliIT(RedisStackServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void createProducts() {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1", "product:", "SCHEMA",
                    "title", "TEXT", "category", "TAG", "embedding", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32",
                    "DIM", "4", "DISTANCE_METRIC", "COSINE");
            for (int i = 0; i < DOCS; i++) {
                jedis.hset("product:" + i, Map.of("title", "thing " + i, "category", "c" + i % 3,
                        "price", Integer.toString(i)));
            }
        }
    }

    @Test
    void indexListInAllFormats() throws IOException {
        createIndex("articles", "article:");

        CliRun text = cli("index", "list");
        CliRun json = cli("index", "list", "--format", "json");
        CliRun yaml = cli("index", "list", "--format", "yaml");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out().lines()).containsExactly("articles", "products");
        JsonNode document = new ObjectMapper().readTree(json.out());
        assertThat(document.path("indexes").toString()).isEqualTo("[\"articles\",\"products\"]");
        assertThat(document.path("url").asText()).isEqualTo(redis.url());
        assertThat(yaml.exitCode()).isZero();
        assertThat(yaml.out()).contains("indexes:\n  - articles\n  - products\n");
    }

    @Test
    void indexInfoPrintsTheSchemaFileWithStatisticsAsComments() throws IOException {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.SYNUPDATE"), "products", "g1", "SKIPINITIALSCAN", "thing", "item");
        }
        CliRun run = cli("index", "info", "products");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("# index: products\n")
                .contains("# num_docs: " + DOCS + "\n", "# indexing_failures: 0\n", "# percent_indexed: 100.0%\n",
                        "# memory: ", "# synonym group g1: item, thing\n")
                .doesNotContain("# alias of");
        // The body is a schema file: it reads back to the live schema.
        Path schemaFile = Files.writeString(dir.resolve("schema.yaml"), run.out());
        assertThat(SlipwayFiles.readSchema(schemaFile).field("embedding")).isPresent();
        assertThat(SlipwayFiles.readSchema(schemaFile).name()).isEqualTo("products");
    }

    /** Both forms of 'index info' are schema files: 'plan --target-schema' reads them back as no change. */
    @Test
    void indexInfoInEitherFormatPlansBackToNoChange() throws IOException {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.SYNUPDATE"), "products", "g1", "SKIPINITIALSCAN", "thing", "item");
        }
        assertThat(new ObjectMapper().readTree(cli("index", "info", "products", "--format", "json").out())
                .path("synonyms").toString()).isEqualTo("{\"g1\":[\"item\",\"thing\"]}");
        for (String format : new String[]{"yaml", "json"}) {
            Path schemaFile = Files.writeString(dir.resolve("schema." + format),
                    cli("index", "info", "products", "--format", format).out());

            CliRun plan = cli("plan", "--index", "products", "--target-schema", schemaFile.toString(),
                    "--out", dir.resolve("plan-" + format + ".yaml").toString());

            assertThat(plan.exitCode()).as(plan.toString()).isZero();
            assertThat(plan.out()).as(format).contains("Changes: none");
        }
        Path extra = Files.writeString(dir.resolve("extra.json"), "{\"name\": \"products\", \"owner\": \"me\", "
                + "\"schema\": " + new ObjectMapper().readTree(cli("index", "info", "products", "--format",
                "json").out()).path("schema") + "}");
        CliRun unknown = cli("plan", "--index", "products", "--target-schema", extra.toString());
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown key 'owner' in the output of 'slipway index info'");
    }

    @Test
    void indexInfoOfAnAliasNamesThePhysicalIndex() throws IOException {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASADD"), "shop", "products");
        }

        CliRun yaml = cli("index", "info", "shop");
        CliRun json = cli("index", "info", "shop", "--format", "json");

        assertThat(yaml.out()).contains("# index: shop\n# alias of products\n");
        JsonNode document = new ObjectMapper().readTree(json.out());
        assertThat(document.path("name").asText()).isEqualTo("shop");
        assertThat(document.path("physical_index").asText()).isEqualTo("products");
        assertThat(document.path("stats").path("num_docs").asLong()).isEqualTo(DOCS);
        assertThat(document.path("schema").path("index").path("name").asText()).isEqualTo("products");
        assertThat(document.path("schema").path("fields").size()).isEqualTo(3);
    }

    @Test
    void indexInfoOfAMissingIndexExits2() {
        CliRun run = cli("index", "info", "nope");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: ").contains("'nope'");
    }

    @Test
    void planApplyValidate() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), ADD_PRICE);
        Path planFile = dir.resolve("plan.yaml");
        Path report = dir.resolve("report.yaml");
        Path result = dir.resolve("validation.json");

        CliRun plan = cli("plan", "--index", "products", "--patch", patch.toString(), "--out", planFile.toString());
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("Index:     products\n", "Supported: yes\n", "add_field price",
                        "update_field_option category", "FT.CREATE ", "price NUMERIC SORTABLE", "Estimate (")
                .contains("slipway apply --plan " + planFile);
        assertThat(planFile).exists();

        CliRun apply = cli("apply", "--plan", planFile.toString(), "--yes", "--report-out", report.toString());
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("Result:    SUCCEEDED", "Validation of 'products': PASSED",
                "Report written to " + report);
        assertThat(apply.err()).contains("[slipway] step 1/");
        assertThat(Files.readString(report)).contains("result: SUCCEEDED");
        assertThat(liveSchema()).contains("- name: price", "sortable: true");

        CliRun validate = cli("validate", "--plan", planFile.toString(), "--report-out", result.toString());
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.out()).contains("PASSED", "PASS  schema", "PASS  document-count")
                .doesNotContain("FAIL");
        assertThat(new ObjectMapper().readTree(result.toFile()).path("index").asText()).isEqualTo("products");

        // applied again: it only validates, and says so (tester session 52 R46 T2 F13: "resumed an earlier run")
        CliRun again = cli("apply", "--plan", planFile.toString(), "--yes");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("(already applied: validated again)", "Downtime:  none in this run; the "
                + "migration's: unavailable").doesNotContain("resumed an earlier run");
    }

    /**
     * After a zero-downtime migration the name applications query is an alias, which the list leaves out: it names
     * it apart, on stderr, and in the document (tester session 52 R46 T2 F13: a new user thought the index gone).
     */
    @Test
    void theIndexListNamesTheAliasesSlipwayServes() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), ADD_PRICE);
        Path planFile = dir.resolve("plan.yaml");
        assertThat(cli("plan", "--index", "products", "--patch", patch.toString(), "--out", planFile.toString(),
                "--mode", "zero-downtime").exitCode()).isZero();
        Path unused = dir.resolve("unused-backup");
        CliRun applied = cli("apply", "--plan", planFile.toString(), "--yes", "--backup-dir", unused.toString());
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        // a backup asked for and not taken is said (tester session 54 R48 T2 F9: silently ignored)
        assertThat(applied.out()).contains("Backup:    none: this plan rewrites no document, so --backup-dir "
                + unused + " is not used");
        assertThat(unused).doesNotExist();

        CliRun list = cli("index", "list");
        CliRun json = cli("index", "list", "--format", "json");

        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out().lines().toList()).doesNotContain("products").allMatch(name -> name.startsWith(
                "products:v"));
        assertThat(list.err()).contains("Served through aliases Slipway manages", "products -> products:v2");
        assertThat(new ObjectMapper().readTree(json.out()).path("managed_aliases").path("products").asText())
                .isEqualTo("products:v2");
    }

    /**
     * A plan made under --namespace says so, and the commands it prints carry it: apply under the default namespace
     * is refused with nothing changed (tester session 45 R40 F2: it ran there and split the version history).
     */
    @Test
    void aPlanMadeUnderANamespaceSaysSoAndRunsOnlyThere() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), ADD_PRICE);
        Path planFile = dir.resolve("plan.yaml");
        CliRun plan = cli("plan", "--index", "products", "--patch", patch.toString(), "--out", planFile.toString(),
                "--namespace", "team1:");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("Namespace: team1: (run apply, validate and rollback with --namespace "
                + "team1:)\n", "slipway apply --plan " + planFile + " --namespace team1:\n");
        String before = liveSchema();

        CliRun elsewhere = cli("apply", "--plan", planFile.toString(), "--yes");

        assertThat(elsewhere.exitCode()).as(elsewhere.toString()).isEqualTo(2);
        assertThat(elsewhere.err()).contains("was made with --namespace team1:", "uses slipway:",
                "Nothing was changed");
        assertThat(liveSchema()).isEqualTo(before);
        CliRun there = cli("apply", "--plan", planFile.toString(), "--yes", "--namespace", "team1:");
        assertThat(there.exitCode()).as(there.toString()).isZero();
        assertThat(liveSchema()).contains("- name: price");
        assertThat(cli("plan", "--index", "products", "--patch", patch.toString(), "--out",
                dir.resolve("default.yaml").toString()).out()).as("the default namespace goes without saying")
                .doesNotContain("Namespace:");
        // an error's suggested commands, under a namespace, get a note to add it (R41 F6)
        CliRun misspelt = cli("prune", "--index", "prodcts", "--namespace", "team1:", "--yes");
        assertThat(misspelt.exitCode()).isEqualTo(2);
        assertThat(misspelt.err()).contains("Run 'slipway status'", "note: run the 'slipway' commands above with "
                + "--namespace team1:, as this one ran");
        assertThat(cli("prune", "--index", "prodcts", "--yes").err()).doesNotContain("note:");
    }

    /**
     * A patch that does not fit the index names its file, as a YAML error does (tester session 48 R43 T1 F5), and each
     * entry that does not fit by its line (session 52 R46 T2 F5: only syntax and unknown keys had one).
     */
    @Test
    void aPatchThatDoesNotFitTheIndexNamesItsFileAndEachEntrysLine() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), """
                version: 1
                changes:
                  remove_fields: [nosuch]
                  update_fields:
                    - name: categroy
                      attrs: {sortable: true}
                  rename_fields:
                    - {old_name: category, new_name: kind}
                    - {old_name: titel, new_name: name}
                """);

        CliRun run = cli("plan", "--index", "products", "--patch", patch.toString(), "--out",
                dir.resolve("plan.yaml").toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: The patch " + patch + " does not fit index 'products'")
                .contains("\n  - line 3: remove_fields: index 'products' has no field 'nosuch'\n",
                        "\n  - line 5: update_fields: index 'products' has no field 'categroy' (did you mean "
                                + "'category'?)\n",
                        "\n  - line 9: rename_fields: index 'products' has no field 'titel' (did you mean 'title'?)");
        assertThat(dir.resolve("plan.yaml")).doesNotExist();
    }

    /**
     * A --report-out that cannot be written is refused before anything changes (tester, session 21: the migration
     * ran, then the report failed with exit 2, whose meaning is "nothing was changed").
     */
    @Test
    void anUnwritableReportPathIsRefusedBeforeAnyChange() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), ADD_PRICE);
        Path planFile = dir.resolve("plan.yaml");
        assertThat(cli("plan", "--index", "products", "--patch", patch.toString(), "--out", planFile.toString())
                .exitCode()).isZero();
        String before = liveSchema();
        Path directory = Files.createDirectories(dir.resolve("a-directory"));

        CliRun apply = cli("apply", "--plan", planFile.toString(), "--yes", "--report-out", directory.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(2);
        assertThat(apply.err()).contains("--report-out " + directory + " is a directory; nothing was changed");
        assertThat(apply.err()).doesNotContain("[slipway] step 1/");
        assertThat(liveSchema()).isEqualTo(before);
        CliRun under = cli("apply", "--plan", planFile.toString(), "--yes", "--report-out",
                dir.resolve("plan.yaml").resolve("report.yaml").toString()); // under a regular file
        assertThat(under.exitCode()).as(under.toString()).isEqualTo(2);
        assertThat(under.err()).contains("cannot be created (" + planFile + " is in the way, not a directory)",
                "nothing was changed"); // it said "a file of that name exists" (tester R44 T2 F4)
        CliRun deeper = cli("apply", "--plan", planFile.toString(), "--yes", "--report-out",
                planFile.resolve("sub").resolve("report.yaml").toString()); // it said only "Not a directory" (R45)
        assertThat(deeper.exitCode()).as(deeper.toString()).isEqualTo(2);
        assertThat(deeper.err()).contains("cannot be created (" + planFile + " is in the way, not a directory)");
        assertThat(liveSchema()).isEqualTo(before);
    }

    @Test
    void planFormatJsonPrintsThePlanAndJsonFileRoundTrips() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), ADD_PRICE);
        Path planFile = dir.resolve("plan.json");

        CliRun plan = cli("plan", "--index", "products", "--patch", patch.toString(), "--out", planFile.toString(),
                "--format", "json", "--mode", "drop-recreate");

        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        JsonNode printed = new ObjectMapper().readTree(plan.out());
        JsonNode written = new ObjectMapper().readTree(planFile.toFile());
        assertThat(printed.path("plan_id").asText()).isNotEmpty().isEqualTo(written.path("plan_id").asText());
        assertThat(written.path("mode").asText()).isEqualTo("DROP_RECREATE");
        CliRun apply = cli("apply", "--plan", planFile.toString(), "--yes");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("Mode:      drop-recreate");
    }

    @Test
    void applyWithoutYesAndWithoutTerminalRefusesAndChangesNothing() throws IOException {
        Path planFile = plan(ADD_PRICE);
        String before = liveSchema();

        CliRun apply = cli("apply", "--plan", planFile.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(2);
        assertThat(apply.err()).contains("Nothing was changed", "--yes");
        assertThat(liveSchema()).isEqualTo(before).doesNotContain("price");
        assertThat(apply.out()).as("the plan summary is shown first").contains("Index:     products");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(indexes(jedis)).containsExactly("products");
            assertThat(jedis.keys("slipway:*")).isEmpty();
        }
    }

    @Test
    void anEditedPlanIsRefusedBeforeItIsShown() throws IOException {
        Path planFile = plan(ADD_PRICE);
        String plan = Files.readString(planFile);
        assertThat(plan).contains("to: \"{separator=|}\"");
        Files.writeString(planFile, plan.replace("to: \"{separator=|}\"", "to: \"{separator=;}\"")); // shown only
        String before = liveSchema();

        CliRun apply = cli("apply", "--plan", planFile.toString(), "--yes");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(2);
        assertThat(apply.err()).contains("was edited after it was made", "Nothing was changed");
        assertThat(apply.out()).as("nothing of the edited plan is shown as if it were to run").isEmpty();
        assertThat(liveSchema()).isEqualTo(before);
    }

    /**
     * A refused run writes a report saying so, over an earlier run's (tester session 44 R38 F9: the file kept the
     * earlier result, so a pipeline reading it saw a success).
     */
    @Test
    void aRefusedApplyWritesAReportThatSaysSo() throws IOException {
        Path planFile = plan(ADD_PRICE);
        Path report = dir.resolve("report.json");
        Files.writeString(report, "{\"result\": \"SUCCEEDED\"}");
        String before = liveSchema();

        CliRun apply = cli("apply", "--plan", planFile.toString(), "--report-out", report.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(2);
        JsonNode written = new ObjectMapper().readTree(report.toFile());
        assertThat(written.path("result").asText()).isEqualTo("REFUSED");
        assertThat(written.path("plan_id").asText()).isEqualTo(SlipwayFiles.readPlan(planFile).planId());
        assertThat(written.path("error").asText()).contains("there is no terminal", "Nothing was changed");
        assertThat(written.path("steps").size()).isZero();
        assertThat(liveSchema()).isEqualTo(before);

        try (Jedis jedis = redis.newJedis()) { // stale now: refused in the library's check
            jedis.sendCommand(command("FT.ALTER"), "products", "SCHEMA", "ADD", "extra", "TEXT");
        }
        CliRun stale = cli("apply", "--plan", planFile.toString(), "--yes", "--report-out", report.toString());
        assertThat(stale.exitCode()).as(stale.toString()).isEqualTo(2);
        written = new ObjectMapper().readTree(report.toFile());
        assertThat(written.path("result").asText()).isEqualTo("REFUSED");
        assertThat(written.path("error").asText()).isEqualTo(stale.err().lines().filter(l -> l.startsWith("error: "))
                .findFirst().orElseThrow().substring("error: ".length()));

        Path result = Files.writeString(dir.resolve("result.yaml"), "index: products\nchecks: []\n"); // passed
        CliRun unreadable = cli("validate", "--plan", planFile.toString(), "--report-out", result.toString(),
                "--queries", dir.resolve("no-such-queries.yaml").toString());
        assertThat(unreadable.exitCode()).as(unreadable.toString()).isEqualTo(2);
        JsonNode check = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(result.toFile()).path("checks").path(0);
        assertThat(check.path("name").asText()).isEqualTo("validation");
        assertThat(check.path("passed").asBoolean(true)).isFalse();
        assertThat(check.path("actual").asText()).isEqualTo("ended with FILE_UNREADABLE (exit 2)");
        assertThat(check.path("detail").asText()).contains("no-such-queries.yaml");
    }

    @Test
    void blockedPlanIsWrittenAndExits2WithTheReason() throws IOException {
        Path patch = Files.writeString(dir.resolve("dims.yaml"),
                "version: 1\nchanges:\n  update_fields:\n    - name: embedding\n      attrs: {dims: 8}\n");
        Path planFile = dir.resolve("blocked.json");

        CliRun plan = cli("plan", "--index", "products", "--patch", patch.toString(), "--out", planFile.toString());

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("Supported: NO", "change_vector_dims embedding: 4 -> 8", "BLOCKED: ",
                "Blocked:", "cannot be applied");
        assertThat(plan.out()).doesNotContain("slipway apply --plan");
        assertThat(plan.err()).startsWith("error: The plan for 'products' cannot be applied");
        MigrationPlan written = SlipwayFiles.readPlan(planFile);
        assertThat(written.supported()).isFalse();
        assertThat(written.blockedReasons()).anySatisfy(reason -> assertThat(reason).contains("embedding"));

        CliRun apply = cli("apply", "--plan", planFile.toString(), "--yes");
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(2);
        assertThat(apply.err()).contains("cannot be applied", "nothing was changed");
    }

    @Test
    void validateFailsWhenEverySampledKeyIsGone() throws IOException {
        Path planFile = plan(ADD_PRICE);
        assertThat(cli("apply", "--plan", planFile.toString(), "--yes").exitCode()).isZero();
        List<String> sampled = SlipwayFiles.readPlan(planFile).source().keySample();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.del(sampled.toArray(String[]::new))).isEqualTo(sampled.size());
        }

        CliRun validate = cli("validate", "--plan", planFile.toString());

        assertThat(validate.exitCode()).as(validate.toString()).isEqualTo(1);
        assertThat(validate.out()).contains("FAILED", "FAIL  sample-keys");
        assertThat(validate.err()).startsWith("error: Validation of 'products' failed").contains("sample-keys");
    }

    @Test
    void validateFailsWhenAQueryCheckCannotBeMet() throws IOException {
        Path planFile = plan(ADD_PRICE);
        assertThat(cli("apply", "--plan", planFile.toString(), "--yes").exitCode()).isZero();
        Path queries = Files.writeString(dir.resolve("queries.yaml"), """
                queries:
                  - name: everything
                    query: "*"
                    min_results: 1
                  - name: more-than-exists
                    query: "*"
                    min_results: 100000
                """);

        CliRun validate = cli("validate", "--plan", planFile.toString(), "--queries", queries.toString(),
                "--format", "yaml");

        assertThat(validate.exitCode()).as(validate.toString()).isEqualTo(1);
        assertThat(validate.out()).contains("more-than-exists", "passed: false");
        assertThat(validate.err()).contains("more-than-exists");
    }

    @Test
    void failedApplyExits1AndStillWritesTheReport() throws IOException {
        Path planFile = plan(ADD_PRICE);
        Path queries = Files.writeString(dir.resolve("queries.yaml"),
                "queries:\n  - name: impossible\n    query: \"*\"\n    min_results: 100000\n");
        Path report = dir.resolve("failed-report.json");

        CliRun apply = cli("apply", "--plan", planFile.toString(), "--yes", "--queries", queries.toString(),
                "--report-out", report.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("Result:    FAILED", "impossible", "NOT_RUN",
                "Report written to " + report);
        assertThat(apply.err()).contains("\nerror: Migration of 'products' failed");
        JsonNode written = new ObjectMapper().readTree(report.toFile());
        assertThat(written.path("result").asText()).isEqualTo("FAILED");
        assertThat(written.path("error").asText()).isNotEmpty();
    }

    /**
     * SIGTERM while a validate after a FILTER change holds its throwaway index stops it before its next check (or its
     * next page of keys): it removes the throwaway index and its copies of documents, says so and exits 143. Before,
     * the signal ended the process at once and left them to the next command (tester session 42 R33 F10).
     */
    @Test
    void aValidateStoppedBySigtermRemovesItsThrowawayIndex() throws Exception {
        try (Jedis jedis = redis.newJedis()) {
            var pipeline = jedis.pipelined();
            for (int i = 0; i < 100_000; i++) { // enough that the throwaway index lives for a while
                pipeline.hset("item:" + i, Map.of("kind", "k" + i % 4, "n", Integer.toString(i)));
            }
            pipeline.sync();
            jedis.sendCommand(command("FT.CREATE"), "items", "ON", "HASH", "PREFIX", "1", "item:", "SCHEMA", "kind",
                    "TAG", "n", "NUMERIC");
        }
        Path patch = Files.writeString(dir.resolve("filter.yaml"), """
                version: 1
                changes:
                  index:
                    filter: "@kind!='k0'"
                """);
        Path plan = dir.resolve("filter-plan.yaml");
        CliRun planned = cli("plan", "--index", "items", "--patch", patch.toString(), "--mode", "drop-recreate",
                "--out", plan.toString());
        assertThat(planned.exitCode()).as(planned.toString()).isZero();
        CliRun applied = cli("apply", "--plan", plan.toString(), "--yes");
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        Path stderr = dir.resolve("validate-stderr.log");
        Process validate = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), SlipwayCli.class.getName(), "validate", "--plan",
                plan.toString(), "--url", redis.url()).redirectError(stderr.toFile())
                .redirectOutput(dir.resolve("validate-stdout.log").toFile()).start();
        try (Jedis jedis = redis.newJedis()) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (indexes(jedis).stream().noneMatch(name -> name.startsWith("slipway-probe:"))) {
                assertThat(validate.isAlive()).as("validate builds a throwaway index: %s", Files.readString(stderr))
                        .isTrue();
                assertThat(System.nanoTime()).as("the throwaway index was built").isLessThan(deadline);
                Thread.sleep(2);
            }

            validate.destroy(); // SIGTERM

            assertThat(validate.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(stderr);
            assertThat(validate.exitValue()).as(err).isEqualTo(143);
            assertThat(err).contains("SIGTERM received: stopping before the next check and removing the throwaway "
                    + "index", "stopped: ").doesNotContain("stopped by a signal at once");
            assertThat(indexes(jedis)).as("the throwaway index is dropped").containsExactly("items", "products");
            assertThat(jedis.keys("slipway:probe*")).as("no copy or lease left").isEmpty();
        }
    }

    /** A patch returns an index to the server's default stop words (it could not: only --target-schema could). */
    @Test
    void aPatchReturnsAnIndexToTheServersDefaultStopWords() throws IOException {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), "notes", "ON", "HASH", "PREFIX", "1", "note:", "STOPWORDS", "0",
                    "SCHEMA", "body", "TEXT");
            jedis.hset("note:1", Map.of("body", "the cat"));
            assertThat(matches(jedis, "notes", "@body:the")).as("no stop words yet").isEqualTo(1);
        }
        Path patch = Files.writeString(dir.resolve("stopwords.yaml"), """
                version: 1
                changes:
                  index:
                    stopwords: default
                """);
        Path planFile = dir.resolve("stopwords-plan.yaml");
        CliRun plan = cli("plan", "--index", "notes", "--patch", patch.toString(), "--out", planFile.toString());
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("stopwords", "[]", "default");

        CliRun apply = cli("apply", "--plan", planFile.toString(), "--yes");
        CliRun validate = cli("validate", "--plan", planFile.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(matches(jedis, "notes", "@body:cat")).isEqualTo(1);
            assertThat(matches(jedis, "notes", "@body:the")).as("'the' is a default stop word").isZero();
        }
        assertThat(cli("index", "info", "notes").out()).doesNotContain("stopwords");
    }

    private static long matches(Jedis jedis, String index, String query) {
        return (Long) ((List<?>) jedis.sendCommand(command("FT.SEARCH"), index, query, "LIMIT", "0", "0")).get(0);
    }

    private Path plan(String patchText) throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), patchText);
        Path planFile = dir.resolve("plan.yaml");
        CliRun plan = cli("plan", "--index", "products", "--patch", patch.toString(), "--out", planFile.toString());
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        return planFile;
    }

    private CliRun cli(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--url";
        all[args.length + 1] = redis.url();
        return CliRun.of(all);
    }

    private void createIndex(String name, String prefix) {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), name, "ON", "HASH", "PREFIX", "1", prefix, "SCHEMA", "t", "TEXT");
        }
    }

    /** The live schema of 'products' as 'index info' prints it, without the statistics. */
    private String liveSchema() {
        CliRun info = cli("index", "info", "products");
        assertThat(info.exitCode()).as(info.toString()).isZero();
        return info.out().lines().filter(line -> !line.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
    }

    private static List<String> indexes(Jedis jedis) {
        return ((List<?>) jedis.sendCommand(command("FT._LIST"))).stream()
                .map(name -> new String((byte[]) name, java.nio.charset.StandardCharsets.UTF_8)).sorted().toList();
    }
}
