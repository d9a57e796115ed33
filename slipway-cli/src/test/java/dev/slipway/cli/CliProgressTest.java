package dev.slipway.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class CliProgressTest {
    private final StringWriter text = new StringWriter();
    private final AtomicLong clock = new AtomicLong();
    private final CliProgress progress = new CliProgress(new PrintWriter(text), clock::get);

    @Test
    void printsAProgressLineAtMostEveryFiveSeconds() {
        progress.begin("indexing products", 100, "%");
        progress.update(10);
        advanceSeconds(4);
        progress.update(20);
        advanceSeconds(1);
        progress.update(42);
        advanceSeconds(1);
        progress.update(50);
        progress.end();

        assertThat(text.toString().lines()).containsExactly(
                "[slipway] indexing products: started",
                "[slipway] indexing products: 42%",
                "[slipway] indexing products: done (50%)");
    }

    @Test
    void aStoppedTaskIsNotReportedDone() {
        progress.begin("restoring originals", 4000, "docs");
        progress.update(1500);
        progress.stop();
        progress.begin("indexing products", 100, "%");
        progress.update(40);
        progress.stop();
        progress.begin("checking for conflicts", 10, "docs");
        progress.stop();

        assertThat(text.toString().lines()).containsExactly(
                "[slipway] restoring originals: started (4000 docs)",
                "[slipway] restoring originals: stopped at 1500/4000 docs",
                "[slipway] indexing products: started",
                "[slipway] indexing products: stopped at 40%",
                "[slipway] checking for conflicts: started (10 docs)",
                "[slipway] checking for conflicts: stopped");
    }

    @Test
    void countedWorkShowsDoneOfTotal() {
        progress.begin("rewriting documents", 200, "docs");
        advanceSeconds(5);
        progress.update(50);

        assertThat(text.toString().lines()).containsExactly(
                "[slipway] rewriting documents: started (200 docs)",
                "[slipway] rewriting documents: 50/200 docs");
    }

    /** The total is counted at plan time: documents added since go past it, and then only the count is shown. */
    @Test
    void workPastTheTotalShowsTheCountAlone() {
        progress.begin("measuring documents", 200, "docs");
        advanceSeconds(5);
        progress.update(210);
        progress.end();

        assertThat(text.toString().lines()).containsExactly(
                "[slipway] measuring documents: started (200 docs)",
                "[slipway] measuring documents: 210 docs",
                "[slipway] measuring documents: done (210 docs)");
    }

    @Test
    void countedWorkShowsRateAndTimeLeft() {
        progress.begin("rewriting documents", 50_000, "docs");
        progress.update(0);
        progress.update(400); // the first batch
        advanceSeconds(5);
        progress.update(12_400);
        advanceSeconds(2);
        progress.update(17_200);
        advanceSeconds(3);
        progress.update(24_400);
        progress.end();

        assertThat(text.toString().lines()).containsExactly(
                "[slipway] rewriting documents: started (50000 docs)",
                "[slipway] rewriting documents: 12400/50000 docs (2400 docs/s, ETA 16 s)",
                "[slipway] rewriting documents: 24400/50000 docs (2400 docs/s, ETA 11 s)",
                "[slipway] rewriting documents: done (24400/50000 docs, 2400 docs/s)");
    }

    @Test
    void aResumedTaskMeasuresOnlyTheWorkOfThisRun() {
        progress.begin("rewriting documents", 50_000, "docs");
        progress.update(30_000); // done by an earlier run
        progress.update(30_400);
        advanceSeconds(5);
        progress.update(42_400);

        assertThat(text.toString()).contains("rewriting documents: 42400/50000 docs (2400 docs/s, ETA 3 s)");
    }

    /**
     * The first batch lands as soon as the task begins: counted, batches of 250 at 500 a second showed 550 docs/s
     * after 5 s (2,750 documents, 250 of them at once), though no second held more than 500.
     */
    @Test
    void theFirstBatchIsNotCountedInTheRate() {
        progress.begin("rewriting documents", 5_000, "docs");
        progress.update(0);
        progress.update(250);
        for (int batch = 2; batch <= 11; batch++) {
            advanceMillis(500);
            progress.update(batch * 250L);
        }

        assertThat(text.toString()).contains("2750/5000 docs (500 docs/s, ETA 5 s)");
    }

    @Test
    void longTimesLeftAreInMinutesAndHours() {
        progress.begin("rewriting documents", 10_000_000, "docs");
        progress.update(0);
        progress.update(100);
        advanceSeconds(10);
        progress.update(10_100);

        assertThat(text.toString()).contains("10100/10000000 docs (1000 docs/s, ETA 2 h 46 min)");
    }

    @Test
    void unknownTotalShowsTheCount() {
        progress.begin("scanning keys", 0, "keys");
        advanceSeconds(6);
        progress.update(1234);

        assertThat(text.toString()).contains("scanning keys: 1234 keys");
    }

    @Test
    void messagesArePrefixedLines() {
        progress.message("step 1/4: drop the index");

        assertThat(text.toString()).isEqualTo("[slipway] step 1/4: drop the index" + System.lineSeparator());
    }

    @Test
    void updatesWithoutATaskPrintNothing() {
        advanceSeconds(10);
        progress.update(5);
        progress.end();

        assertThat(text.toString()).isEmpty();
    }

    private void advanceMillis(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private void advanceSeconds(long seconds) {
        clock.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }
}
