package dev.slipway.internal.rewrite;

import java.util.List;

/**
 * A {@link DocumentStore} that passes every call on; tests override the call they act on. The counted read of hash
 * fields is left to the interface's default, so that it goes through {@link #readHashFields} and {@link #execute},
 * which tests override.
 */
public class ForwardingDocumentStore implements DocumentStore {
    protected final DocumentStore delegate;

    public ForwardingDocumentStore(DocumentStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public ScanPage scan(String cursor, String pattern, int count, String type) {
        return delegate.scan(cursor, pattern, count, type);
    }

    @Override
    public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
        return delegate.readHashFields(keys, fields);
    }

    @Override
    public List<String> readJson(List<byte[]> keys, List<String> paths) {
        return delegate.readJson(keys, paths);
    }

    @Override
    public List<Object> execute(List<Command> commands) {
        return delegate.execute(commands);
    }

    @Override
    public void nameClient(String name) {
        delegate.nameClient(name);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
