package dev.slipway.internal.io;

/** Counted nouns for messages, so "1 change" never reads "1 changes". */
public final class Wording {

    private Wording() {
    }

    /** {@code 1 document}, {@code 0 documents}, {@code 3 documents}. */
    public static String count(long count, String singular, String plural) {
        return count + " " + (count == 1 ? singular : plural);
    }
}
