package dev.slipway.internal.rewrite;

/**
 * The migration lock as a long-running writer sees it: asked before each batch, so that a process that stalled past
 * its lease (a long GC pause, a suspended VM, {@code SIGSTOP}) stops instead of writing over the work of the process
 * that took the lock meanwhile, such as a rollback.
 */
public interface HeldLock {
    /** No lock: for tests and tools that run a rewrite by hand. */
    HeldLock NONE = new HeldLock() {
        @Override
        public void confirmHeld() {
        }

        @Override
        public boolean isLost() {
            return false;
        }
    };

    /**
     * The name ({@code CLIENT SETNAME}) the holder's writing connections carry, empty for none. A process that takes
     * the lock over closes every connection of that name first, so that nothing a stalled holder had on its way
     * (the rest of a pipeline, a retry) lands after it.
     */
    default String clientName() {
        return "";
    }

    /**
     * Returns when the lock is still this process's; otherwise marks it lost and throws.
     *
     * @throws dev.slipway.api.SlipwayException {@link dev.slipway.api.ErrorCode#LOCK_HELD} when the lease ran out
     *                                          or another process holds the lock
     */
    void confirmHeld();

    /**
     * As {@link #confirmHeld}, asking the server now even when the lock was confirmed a moment ago: after the server
     * restarted, the lock key is gone when it restarted from a snapshot older than the lock.
     */
    default void confirmHeldNow() {
        confirmHeld();
    }

    /** Whether the lock was lost: nothing this process keeps (files, checkpoints) may be written any more. */
    boolean isLost();
}
