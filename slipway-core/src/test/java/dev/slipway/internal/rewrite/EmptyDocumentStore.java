package dev.slipway.internal.rewrite;

import java.util.List;

/** A store holding nothing: an empty page, no values; each test's store changes what it tests. */
abstract class EmptyDocumentStore implements DocumentStore {
    @Override
    public ScanPage scan(String cursor, String pattern, int count, String type) {
        return new ScanPage("0", List.of());
    }

    @Override
    public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
        return List.of();
    }

    @Override
    public List<String> readJson(List<byte[]> keys, List<String> paths) {
        return List.of();
    }

    @Override
    public void close() {
    }
}
