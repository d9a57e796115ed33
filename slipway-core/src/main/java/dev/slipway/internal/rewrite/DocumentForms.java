package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.util.ArrayList;
import java.util.List;

/**
 * Looks at documents another client changed outside their own rewrite (see {@link OutsideChanges}), on a connection
 * of the write watch's: whether each is gone, in the rewrite's new form, or still in the old one
 * ({@link DocumentRewriter#inNewForm}). A document that moved to its new key meanwhile is looked at there. A key of
 * another type than the index's documents is not one of them, and the rewrite never touches it: it counts as in the
 * new form.
 */
final class DocumentForms implements OutsideChanges.FormCheck {
    private final RewriteSpec spec;
    private final DocumentRewriter rewriter;
    private final KeyMove keyMove;

    DocumentForms(RewriteSpec spec, DocumentRewriter rewriter) {
        this.spec = spec;
        this.rewriter = rewriter;
        this.keyMove = KeyMove.of(spec);
    }

    @Override
    public List<OutsideChanges.Form> forms(DocumentStore store, List<byte[]> keys) {
        byte[][] names = new byte[keys.size()][];
        boolean[] unknown = new boolean[keys.size()];
        List<Object> found = store.execute(keys.stream().map(key -> DocumentRewriter.command("EXISTS", key))
                .toList());
        List<Integer> moved = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (!(found.get(i) instanceof Long n)) {
                unknown[i] = true; // refused: judged as not rewritten
            } else if (n > 0) {
                names[i] = keys.get(i);
            } else if (keyMove.needsMove(keys.get(i))) {
                moved.add(i);
            }
        }
        if (!moved.isEmpty()) { // gone from its old name: moved by the rewrite, or deleted
            List<Object> there = store.execute(moved.stream()
                    .map(i -> DocumentRewriter.command("EXISTS", keyMove.newKey(keys.get(i)))).toList());
            for (int j = 0; j < moved.size(); j++) {
                if (!(there.get(j) instanceof Long n)) {
                    unknown[moved.get(j)] = true;
                } else if (n > 0) {
                    names[moved.get(j)] = keyMove.newKey(keys.get(moved.get(j)));
                }
            }
        }
        List<Integer> present = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null) {
                present.add(i);
            }
        }
        List<String> fields = rewriter.fieldsToRead();
        List<Object> values = fields.isEmpty() ? List.of() : store.execute(present.stream()
                .map(i -> read(names[i], fields)).toList());
        List<OutsideChanges.Form> forms = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            forms.add(unknown[i] ? OutsideChanges.Form.OLD : OutsideChanges.Form.GONE);
        }
        for (int j = 0; j < present.size(); j++) {
            int i = present.get(j);
            forms.set(i, form(names[i], fields.isEmpty() ? new byte[0][] : values.get(j), fields));
        }
        return forms;
    }

    private Command read(byte[] key, List<String> fields) {
        List<byte[]> args = new ArrayList<>(fields.size() + 1);
        args.add(key);
        fields.forEach(field -> args.add(DocumentRewriter.bytes(field)));
        return new Command(spec.storage() == StorageType.HASH ? "HMGET" : "JSON.GET", args);
    }

    private OutsideChanges.Form form(byte[] key, Object reply, List<String> fields) {
        byte[][] current;
        if (reply instanceof Exception e) {
            if (String.valueOf(e.getMessage()).startsWith("WRONGTYPE")) {
                return OutsideChanges.Form.NEW; // not a document of the index: the rewrite leaves it alone
            }
            return OutsideChanges.Form.OLD; // cannot tell: judged as not rewritten
        } else if (reply instanceof List<?> list) {
            current = list.stream().map(value -> (byte[]) value).toArray(byte[][]::new);
        } else if (reply instanceof byte[] json) {
            current = DocumentRewriter.jsonValues(fields, DocumentRewriter.text(json));
        } else if (reply == null && spec.storage() == StorageType.JSON) {
            return OutsideChanges.Form.GONE; // deleted since it was found
        } else {
            current = new byte[fields.size()][];
        }
        return rewriter.inNewForm(key, current) ? OutsideChanges.Form.NEW : OutsideChanges.Form.OLD;
    }
}
