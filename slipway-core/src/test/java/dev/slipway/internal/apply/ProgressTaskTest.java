package dev.slipway.internal.apply;

import dev.slipway.api.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTaskTest {

    /** A part that counts from zero goes on from the parts before it (tester session 53 R47 T2 F6: 20000, then 500). */
    @Test
    void aLaterPartGoesOnFromTheEarlierOnes() {
        List<String> events = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void begin(String task, long total, String unit) {
                events.add("begin " + total);
            }

            @Override
            public void update(long done) {
                events.add("update " + done);
            }

            @Override
            public void end() {
                events.add("end");
            }
        };
        try (ProgressTask task = ProgressTask.begin(listener, "looking", 40, "docs")) {
            task.after(0).update(20);
            ProgressTask second = task.after(20);
            second.update(5);
            second.update(20);
            second.close(); // a view: it neither ends nor stops the task
            task.finished();
        }

        assertThat(events).containsExactly("begin 40", "update 20", "update 25", "update 40", "end");
    }
}
