package dev.slipway.api.plan;

/**
 * One check made by validation.
 *
 * @param name     short name ({@code schema}, {@code document-count}, {@code sample-keys}, ...)
 * @param passed   whether it passed
 * @param expected what was expected, as text
 * @param actual   what was found, as text
 * @param detail   what differed and what to do about it; empty when it passed
 */
public record ValidationCheck(String name, boolean passed, String expected, String actual, String detail) {
}
