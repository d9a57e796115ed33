package dev.slipway.internal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.SchemaPatch.FieldRename;
import dev.slipway.api.schema.SchemaPatch.FieldUpdate;
import dev.slipway.api.schema.SchemaPatch.IndexChanges;
import dev.slipway.api.schema.StorageType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchemaMergerTest {

    private static final FieldSchema EMBEDDING = new FieldSchema("embedding", null, FieldType.VECTOR,
            Map.of("algorithm", "flat", "datatype", "float32", "dims", 4, "distance_metric", "cosine"));

    private static IndexSchema source() {
        return IndexSchema.builder("products", StorageType.HASH).prefixes(List.of("product:"))
                .filter("@price > 0").languageField("lang")
                .field(new FieldSchema("title", "t", FieldType.TEXT, Map.of("sortable", true)))
                .field(new FieldSchema("brand", null, FieldType.TAG, Map.of()))
                .field(new FieldSchema("desc", null, FieldType.TEXT, Map.of("no_stem", true)))
                .field(new FieldSchema("price", null, FieldType.NUMERIC, Map.of("sortable", true)))
                .field(new FieldSchema("legacy", null, FieldType.TAG, Map.of()))
                .field(EMBEDDING)
                .build();
    }

    @Test
    void everySectionIsApplied() {
        SchemaPatch patch = new SchemaPatch(
                List.of(new FieldSchema("rating", null, FieldType.NUMERIC, Map.of("sortable", true))),
                List.of("legacy"),
                List.of(new FieldUpdate("brand", Optional.empty(), Optional.empty(), Map.of("separator", "|")),
                        new FieldUpdate("price", Optional.empty(), Optional.empty(), Map.of("sortable", false,
                                "no_index", false)),
                        new FieldUpdate("embedding", Optional.empty(), Optional.empty(), Map.of("algorithm", "hnsw",
                                "m", 32))),
                List.of(new FieldRename("desc", "description")),
                new IndexChanges(Optional.of("products_v2"), Optional.of(List.of("item:")), Optional.of(""),
                        Optional.of("German"), Optional.of(""), Optional.of(0.5), Optional.of(List.of("der")),
                        Optional.of(Set.of(IndexOption.NOFREQS)), Optional.empty()));

        SchemaMerger.Result result = SchemaMerger.merge(source(), patch);

        assertThat(result.problems()).isEmpty();
        assertThat(result.target()).contains(IndexSchema.builder("products_v2", StorageType.HASH)
                .prefixes(List.of("item:")).language("german").score(0.5).stopwords(List.of("der"))
                .option(IndexOption.NOFREQS)
                .field(new FieldSchema("title", "t", FieldType.TEXT, Map.of("sortable", true)))
                .field(new FieldSchema("brand", null, FieldType.TAG, Map.of("separator", "|")))
                .field(new FieldSchema("description", "description", FieldType.TEXT, Map.of("no_stem", true)))
                .field(FieldSchema.of("price", FieldType.NUMERIC))
                .field(EMBEDDING.withAttrs(Map.of("algorithm", "hnsw", "datatype", "float32", "dims", 4,
                        "distance_metric", "cosine", "m", 32)))
                .field(new FieldSchema("rating", null, FieldType.NUMERIC, Map.of("sortable", true)))
                .build());
        IndexSchema target = result.target().orElseThrow();
        assertThat(target.filter()).as("an empty filter removes it").isEmpty();
        assertThat(target.languageField()).as("an empty language field removes it").isEmpty();
        assertThat(target.fields().stream().map(FieldSchema::name))
                .as("renamed field keeps its position, added field goes last")
                .containsExactly("title", "brand", "description", "price", "embedding", "rating");
    }

    @Test
    void anEmptyPatchGivesTheSourceBack() {
        SchemaMerger.Result result = SchemaMerger.merge(source(), new SchemaPatch(null, null, null, null, null));

        assertThat(result.problems()).isEmpty();
        assertThat(result.target()).contains(source());
    }

    @Test
    void explicitFalseClearsAFlag() {
        SchemaPatch patch = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("title",
                Optional.empty(), Optional.empty(), Map.of("sortable", false))), List.of(), IndexChanges.NONE);

        FieldSchema title = SchemaMerger.merge(source(), patch).target().orElseThrow().field("title").orElseThrow();

        assertThat(title.attrs()).isEmpty();
        assertThat(title.flag("sortable")).isFalse();
    }

    @Test
    void everyProblemIsCollected() {
        SchemaPatch patch = new SchemaPatch(
                List.of(FieldSchema.of("brand", FieldType.TAG)),
                List.of("nope", "legacy"),
                List.of(new FieldUpdate("ghost", Optional.empty(), Optional.empty(), Map.of("sortable", true)),
                        new FieldUpdate("price", Optional.empty(), Optional.empty(), Map.of("separator", "|"))),
                List.of(new FieldRename("missing", "x"), new FieldRename("title", "brand")),
                IndexChanges.NONE);

        SchemaMerger.Result result = SchemaMerger.merge(source(), patch);

        assertThat(result.target()).isEmpty();
        assertThat(result.problems()).containsExactly(
                "remove_fields: index 'products' has no field 'nope'",
                "update_fields: index 'products' has no field 'ghost'",
                "update_fields: field 'price': attribute 'separator' does not apply to a numeric field",
                "rename_fields: index 'products' has no field 'missing'",
                "rename_fields: index 'products' already has a field 'brand'",
                "add_fields: index 'products' already has a field 'brand'; use update_fields to change it");
    }

    /**
     * A name one or two edits from a field the index has is a typo: the message names the field (tester session 52
     * R46 T2 F5); a name removed twice says the other entry removes it, not that the index has no such field.
     */
    @Test
    void aTypoNamesTheNearestFieldAndARemovalTwiceNamesTheOtherEntry() {
        SchemaPatch patch = new SchemaPatch(List.of(), List.of("legacy", "legacy"),
                List.of(new FieldUpdate("prcie", Optional.empty(), Optional.empty(), Map.of("sortable", false)),
                        new FieldUpdate("zzz", Optional.empty(), Optional.empty(), Map.of("sortable", false))),
                List.of(new FieldRename("Titel", "headline")), IndexChanges.NONE);

        assertThat(SchemaMerger.merge(source(), patch).entries()).containsExactly("remove_fields[1]",
                "update_fields[0]", "update_fields[1]", "rename_fields[0]");
        assertThat(SchemaMerger.merge(source(), patch).problems()).containsExactly(
                "remove_fields: field 'legacy' is removed (or renamed) by another entry of this patch, so it cannot be "
                        + "changed too; keep one of the two entries",
                "update_fields: index 'products' has no field 'prcie' (did you mean 'price'?)",
                "update_fields: index 'products' has no field 'zzz'",
                "rename_fields: index 'products' has no field 'Titel' (did you mean 'title'?)");
    }

    /** A field the patch removes is not "missing" from the index (tester session 40 R29 L2), nor is a self-rename. */
    @Test
    void aFieldTheSamePatchRemovesIsNamedAsRemoved() {
        SchemaPatch patch = new SchemaPatch(List.of(), List.of("title"),
                List.of(new FieldUpdate("title", Optional.empty(), Optional.empty(), Map.of("weight", 2))),
                List.of(new FieldRename("title", "headline"), new FieldRename("price", "price")), IndexChanges.NONE);

        assertThat(SchemaMerger.merge(source(), patch).problems()).containsExactly(
                "update_fields: field 'title' is removed (or renamed) by another entry of this patch, so it cannot be "
                        + "changed too; keep one of the two entries",
                "rename_fields: field 'title' is removed (or renamed) by another entry of this patch, so it cannot be "
                        + "changed too; keep one of the two entries",
                "rename_fields: 'price' is renamed to itself; leave the entry out");
    }

    @Test
    void removingEveryFieldIsAProblem() {
        IndexSchema one = IndexSchema.builder("one", StorageType.HASH).field(FieldSchema.of("a", FieldType.TAG))
                .build();

        SchemaMerger.Result result = SchemaMerger.merge(one, new SchemaPatch(null, List.of("a"), null, null, null));

        assertThat(result.target()).isEmpty();
        assertThat(result.problems()).singleElement().asString().contains("removes every field of index 'one'");
    }

    @Test
    void renameMovesADefaultPathAndKeepsAnExplicitOne() {
        IndexSchema json = IndexSchema.builder("docs", StorageType.JSON)
                .field(FieldSchema.of("old", FieldType.TAG))
                .field(new FieldSchema("author", "$.meta.author", FieldType.TAG, Map.of()))
                .field(FieldSchema.of("last", FieldType.NUMERIC))
                .build();
        SchemaPatch patch = new SchemaPatch(null, null, null,
                List.of(new FieldRename("old", "fresh"), new FieldRename("author", "writer")), null);

        IndexSchema target = SchemaMerger.merge(json, patch).target().orElseThrow();

        assertThat(target.fields()).containsExactly(
                new FieldSchema("fresh", "$.fresh", FieldType.TAG, Map.of()),
                new FieldSchema("writer", "$.meta.author", FieldType.TAG, Map.of()),
                new FieldSchema("last", "$.last", FieldType.NUMERIC, Map.of()));
        assertThat(SchemaMerger.renamedPath(source(), source().field("title").orElseThrow(), "headline"))
                .as("hash field 't' indexed as 'title'").hasValue("t");
        assertThat(SchemaMerger.renamedPath(source(), source().field("brand").orElseThrow(), "maker"))
                .hasValue("maker");
    }

    /**
     * A JSON document field moves with a rename only when the path is the root member of the attribute's name, however
     * the path quotes it. An attribute named {@code a.b} on {@code $.a.b} reads member {@code b} of {@code a}, not a
     * member named {@code a.b}: its rename is index-only, like any attribute whose name differs from its path (tester
     * session 22: it moved the field while {@code q'uote} on {@code $["q'uote"]} stayed).
     */
    @Test
    void aJsonFieldMovesOnlyWhenItsPathIsTheRootMemberOfItsName() {
        IndexSchema json = IndexSchema.builder("docs", StorageType.JSON)
                .field(new FieldSchema("a.b", "$.a.b", FieldType.TAG, Map.of()))
                .field(new FieldSchema("q'uote", "$[\"q'uote\"]", FieldType.TAG, Map.of()))
                .field(new FieldSchema("x y", "$['x y']", FieldType.TAG, Map.of()))
                .field(new FieldSchema("plain", "$[\"plain\"]", FieldType.TAG, Map.of()))
                .build();

        assertThat(SchemaMerger.renamedPath(json, json.field("a.b").orElseThrow(), "ab")).hasValue("$.a.b");
        assertThat(SchemaMerger.renamedPath(json, json.field("q'uote").orElseThrow(), "quote")).hasValue("$.quote");
        assertThat(SchemaMerger.renamedPath(json, json.field("x y").orElseThrow(), "x z")).hasValue("$['x z']");
        assertThat(SchemaMerger.renamedPath(json, json.field("plain").orElseThrow(), "plainer"))
                .hasValue("$.plainer");
    }

    @Test
    void updateMayChangePathAndOptionsMerge() {
        SchemaPatch patch = new SchemaPatch(null, null, List.of(new FieldUpdate("desc", Optional.empty(),
                Optional.of("description_text"), Map.of("weight", 2))), null, null);

        FieldSchema desc = SchemaMerger.merge(source(), patch).target().orElseThrow().field("desc").orElseThrow();

        assertThat(desc.path()).isEqualTo("description_text");
        assertThat(desc.attrs()).isEqualTo(Map.of("no_stem", true, "weight", 2.0));
    }

    @Test
    void anUpdateThatBreaksTheSchemaIsAProblemNotAnException() {
        SchemaPatch patch = new SchemaPatch(null, null, List.of(new FieldUpdate("price", Optional.empty(),
                Optional.empty(), Map.of("index_missing", true, "no_index", true))), null, null);

        SchemaMerger.Result result = SchemaMerger.merge(source(), patch);

        assertThat(result.target()).isEmpty();
        assertThat(result.problems()).singleElement().asString().startsWith("update_fields: field 'price': ")
                .contains("'index_missing' and 'no_index'");
    }

    @Test
    void aTuningParameterOfAnotherAlgorithmIsAProblemAtPlanTime() {
        // FT.CREATE would refuse it only after the drop-recreate plan had dropped the index
        SchemaPatch patch = new SchemaPatch(null, null, List.of(new FieldUpdate("embedding", Optional.empty(),
                Optional.empty(), Map.of("ef_runtime", 20))), null, null);

        SchemaMerger.Result result = SchemaMerger.merge(source(), patch);

        assertThat(result.target()).isEmpty();
        assertThat(result.problems()).containsExactly("update_fields: field 'embedding': attribute 'ef_runtime' "
                + "applies only to hnsw vectors, not to flat");
    }

    /**
     * Switching the algorithm drops the old one's tuning, which the user may never have written (read from the
     * server: tester session 41 R31 F3), but not a parameter the update sets itself.
     */
    @Test
    void switchingTheVectorAlgorithmDropsTheOldAlgorithmsTuning() {
        IndexSchema tuned = IndexSchema.builder("vec", StorageType.HASH).field(EMBEDDING.withAttrs(Map.of(
                "algorithm", "hnsw", "datatype", "float32", "dims", 4, "distance_metric", "cosine", "m", 8,
                "ef_runtime", 33, "epsilon", 0.05))).build();
        SchemaPatch toFlat = new SchemaPatch(null, null, List.of(new FieldUpdate("embedding", Optional.empty(),
                Optional.empty(), Map.of("algorithm", "flat"))), null, null);
        SchemaPatch toFlatKeepingM = new SchemaPatch(null, null, List.of(new FieldUpdate("embedding",
                Optional.empty(), Optional.empty(), Map.of("algorithm", "flat", "m", 8))), null, null);

        assertThat(SchemaMerger.merge(tuned, toFlat).target().orElseThrow().field("embedding").orElseThrow().attrs())
                .containsEntry("algorithm", "flat").doesNotContainKeys("m", "ef_runtime", "epsilon");
        assertThat(SchemaMerger.merge(tuned, toFlatKeepingM).problems()).containsExactly("update_fields: field "
                + "'embedding': attribute 'm' applies only to hnsw vectors, not to flat");
    }

    private static SchemaPatch renames(FieldRename... renames) {
        return new SchemaPatch(List.of(), List.of(), List.of(), List.of(renames), IndexChanges.NONE);
    }

    @Test
    void renamesThatWouldReuseOrCollideWithADocumentFieldAreProblems() {
        // a field freed and reused in one patch: every document would hold both values at once
        assertThat(SchemaMerger.merge(source(), renames(new FieldRename("brand", "maker"),
                new FieldRename("desc", "brand"))).problems()).singleElement().asString()
                .contains("'desc' would move into 'brand'", "rename of 'brand'", "rename them in two");
        // the same field twice
        assertThat(SchemaMerger.merge(source(), renames(new FieldRename("brand", "maker"),
                new FieldRename("brand", "maker2"))).problems()).containsExactly(
                "rename_fields: field 'brand' is renamed more than once in this patch; rename it once");
        // a chain: it planned as removing 'brand' and adding an empty 'maker2' (tester session 27, F2)
        assertThat(SchemaMerger.merge(source(), renames(new FieldRename("brand", "maker"),
                new FieldRename("maker", "maker2"))).problems()).containsExactly(
                "rename_fields: 'maker' is the new name of another rename in this patch; rename the index's field "
                        + "once, straight to its final name");
        // onto the document field another attribute reads (title AS t reads field 't')
        assertThat(SchemaMerger.merge(source(), renames(new FieldRename("brand", "t"))).problems())
                .singleElement().asString().contains("document field 't'", "field 'title'");
    }

    @Test
    void renamesOfFieldsTheIndexOptionsReadAreProblemsUnlessThePatchChangesThem() {
        IndexSchema source = source().toBuilder().filter("@price > 0 && @price2 < 9").build();
        SchemaMerger.Result merged = SchemaMerger.merge(source, renames(new FieldRename("desc", "description"),
                new FieldRename("price", "cost")));
        assertThat(merged.problems()).singleElement().asString()
                .contains("filter '@price > 0 && @price2 < 9' reads 'price'", "under 'index:'");
        assertThat(merged.entries()).as("found after the merge, still the entry of its rename, so a file's reader "
                + "names its line (tester session 52 R46 T2 F5)").containsExactly("rename_fields[1]");
        IndexSchema withLang = source().toBuilder().field(new FieldSchema("lang", null, FieldType.TAG, Map.of()))
                .build();
        assertThat(SchemaMerger.merge(withLang, renames(new FieldRename("lang", "language"))).problems())
                .singleElement().asString().contains("language_field is 'lang'");

        SchemaPatch alsoFilter = new SchemaPatch(List.of(), List.of(), List.of(),
                List.of(new FieldRename("price", "cost")), new IndexChanges(Optional.empty(), Optional.empty(),
                Optional.of("@cost > 0"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()));
        assertThat(SchemaMerger.merge(source(), alsoFilter).problems()).isEmpty();
    }

    @Test
    void aRenameThatMovesADocumentFieldAnotherAttributeReadsIsAProblemUnlessThatAttributeFollows() {
        IndexSchema twice = IndexSchema.builder("sf", StorageType.HASH).prefixes(List.of("sf:"))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of()))
                .field(new FieldSchema("title_tag", "title", FieldType.TAG, Map.of())).build();
        assertThat(SchemaMerger.merge(twice, renames(new FieldRename("title", "name"))).problems())
                .singleElement().asString().contains("field 'title_tag' also reads document field 'title'",
                        "update_fields");
        SchemaPatch follows = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("title_tag",
                Optional.empty(), Optional.of("name"), Map.of())), List.of(new FieldRename("title", "name")),
                IndexChanges.NONE);
        assertThat(SchemaMerger.merge(twice, follows).problems()).isEmpty();
    }

    /**
     * Tester session 55 R49 T2 F2: another attribute reading the moved JSON member through another spelling
     * ({@code $["title"]}, {@code $..title}) was not seen, and the rename exited 0 with that attribute indexing
     * nothing; nor was one reading the member moved into. An attribute inside another member is not concerned.
     */
    @Test
    void aJsonRenameSeesTheAttributesThatReadItsMembersHoweverTheirPathIsWritten() {
        for (String spelling : List.of("$[\"title\"]", "$['title']", "$..title", "$.*", "$.title.sub")) {
            IndexSchema json = IndexSchema.builder("jt", StorageType.JSON).prefixes(List.of("jt:"))
                    .field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of()))
                    .field(new FieldSchema("title_tag", spelling, FieldType.TAG, Map.of())).build();
            // one reading from the root ($..title, $.*) may read the member moved into as well: refused for that
            assertThat(SchemaMerger.merge(json, renames(new FieldRename("title", "name"))).problems())
                    .as(spelling).singleElement().asString().containsAnyOf("field 'title_tag' also reads document "
                            + "field '$.title'", "'$.name', which field 'title_tag' of index 'jt' reads");
        }
        IndexSchema into = IndexSchema.builder("jt", StorageType.JSON).prefixes(List.of("jt:"))
                .field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("nm", "$[\"name\"]", FieldType.TAG, Map.of())).build();
        assertThat(SchemaMerger.merge(into, renames(new FieldRename("title", "name"))).problems()).singleElement()
                .asString().contains("would move into document field '$.name', which field 'nm'");
        IndexSchema apart = IndexSchema.builder("jt", StorageType.JSON).prefixes(List.of("jt:"))
                .field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("tags", "$.tags[*]", FieldType.TAG, Map.of()))
                .field(new FieldSchema("t2", "$.titles", FieldType.TAG, Map.of())).build();
        assertThat(SchemaMerger.merge(apart, renames(new FieldRename("title", "name"))).problems()).isEmpty();
    }

    /**
     * Tester session 55 R50 N1: a move made of a rename and a path update into a field another attribute reads was
     * not seen (the rename's own path was checked), and that attribute indexed the moved values, exit 0.
     */
    @Test
    void aMoveByRenameAndPathUpdateIntoAFieldAnotherAttributeReadsIsAProblem() {
        IndexSchema hash = IndexSchema.builder("h", StorageType.HASH).prefixes(List.of("h:"))
                .field(new FieldSchema("title", "title", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("o", "hl", FieldType.TAG, Map.of())).build();
        SchemaPatch intoHl = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("title", Optional.empty(),
                Optional.of("hl"), Map.of())), List.of(new FieldRename("title", "name")), IndexChanges.NONE);
        assertThat(SchemaMerger.merge(hash, intoHl).problems()).singleElement().asString()
                .contains("'title' would move into document field 'hl', which field 'o'");
        IndexSchema json = IndexSchema.builder("j", StorageType.JSON).prefixes(List.of("j:"))
                .field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("o", "$[\"headline\"]", FieldType.TAG, Map.of())).build();
        SchemaPatch intoHeadline = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("title",
                Optional.empty(), Optional.of("$.headline"), Map.of())), List.of(new FieldRename("title", "name")),
                IndexChanges.NONE);
        assertThat(SchemaMerger.merge(json, intoHeadline).problems()).singleElement().asString()
                .contains("would move into document field '$.headline', which field 'o'");
        SchemaPatch elsewhere = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("title",
                Optional.empty(), Optional.of("$.other"), Map.of())), List.of(new FieldRename("title", "name")),
                IndexChanges.NONE);
        assertThat(SchemaMerger.merge(json, elsewhere).problems()).isEmpty();
    }

    /** Tester session 55 R50 N2: a JSON filter reading the new name emptied the index (exit 1). */
    @Test
    void aJsonRenameToANameTheUnchangedFilterReadsIsAProblem() {
        IndexSchema json = IndexSchema.builder("fx", StorageType.JSON).prefixes(List.of("d:"))
                .filter("!exists(@name)").field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("t", "$.t", FieldType.TEXT, Map.of())).build();
        assertThat(SchemaMerger.merge(json, renames(new FieldRename("title", "name"))).problems()).singleElement()
                .asString().contains("filter '!exists(@name)' reads attribute 'name', which the rename of 'title' "
                        + "creates");
        assertThat(SchemaMerger.merge(json, renames(new FieldRename("t", "name"))).problems()).singleElement()
                .asString().contains("which the rename of 't' creates");
        assertThat(SchemaMerger.merge(json, renames(new FieldRename("title", "names"))).problems()).isEmpty();
    }

    /** Tester session 55 R49 T2 F7: the new index admitted 0 of 50 documents. */
    @Test
    void aHashRenameIntoAFieldTheFilterReadsIsAProblem() {
        IndexSchema filtered = IndexSchema.builder("fx", StorageType.HASH).prefixes(List.of("d:"))
                .filter("!exists(@name)").field(new FieldSchema("title", null, FieldType.TEXT, Map.of()))
                .field(new FieldSchema("n", null, FieldType.NUMERIC, Map.of())).build();
        assertThat(SchemaMerger.merge(filtered, renames(new FieldRename("title", "name"))).problems())
                .singleElement().asString().contains("filter '!exists(@name)' reads document field 'name', which "
                        + "the rename of 'title' moves a value into");
        assertThat(SchemaMerger.merge(filtered, renames(new FieldRename("title", "names"))).problems()).isEmpty();
        assertThat(SchemaMerger.merge(filtered.toBuilder().filter(null).scoreField("rank").build(),
                renames(new FieldRename("n", "rank"))).problems()).singleElement().asString()
                .contains("score_field reads document field 'rank'");
    }

    @Test
    void aMoveMadeOfARenameAndAPathUpdateIsCheckedAgainstTheFilterLikeAPlainRename() {
        IndexSchema filtered = IndexSchema.builder("fb", StorageType.HASH).prefixes(List.of("fb:"))
                .filter("@n > 5").field(new FieldSchema("n", "num", FieldType.NUMERIC, Map.of()))
                .field(new FieldSchema("t", null, FieldType.TEXT, Map.of())).build();
        SchemaPatch moved = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("n", Optional.empty(),
                Optional.of("cnt"), Map.of())), List.of(new FieldRename("n", "cnt")), IndexChanges.NONE);
        assertThat(SchemaMerger.merge(filtered, moved).problems()).singleElement().asString()
                .contains("filter '@n > 5' reads 'num'", "rename of 'n' moves away");
        // index-only: the document field stays, but the filter names the attribute
        assertThat(SchemaMerger.merge(filtered, renames(new FieldRename("n", "count"))).problems())
                .singleElement().asString().contains("filter '@n > 5' reads attribute 'n'", "under 'index:'");
        assertThat(SchemaMerger.merge(filtered, renames(new FieldRename("t", "text"))).problems()).isEmpty();
    }

    /** Tester session 54 R48 T2 F2: planned as supported, and the new index admitted nothing. */
    @Test
    void removingAnAttributeAJsonFilterReadsIsAProblemButNotForAHashFilter() {
        IndexSchema json = IndexSchema.builder("jf", StorageType.JSON).prefixes(List.of("jf:"))
                .filter("@price>10").field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("price", "$.price", FieldType.NUMERIC, Map.of())).build();
        SchemaPatch remove = new SchemaPatch(List.of(), List.of("price"), List.of(), List.of(), IndexChanges.NONE);
        assertThat(SchemaMerger.merge(json, remove).problems()).singleElement().asString().contains(
                "remove_fields: the index's filter '@price>10' reads attribute 'price', which this removes",
                "admit no document");
        SchemaPatch removeTitle = new SchemaPatch(List.of(), List.of("title"), List.of(), List.of(),
                IndexChanges.NONE);
        assertThat(SchemaMerger.merge(json, removeTitle).problems()).isEmpty();
        SchemaPatch readded = new SchemaPatch(List.of(new FieldSchema("price", "$.cost", FieldType.NUMERIC,
                Map.of())), List.of("price"), List.of(), List.of(), IndexChanges.NONE);
        assertThat(SchemaMerger.merge(json, readded).problems()).isEmpty();
        IndexSchema hash = IndexSchema.builder("hf", StorageType.HASH).prefixes(List.of("hf:"))
                .filter("@price>10").field(new FieldSchema("title", null, FieldType.TEXT, Map.of()))
                .field(new FieldSchema("price", null, FieldType.NUMERIC, Map.of())).build();
        assertThat(SchemaMerger.merge(hash, remove).problems()).isEmpty();
    }

    @Test
    void aJsonFieldNamedByItsPathIsRenamedToAPath() {
        IndexSchema json = IndexSchema.builder("j", StorageType.JSON).prefixes(List.of("j:"))
                .field(new FieldSchema("$.title", "$.title", FieldType.TEXT, Map.of())).build();
        assertThat(SchemaMerger.merge(json, renames(new FieldRename("$.title", "name"))).problems())
                .singleElement().asString().contains("named by its path", "'$.name'");
        assertThat(SchemaMerger.merge(json, renames(new FieldRename("$.title", "$.name"))).target().orElseThrow()
                .fields().get(0).path()).isEqualTo("$.name");
    }

    /**
     * A new_name that looks like a JSONPath, for a field named by its attribute name, is a mistake: it moved the value
     * into a root member literally called {@code $.a[0]} (tester session 52 R46 T2 F13).
     */
    @Test
    void aJsonPathAsTheNewNameOfAnAttributeNamedFieldIsAProblem() {
        IndexSchema json = IndexSchema.builder("j", StorageType.JSON).prefixes(List.of("j:"))
                .field(new FieldSchema("title", "$.title", FieldType.TEXT, Map.of()))
                .field(new FieldSchema("brand", "$.meta.brand", FieldType.TAG, Map.of())).build();

        assertThat(SchemaMerger.merge(json, renames(new FieldRename("title", "$.a[0]"))).problems())
                .singleElement().asString().contains("new_name '$.a[0]' of JSON field 'title' looks like a "
                        + "JSONPath", "the new attribute and the root member the value moves to",
                        "(for example 'a')");
        assertThat(SchemaMerger.merge(json, renames(new FieldRename("brand", "$.maker"))).problems())
                .singleElement().asString().contains("is named by its attribute name, so new_name is a name: the "
                        + "new attribute. Give a plain name (for example 'maker')");
        IndexSchema hash = IndexSchema.builder("h", StorageType.HASH).prefixes(List.of("h:"))
                .field(new FieldSchema("title", "title", FieldType.TEXT, Map.of())).build();
        assertThat(SchemaMerger.merge(hash, renames(new FieldRename("title", "$weird"))).problems())
                .as("a hash field name may start with '$'").isEmpty();
    }

    @Test
    void aFieldAddedTwiceIsNamedAsSuch() {
        SchemaPatch patch = new SchemaPatch(List.of(new FieldSchema("rating", null, FieldType.NUMERIC, Map.of()),
                new FieldSchema("rating", null, FieldType.TAG, Map.of())), List.of(), List.of(), List.of(), null);

        assertThat(SchemaMerger.merge(source(), patch).problems()).containsExactly("add_fields: field 'rating' is "
                + "added more than once in this patch; add it once");
    }

    /**
     * UNF goes with SORTABLE: set on a field that does not sort it is a problem (the server refuses it; it was
     * dropped in silence, "Changes: none"), and an update that stops a field sorting drops its UNF.
     */
    @Test
    void unfNeedsASortableField() {
        SchemaPatch unf = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("brand", Optional.empty(),
                Optional.empty(), Map.of("unf", true))), List.of(), IndexChanges.NONE);
        assertThat(SchemaMerger.merge(source(), unf).problems()).singleElement().asString()
                .contains("field 'brand'").contains("'unf'").contains("set 'sortable: true' with it");

        SchemaPatch both = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("brand", Optional.empty(),
                Optional.empty(), Map.of("unf", true, "sortable", true))), List.of(), IndexChanges.NONE);
        assertThat(SchemaMerger.merge(source(), both).target().orElseThrow().field("brand").orElseThrow().attrs())
                .containsEntry("unf", true);

        IndexSchema unnormalised = source().toBuilder().fields(List.of(new FieldSchema("title", null, FieldType.TEXT,
                Map.of("sortable", true, "unf", true)))).build();
        SchemaPatch unsort = new SchemaPatch(List.of(), List.of(), List.of(new FieldUpdate("title", Optional.empty(),
                Optional.empty(), Map.of("sortable", "false"))), List.of(), IndexChanges.NONE);
        SchemaMerger.Result result = SchemaMerger.merge(unnormalised, unsort);
        assertThat(result.problems()).isEmpty();
        assertThat(result.target().orElseThrow().field("title").orElseThrow().attrs()).isEmpty();
    }
}
