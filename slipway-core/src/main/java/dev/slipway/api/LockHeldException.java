package dev.slipway.api;

/** Another process holds the migration lock of an index; the message names the owner and the lease left. */
public class LockHeldException extends SlipwayException {
    private static final long serialVersionUID = 1L;

    private final String owner;

    /** Creates the exception naming the current owner of the lock. */
    public LockHeldException(String message, String owner) {
        super(ErrorCode.LOCK_HELD, message);
        this.owner = owner;
    }

    /** The owner recorded in the lock (host, process id and start time of the holder). */
    public String owner() {
        return owner;
    }
}
