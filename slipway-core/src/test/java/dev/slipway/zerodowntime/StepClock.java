package dev.slipway.zerodowntime;

import dev.slipway.api.ProgressListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A progress listener that notes when each step started ({@link System#nanoTime()}), by 1-based step number. */
final class StepClock implements ProgressListener {
    private static final Pattern STEP = Pattern.compile("^step (\\d+)/(\\d+): ");
    private final Map<Integer, Long> started = new ConcurrentHashMap<>();

    @Override
    public void message(String text) {
        Matcher m = STEP.matcher(text);
        if (m.find()) {
            started.putIfAbsent(Integer.parseInt(m.group(1)), System.nanoTime());
        }
    }

    /** When step {@code number} (1-based) started. */
    long started(int number) {
        Long at = started.get(number);
        if (at == null) {
            throw new AssertionError("step " + number + " never started; seen " + started.keySet());
        }
        return at;
    }
}
