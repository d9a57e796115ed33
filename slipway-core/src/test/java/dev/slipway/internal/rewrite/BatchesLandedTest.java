package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The count of batches landed is kept at best effort, except that a lost lock stops the run. */
class BatchesLandedTest {

    /** A store whose every send fails with a lost connection. */
    private static final class FailingStore extends EmptyDocumentStore {
        @Override
        public List<Object> execute(List<Command> commands) {
            throw new JedisConnectionException("Connection reset");
        }
    }

    /** A lock that another process took over. */
    private static final class LostLock implements HeldLock {
        @Override
        public void confirmHeld() {
            throw new SlipwayException(ErrorCode.LOCK_HELD, "The lock was taken over");
        }

        @Override
        public boolean isLost() {
            return true;
        }
    }

    @Test
    void aLostConnectionIsPassedOver() {
        try (WorkerPool pool = new WorkerPool(FailingStore::new, 1, 0)) {
            BatchesLanded landed = new BatchesLanded("slipway:rewrite-batches:idx", "plan");

            assertThatCode(() -> landed.record(pool, 3)).doesNotThrowAnyException();
            assertThatCode(() -> landed.clear(pool)).doesNotThrowAnyException();
        }
    }

    @Test
    void aLostLockIsThrown() {
        try (WorkerPool pool = new WorkerPool(FailingStore::new, 1, 0)) {
            pool.guardedBy(new LostLock());
            BatchesLanded landed = new BatchesLanded("slipway:rewrite-batches:idx", "plan");

            assertThatThrownBy(() -> landed.record(pool, 3)).isInstanceOf(SlipwayException.class)
                    .satisfies(e -> assertThat(((SlipwayException) e).code()).isEqualTo(ErrorCode.LOCK_HELD));
            assertThatThrownBy(() -> landed.clear(pool)).isInstanceOf(SlipwayException.class);
        }
    }
}
