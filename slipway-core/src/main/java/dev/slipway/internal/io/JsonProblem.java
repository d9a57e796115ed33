package dev.slipway.internal.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What is wrong with a JSON file Slipway wrote (a backup header, say), in words that name the field and the value
 * rather than Jackson's classes and settings (tester session 28: "Cannot deserialize value of type
 * `dev.slipway.internal.rewrite.BackupHeader$Phase`", "Source: REDACTED (`StreamReadFeature...`)").
 */
public final class JsonProblem {

    private JsonProblem() {
    }

    /** The problem, with the line and column where the parser knows them. */
    public static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null || e.getLocation().getLineNr() < 0 ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        if (e instanceof InvalidFormatException invalid) {
            Class<?> type = invalid.getTargetType();
            return "'" + path(invalid) + "' holds " + invalid.getValue() + ", which it cannot"
                    + (type != null && type.isEnum() ? "; it takes one of " + Arrays.stream(type.getEnumConstants())
                    .map(Object::toString).collect(Collectors.joining(", ")) : "") + where;
        }
        if (e instanceof MismatchedInputException mismatched && !mismatched.getPath().isEmpty()) {
            return "'" + path(mismatched) + "' is missing or of the wrong kind" + where;
        }
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        int cut = message.indexOf('\n');
        return "not valid JSON: " + (cut < 0 ? message : message.substring(0, cut)) + where;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
