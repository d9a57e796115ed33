package dev.slipway.api;

import dev.slipway.api.plan.ValidationResult;

/** Validation ran and at least one check failed; {@link #result()} holds every check. */
public class ValidationFailedException extends SlipwayException {
    private static final long serialVersionUID = 1L;

    private final transient ValidationResult result;

    /** Creates the exception from a failed validation result. */
    public ValidationFailedException(String message, ValidationResult result) {
        super(ErrorCode.VALIDATION_FAILED, message, result.failureDescriptions(), null);
        this.result = result;
    }

    /** The complete validation result, passed and failed checks alike. */
    public ValidationResult result() {
        return result;
    }
}
