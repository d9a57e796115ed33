package dev.slipway.api.plan;

import java.util.List;

/**
 * One check made by validation.
 *
 * @param name      short name ({@code schema}, {@code document-count}, {@code sample-keys}, ...)
 * @param passed    whether it passed
 * @param expected  what was expected, as text
 * @param actual    what was found, as text
 * @param detail    what differed and what to do about it; empty when it passed
 * @param documents the keys of the documents a failed check names (at most 20, also in {@code detail}), for tools
 *                  that act on them; empty when it names none ({@code old-vectors}, {@code old-form} name them)
 */
public record ValidationCheck(String name, boolean passed, String expected, String actual, String detail,
                              List<String> documents) {
    /** Copies the list. */
    public ValidationCheck {
        documents = documents == null ? List.of() : List.copyOf(documents);
    }

    /** A check that names no documents. */
    public ValidationCheck(String name, boolean passed, String expected, String actual, String detail) {
        this(name, passed, expected, actual, detail, List.of());
    }

    /**
     * A check validation could not make ({@code why}: what stopped it and what to do): failed, with the actual
     * "not checked", since a check not made is no pass.
     */
    public static ValidationCheck notChecked(String name, String expected, String why) {
        return new ValidationCheck(name, false, expected, "not checked", why);
    }
}
