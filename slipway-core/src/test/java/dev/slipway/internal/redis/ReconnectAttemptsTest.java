package dev.slipway.internal.redis;

import dev.slipway.internal.rewrite.WorkerPool;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** How many times a session reconnects to ride out as long an outage as a number of worker retries. */
class ReconnectAttemptsTest {

    @Test
    void attemptsWaitAtLeastTheWindow() {
        assertThat(RedisSession.attemptsCovering(Duration.ZERO)).isZero();
        assertThat(RedisSession.attemptsCovering(Duration.ofMillis(100))).isEqualTo(1);
        assertThat(RedisSession.attemptsCovering(Duration.ofMillis(101))).isEqualTo(2);
        // 0.1 + 0.2 + 0.4 + 0.8 + 1.6 = 3.1 s, then 2 s each
        assertThat(RedisSession.attemptsCovering(Duration.ofMillis(3_100))).isEqualTo(5);
        assertThat(RedisSession.attemptsCovering(Duration.ofMillis(5_100))).isEqualTo(6);
        assertThat(RedisSession.attemptsCovering(Duration.ofMillis(62_700))).isEqualTo(35);
    }

    @Test
    void aSessionRidesOutWhatEveryNumberOfRetriesDoes() {
        for (int retries = 0; retries <= 20; retries++) {
            Duration window = WorkerPool.retryWindow(retries);
            int attempts = RedisSession.attemptsCovering(window);
            long waited = 0;
            for (int i = 0, pause = 100; i < attempts; i++, pause = Math.min(pause * 2, 2_000)) {
                waited += pause;
            }
            assertThat(waited).as("%d retries", retries).isGreaterThanOrEqualTo(window.toMillis())
                    .isLessThan(window.toMillis() + 2_000);
        }
    }
}
