package dev.slipway.api;

import java.util.List;

/** The live index no longer matches the snapshot a plan was made from; re-run {@code slipway plan}. */
public class StalePlanException extends SlipwayException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with the differences found between the snapshot and the live index. */
    public StalePlanException(String message, List<String> differences) {
        super(ErrorCode.STALE_PLAN, message, differences, null);
    }
}
