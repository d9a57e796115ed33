package dev.slipway.cli;

import java.util.Locale;

/** Formats numbers for people: sizes, durations, percentages. */
final class Units {
    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Units() {
    }

    /** {@code 1536} → {@code 1.5 KiB}. */
    static String bytes(long bytes) {
        double value = bytes;
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, BYTE_UNITS[unit]);
    }

    /** Milliseconds as {@code 850 ms}, {@code 12.3 s} or {@code 4 min 5 s}. */
    static String millis(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        return seconds(ms / 1000.0);
    }

    /** Seconds as {@code 0.4 s}, {@code 12.3 s}, {@code 4 min 5 s} or {@code 2 h 3 min}. */
    static String seconds(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        long whole = Math.round(seconds);
        if (whole < 3600) {
            return whole / 60 + " min " + whole % 60 + " s";
        }
        return whole / 3600 + " h " + whole % 3600 / 60 + " min";
    }

    /** Time left as {@code 16 s}, {@code 4 min 5 s} or {@code 2 h 3 min}: whole seconds, since it is a guess. */
    static String eta(double seconds) {
        long whole = Math.round(Math.max(seconds, 0));
        return whole < 60 ? whole + " s" : seconds(whole);
    }

    /** A rate as {@code 2400 docs/s}, with one decimal below 10 ({@code 0.5 docs/s}). */
    static String rate(double perSecond, String unit) {
        String number = perSecond >= 10 ? Long.toString(Math.round(perSecond))
                : String.format(Locale.ROOT, "%.1f", perSecond);
        return number + (unit.isEmpty() ? "" : " " + unit) + "/s";
    }

    /** A 0..1 fraction as {@code 42.0%}. */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }
}
