package dev.slipway.internal.yaml;

/** A document could not be parsed; the message names the file and line. */
public final class YamlSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    YamlSyntaxException(String message) {
        super(message);
    }
}
