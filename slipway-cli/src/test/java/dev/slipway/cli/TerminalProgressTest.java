package dev.slipway.cli;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class TerminalProgressTest {
    private final List<String> frames = new CopyOnWriteArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private final StringWriter messages = new StringWriter();
    private final TerminalProgress progress = new TerminalProgress(new PrintWriter(messages),
            Optional.of(new DelegatingProgressBarConsumer(frames::add, 160)), clock::get);

    @Test
    void countedWorkShowsRateAndTimeLeftAfterTheBar() {
        progress.begin("rewriting documents", 50_000, "docs");
        progress.update(0);
        progress.update(400);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(5));
        progress.update(12_400);
        progress.end();

        assertThat(frames).isNotEmpty();
        assertThat(frames.get(frames.size() - 1)).startsWith("rewriting documents")
                .contains("12400/50000 docs").endsWith("2400 docs/s, ETA 16 s");
    }

    @Test
    void percentagesShowNoRate() {
        progress.begin("indexing products", 100, "%");
        progress.update(42);
        progress.end();

        assertThat(frames.get(frames.size() - 1)).contains("42/100%").doesNotContain("/s");
    }

    @Test
    void messagesArePrefixedLines() {
        progress.message("step 2/5: create the index");

        assertThat(messages.toString()).isEqualTo("[slipway] step 2/5: create the index" + System.lineSeparator());
    }
}
