package dev.slipway.internal.io;

/** Quoted parts of a text in which a backslash escapes the next character: FILTER literals, JSON path members. */
public final class QuotedText {
    private QuotedText() {
    }

    /**
     * The index of the quote that closes the one at {@code open} (the same character, not escaped by a backslash), or
     * -1 when the text ends first.
     */
    public static int closingQuote(String text, int open) {
        char quote = text.charAt(open);
        for (int i = open + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return -1;
    }
}
