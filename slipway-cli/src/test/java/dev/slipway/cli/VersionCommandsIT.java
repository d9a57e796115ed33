package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.Slipway;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.VersionStatus;
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
import java.util.Map;
import java.util.Optional;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** status, rollback --index and prune against a real Redis Stack server, after a zero-downtime migration. */
@ExtendWith(RedisStackExtension.class)
class VersionCommandsIT {
    private static final int DOCS = 80;

    private final RedisStackServer redis;

    @TempDir
    Path dir;

    VersionCommandsIT(RedisStackServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void createProducts() {
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.CREATE"), "products", "ON", "HASH", "PREFIX", "1", "product:", "SCHEMA",
                    "title", "TEXT", "category", "TAG");
            for (int i = 0; i < DOCS; i++) {
                jedis.hset("product:" + i, Map.of("title", "thing " + i, "category", "c" + i % 3,
                        "price", Integer.toString(i)));
            }
        }
    }

    @Test
    void statusWithNothingManagedSaysSo() {
        CliRun text = cli("status");
        CliRun json = cli("status", "--format", "json");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).startsWith("No index is managed by Slipway yet on " + redis.url());
        assertThat(json.exitCode()).as(json.toString()).isZero();
        assertThat(json.out().strip()).isEqualTo("[ ]");
    }

    @Test
    void statusOfAPlainIndexSaysItIsNotManaged() {
        CliRun run = cli("status", "--index", "products");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("products -> products (index, not managed by Slipway)\n")
                .contains("Migration: none", "Lock:      free");
        CliRun misspelt = cli("status", "--index", "prodcuts");
        assertThat(misspelt.exitCode()).as(misspelt.toString()).isEqualTo(2);
        assertThat(misspelt.out()).isEmpty();
        assertThat(misspelt.err()).contains("Index 'prodcuts' does not exist", "Existing indexes: products.");
    }

    @Test
    void statusAfterAZeroDowntimeMigration() throws IOException {
        migrate();

        CliRun all = cli("status");
        CliRun one = cli("status", "--index", "products");
        CliRun json = cli("status", "--index", "products", "--format", "json");

        assertThat(all.exitCode()).as(all.toString()).isZero();
        assertThat(all.out()).isEqualTo(one.out());
        assertThat(one.out()).startsWith("products -> products:v2 (alias, version 2)\n")
                .containsPattern("\\n  1 +products:v1 +RETAINED +yes +" + DOCS + " +[0-9.]+ (B|KiB|MiB)\\n")
                .containsPattern("\\n  2 +products:v2 +ACTIVE +yes +" + DOCS + " +[0-9.]+ (B|KiB|MiB)\\n")
                .contains("  Migration: plan ", ", COMPLETED\n", "  Lock:      free\n", "  Strays:    none\n");
        JsonNode status = new ObjectMapper().readTree(json.out()).get(0);
        assertThat(status.path("served_by").asText()).isEqualTo("products:v2");
        assertThat(status.path("active_version").asInt()).isEqualTo(2);
        assertThat(status.path("versions").findValuesAsText("physical_index"))
                .containsExactly("products", "products:v1", "products:v2");
        assertThat(one.out()).as("the adopted original is history only")
                .containsPattern("\\n  0 +products +DROPPED +no +- +-\\n");
        // a version's own name shows the name it serves, said so first
        CliRun version = cli("status", "--index", "products:v1");
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.out()).isEqualTo("'products:v1' is a version of 'products' (a physical index behind "
                + "Slipway's alias); the status of 'products':\n" + one.out());
        assertThat(slipway().status(Optional.of("products:v2")).get(0).name()).isEqualTo("products");
    }

    @Test
    void rollbackSwitchesBackThenPruneFreesTheNewerVersion() throws IOException {
        migrate();

        CliRun rollback = cli("rollback", "--index", "products", "--yes");

        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(rollback.out()).contains("Rolled back 'products': it now serves products:v1 (was products:v2).")
                .startsWith("Before the rollback:\nproducts -> products:v2");
        assertThat(slipway().describe("products").physicalIndex()).isEqualTo("products:v1");
        assertThat(cli("status", "--index", "products").out())
                .startsWith("products -> products:v1 (alias, version 1)\n")
                .containsPattern("\\n  1 +products:v1 +ACTIVE ")
                .containsPattern("\\n  2 +products:v2 +RETAINED ");

        CliRun again = cli("rollback", "--index", "products", "--yes");

        assertThat(again.exitCode()).as("re-running the same command: " + again).isZero();
        assertThat(again.out()).containsPattern("'products' was already rolled back at [0-9T:.-]+Z: it serves "
                + "products:v1 \\(was products:v2\\). Nothing was changed. To go further back, name the version: "
                + "'slipway rollback --index products --to <version>'");
        assertThat(slipway().describe("products").physicalIndex()).isEqualTo("products:v1");
        assertThat(cli("status", "--index", "products").out()).containsPattern("\\n  Rollback:  switched back from "
                + "products:v2 to products:v1 at [0-9T:.-]+Z; 'rollback --index' again changes nothing");

        CliRun forth = cli("rollback", "--index", "products", "--to", "v2", "--yes");
        assertThat(forth.exitCode()).as(forth.toString()).isZero();
        assertThat(forth.out()).contains("Switched 'products': it now serves products:v2 (was products:v1).");
        assertThat(cli("status", "--index", "products").out()).containsPattern("\\n  Rollback:  switched forward "
                + "from products:v1 to products:v2 at [0-9T:.-]+Z \\('rollback --to'\\); 'rollback --index' "
                + "switches back");
        // a switch forward undid the rollback: a plain rollback switches back again (tester F5: it said "already")
        CliRun backAgain = cli("rollback", "--index", "products", "--yes");
        assertThat(backAgain.out()).as(backAgain.toString())
                .contains("Rolled back 'products': it now serves products:v1 (was products:v2).");
        assertThat(cli("rollback", "--index", "products", "--to", "v2", "--yes").exitCode()).isZero();
        CliRun missing = cli("rollback", "--index", "products", "--to", "7", "--yes");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("no retained version '7'", "nothing was changed",
                "Retained: v1 (products:v1)");
        CliRun back = cli("rollback", "--index", "products", "--to", "products:v1", "--yes");
        assertThat(back.exitCode()).as(back.toString()).isZero();
        CliRun already = cli("rollback", "--index", "products", "--to", "1", "--yes");
        assertThat(already.out()).contains("'products' already serves products:v1; nothing was changed.");
        assertThat(slipway().describe("products").physicalIndex()).isEqualTo("products:v1");

        CliRun prune = cli("prune", "--index", "products", "--yes");

        assertThat(prune.exitCode()).as(prune.toString()).isZero();
        assertThat(prune.out()).contains("Any alias an application made of a version dropped here goes with it; "
                + "point such aliases at 'products' first") // tester session 54 R48 T2 F4
                .contains("Dropped from 'products' (documents kept):\n")
                .containsPattern("  version 2 +products:v2 +[0-9.]+ (B|KiB|MiB) +" + DOCS + " docs\\n")
                .containsPattern("Freed about [0-9.]+ (B|KiB|MiB) of index memory.");
        assertThat(prune.out()).doesNotContain("Freed about 0 B");
        IndexStatus after = slipway().status(Optional.of("products")).get(0);
        assertThat(after.versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                .containsExactly(tuple("products", "DROPPED"), tuple("products:v1", "ACTIVE"),
                        tuple("products:v2", "DROPPED"));
        assertThat(slipway().listIndexes()).containsExactly("products:v1");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.keys("product:*")).hasSize(DOCS);
        }
        // the re-run of one version's prune that succeeded is no error (tester R49 T1 F3: exit 2)
        CliRun reRun = cli("prune", "--index", "products", "--version", "2", "--yes");
        assertThat(reRun.exitCode()).as(reRun.toString()).isZero();
        assertThat(reRun.out()).contains("Nothing to prune: version 2 of 'products' (products:v2) was dropped "
                + "already; nothing was dropped.");
        CliRun never = cli("prune", "--index", "products", "--version", "9", "--yes");
        assertThat(never.exitCode()).as(never.toString()).isEqualTo(2);
        assertThat(never.err()).contains("'products' has no retained version 9: it has no version 9");
    }

    /** A name with no versions has nothing to confirm: the error (or "nothing to prune") comes without a status. */
    @Test
    void pruneOfANameWithoutVersionsShowsNoStatusFirst() throws IOException {
        migrate();

        CliRun misspelt = cli("prune", "--index", "prodcts", "--yes");
        CliRun version = cli("prune", "--index", "products:v1");

        assertThat(misspelt.exitCode()).as(misspelt.toString()).isEqualTo(2);
        assertThat(misspelt.out()).as("no status block before the error").isEmpty();
        assertThat(misspelt.err()).contains("'prodcts' does not exist", "serves through an alias: products.");
        assertThat(version.exitCode()).as(version.toString()).isEqualTo(2);
        assertThat(version.out()).isEmpty();
        assertThat(version.err()).contains("'products:v1' is version 1 of 'products'",
                "'slipway prune --index products --version 1'");
        CliRun rollback = cli("rollback", "--index", "products:v1", "--yes");
        assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(2);
        assertThat(rollback.out()).as("no status of 'products' before the error").isEmpty();
        assertThat(rollback.err()).contains("'products:v1' is version 1 of 'products'", "--index products.");
        assertThat(slipway().listIndexes()).containsExactly("products:v1", "products:v2");
        assertThat(slipway().describe("products").physicalIndex()).isEqualTo("products:v2");
        // a managed name with versions, none of them the one asked for: refused without a status or a question
        CliRun notRetained = cli("prune", "--index", "products", "--version", "v2"); // as status names it (R44 T2 F6)
        assertThat(notRetained.exitCode()).as(notRetained.toString()).isEqualTo(2);
        assertThat(notRetained.out()).isEmpty();
        assertThat(notRetained.err()).contains("has no retained version 2: version 2 (products:v2) is the one it "
                + "serves, which is never pruned");
    }

    @Test
    void rollbackAndPruneWithoutYesAndWithoutTerminalChangeNothing() throws IOException {
        migrate();
        String before = summary(slipway().status(Optional.of("products")).get(0));

        CliRun rollback = cli("rollback", "--index", "products");
        CliRun prune = cli("prune", "--index", "products");

        assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(2);
        assertThat(rollback.err()).startsWith("error: Not rolling back 'products'")
                .contains("Nothing was changed. Pass --yes");
        assertThat(rollback.out()).as("the status is shown first")
                .startsWith("Before the rollback:\nproducts -> products:v2");
        assertThat(prune.exitCode()).as(prune.toString()).isEqualTo(2);
        assertThat(prune.err()).contains("Nothing was changed. Pass --yes");
        assertThat(slipway().describe("products").physicalIndex()).isEqualTo("products:v2");
        assertThat(summary(slipway().status(Optional.of("products")).get(0))).isEqualTo(before);
        assertThat(slipway().listIndexes()).containsExactly("products:v1", "products:v2");
    }

    @Test
    void rollbackOfAnUnmanagedIndexExits2AndChangesNothing() {
        CliRun run = cli("rollback", "--index", "products", "--yes");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("nothing was changed");
        assertThat(slipway().listIndexes()).containsExactly("products");
    }

    /** Plans and applies an added field with the default (auto) mode, which adopts 'products' as v1 and v2. */
    private void migrate() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"),
                "version: 1\nchanges:\n  add_fields:\n    - name: price\n      type: numeric\n");
        Path plan = dir.resolve("plan.yaml");
        CliRun planned = cli("plan", "--index", "products", "--patch", patch.toString(), "--out", plan.toString());
        assertThat(planned.exitCode()).as(planned.toString()).isZero();
        assertThat(planned.out()).contains("Mode:      zero-downtime");
        CliRun applied = cli("apply", "--plan", plan.toString(), "--yes");
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        assertThat(slipway().describe("products").physicalIndex()).isEqualTo("products:v2");
    }

    /** What serves the name and the state of each version (memory figures may move on their own). */
    private static String summary(IndexStatus status) {
        return status.servedBy() + " " + status.activeVersion() + " " + status.versions().stream()
                .map(v -> v.physicalIndex() + "=" + v.state() + "/" + v.exists()).toList() + " " + status.migration();
    }

    private Slipway slipway() {
        return Slipway.configure().url(redis.url()).load();
    }

    private CliRun cli(String... args) {
        return CliRun.against(redis.url(), args);
    }
}
