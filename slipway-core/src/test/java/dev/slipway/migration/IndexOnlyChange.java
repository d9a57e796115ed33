package dev.slipway.migration;

import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.schema.StorageType;
import dev.slipway.migration.ProductCatalog.Product;
import dev.slipway.migration.ProductCatalog.VectorAlgorithm;
import dev.slipway.migration.VectorExpectations.Metric;
import redis.clients.jedis.Jedis;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static dev.slipway.migration.RedisInspection.search;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One kind of index-only change, with the queries that show it took effect: every change the issue lists, for
 * {@link IndexOnlyMigrationIT}. Where a query can tell, the {@code before} check shows it answers differently
 * before the migration, so that the {@code after} check cannot pass by accident.
 *
 * @param name     what changes, for the test name
 * @param storages where it is index-only
 * @param source   the vector algorithm the source index starts with
 * @param patch    the {@code changes:} section of the patch file
 * @param kinds    the changes the plan must classify, in order
 * @param before   what queries show before the migration
 * @param after    what queries show after it
 */
record IndexOnlyChange(String name, Set<StorageType> storages, VectorAlgorithm source, String patch,
                       List<ChangeKind> kinds, IndexOnlyChange.Check before, IndexOnlyChange.Check after) {
    private static final Set<StorageType> BOTH = EnumSet.allOf(StorageType.class);
    private static final Check NOTHING = (jedis, catalog, index) -> { };

    /** A check of query behaviour against the catalogue's known data. */
    @FunctionalInterface
    interface Check {
        void verify(Jedis jedis, ProductCatalog catalog, String index);
    }

    @Override
    public String toString() {
        return name;
    }

    static List<IndexOnlyChange> all() {
        return List.of(
                change("add a text field", """
                                add_fields:
                                  - name: brand
                                    type: text
                                """, List.of(ChangeKind.ADD_FIELD),
                        count("@brand:acme", p -> false),
                        count("@brand:acme", p -> p.brand().equals("acme"))),
                change("add a tag field", """
                                add_fields:
                                  - name: color
                                    type: tag
                                """, List.of(ChangeKind.ADD_FIELD),
                        count("@color:{red}", p -> false),
                        count("@color:{red}", p -> p.color().equals("red"))),
                change("add a numeric field", """
                                add_fields:
                                  - name: rating
                                    type: numeric
                                    attrs: {sortable: true}
                                """, List.of(ChangeKind.ADD_FIELD),
                        count("@rating:[4 5]", p -> false),
                        count("@rating:[4 5]", p -> p.rating() >= 4)),
                change("add a geo field", """
                                add_fields:
                                  - name: warehouse
                                    type: geo
                                """, List.of(ChangeKind.ADD_FIELD),
                        count("@warehouse:[-0.1276 51.5072 50 km]", p -> false),
                        count("@warehouse:[-0.1276 51.5072 50 km]", p -> p.warehouse().name().equals("london"))),
                change("remove a field", """
                                remove_fields: [price]
                                """, List.of(ChangeKind.REMOVE_FIELD),
                        count("@price:[0 +inf]", p -> true),
                        count("@price:[0 +inf]", p -> false)),
                change("make a field sortable", """
                                update_fields:
                                  - name: price
                                    attrs: {sortable: true}
                                """, List.of(ChangeKind.UPDATE_FIELD_OPTION),
                        NOTHING, IndexOnlyChange::sortedByPrice),
                change("change the tag separator", """
                                update_fields:
                                  - name: category
                                    attrs: {separator: "|"}
                                """, List.of(ChangeKind.UPDATE_FIELD_OPTION),
                        count("@category:{outdoor}", p -> false),
                        count("@category:{outdoor}", p -> p.hasTag("outdoor"))),
                change("change a text weight", """
                                update_fields:
                                  - name: title
                                    attrs: {weight: 2.5}
                                """, List.of(ChangeKind.UPDATE_FIELD_OPTION),
                        NOTHING, (jedis, catalog, index) -> {
                            assertThat(RedisInspection.definition(jedis, index)).contains("WEIGHT, 2.5");
                            count("@title:wireless", p -> p.titleHasWord("wireless")).verify(jedis, catalog, index);
                        }),
                change("set no_stem", """
                                update_fields:
                                  - name: title
                                    attrs: {no_stem: true}
                                """, List.of(ChangeKind.UPDATE_FIELD_OPTION),
                        count("@title:run", p -> p.titleHasWord("running")),
                        both(count("@title:run", p -> false),
                                count("@title:running", p -> p.titleHasWord("running")))),
                change("vector algorithm FLAT to HNSW", """
                                update_fields:
                                  - name: embedding
                                    attrs: {algorithm: hnsw}
                                """, List.of(ChangeKind.UPDATE_VECTOR_INDEX),
                        NOTHING, both(definitionContains("HNSW"), knn(Metric.COSINE, false))),
                new IndexOnlyChange("vector algorithm HNSW to FLAT", BOTH, VectorAlgorithm.HNSW, """
                        update_fields:
                          - name: embedding
                            attrs: {algorithm: flat}
                        """, List.of(ChangeKind.UPDATE_VECTOR_INDEX),
                        definitionContains("HNSW"), both(definitionContains("FLAT"), knn(Metric.COSINE, false))),
                change("vector distance metric", """
                                update_fields:
                                  - name: embedding
                                    attrs: {distance_metric: l2}
                                """, List.of(ChangeKind.UPDATE_VECTOR_INDEX),
                        knn(Metric.COSINE, false), knn(Metric.L2, false)),
                new IndexOnlyChange("tune HNSW m and ef_construction", BOTH, VectorAlgorithm.HNSW, """
                        update_fields:
                          - name: embedding
                            attrs: {m: 32, ef_construction: 400}
                        """, List.of(ChangeKind.UPDATE_VECTOR_INDEX),
                        NOTHING, both(definitionContains("M, 32"), definitionContains("ef_construction, 400"),
                        knn(Metric.COSINE, false))),
                change("rename the index", """
                                index:
                                  name: products_v2
                                """, List.of(ChangeKind.RENAME_INDEX),
                        NOTHING, (jedis, catalog, index) -> {
                            assertThat(index).isEqualTo("products_v2");
                            assertThat(RedisInspection.indexes(jedis)).containsExactly("products_v2");
                            count("*", p -> true).verify(jedis, catalog, index);
                        }),
                change("change the language", """
                                index:
                                  language: german
                                """, List.of(ChangeKind.UPDATE_INDEX_OPTION),
                        count("@title:run", p -> p.titleHasWord("running")),
                        both(definitionContains("german"), count("@title:run", p -> false),
                                count("@title:running", p -> p.titleHasWord("running")))),
                change("remove all stop words", """
                                index:
                                  stopwords: []
                                """, List.of(ChangeKind.UPDATE_INDEX_OPTION),
                        count("@title:the", p -> false),
                        count("@title:the", p -> p.titleHasWord("the"))),
                change("custom stop words", """
                                index:
                                  stopwords: [wireless, the]
                                """, List.of(ChangeKind.UPDATE_INDEX_OPTION),
                        count("@title:wireless", p -> p.titleHasWord("wireless")),
                        count("@title:wireless", p -> false)),
                new IndexOnlyChange("vector datatype float32 to float16", EnumSet.of(StorageType.JSON),
                        VectorAlgorithm.FLAT, """
                        update_fields:
                          - name: embedding
                            attrs: {datatype: float16}
                        """, List.of(ChangeKind.CHANGE_VECTOR_DATATYPE),
                        knn(Metric.COSINE, false), both(definitionContains("FLOAT16"), knn(Metric.COSINE, true))));
    }

    static Check count(String query, Predicate<Product> expected) {
        return (jedis, catalog, index) -> {
            long wanted = catalog.count(expected);
            RedisInspection.Hits hits = search(jedis, index, query);
            assertThat(hits.total()).as("FT.SEARCH %s %s", index, query).isEqualTo(wanted);
            assertThat(hits.keys()).as("keys of %s", query).containsExactlyInAnyOrderElementsOf(
                    catalog.products().stream().filter(expected).map(Product::key).toList());
        };
    }

    static Check both(Check... checks) {
        return (jedis, catalog, index) -> {
            for (Check check : checks) {
                check.verify(jedis, catalog, index);
            }
        };
    }

    static Check definitionContains(String text) {
        return (jedis, catalog, index) -> assertThat(RedisInspection.definition(jedis, index)).contains(text);
    }

    static Check knn(Metric metric, boolean half) {
        return (jedis, catalog, index) -> VectorExpectations.assertNearestNeighbours(jedis, catalog, index, metric,
                half);
    }

    static void sortedByPrice(Jedis jedis, ProductCatalog catalog, String index) {
        List<String> keys = search(jedis, index, "*", "SORTBY", "price", "ASC").keys();
        List<Double> prices = keys.stream()
                .map(k -> catalog.product(Integer.parseInt(k.substring(ProductCatalog.PREFIX.length()))).price())
                .toList();
        assertThat(keys).hasSize(catalog.products().size());
        assertThat(prices).isSorted();
        assertThat(RedisInspection.definition(jedis, index)).contains("price, type, NUMERIC, SORTABLE");
    }

    private static IndexOnlyChange change(String name, String patch, List<ChangeKind> kinds, Check before,
                                          Check after) {
        return new IndexOnlyChange(name, BOTH, VectorAlgorithm.FLAT, patch, kinds, before, after);
    }
}
