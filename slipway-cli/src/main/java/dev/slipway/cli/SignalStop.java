package dev.slipway.cli;

import dev.slipway.api.StopSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Ctrl-C (SIGINT) and SIGTERM. While {@code apply} or {@code rollback --backup-dir} runs, the first one asks it to
 * stop at its next safe point ({@link StopSignal}): it saves its progress, releases its lock, prints (and writes,
 * with {@code --report-out}) its report, and the process exits 130 or 143. While {@code validate} runs, the first one
 * stops it before its next check, removing the throwaway index and copies of documents it made to check. A second
 * one, or one during any other command (nothing to save there), ends the process at once, as the JVM would by
 * default; what a migration stored is crash-safe either way.
 */
final class SignalStop {
    private static final Logger LOG = LoggerFactory.getLogger(SignalStop.class);
    /** What an apply or rollback says it does on the first signal. */
    static final String SAVING = "stopping at the next safe point (after the batch in progress, or between steps) and "
            + "saving progress";
    private static final AtomicReference<Run> RUNNING = new AtomicReference<>();
    private static volatile String received = "";

    private SignalStop() {
    }

    /** Takes over SIGINT and SIGTERM for the process; without the JVM's signal API, they keep their default. */
    static void install(PrintStream err) {
        try {
            for (String name : new String[]{"INT", "TERM"}) {
                Signal.handle(new Signal(name), signal -> received(signal.getName(), err));
            }
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LOG.debug("Signals keep their default handling: {}", e.toString());
        }
    }

    /** Runs {@code work} so that the first signal asks {@code stop} to stop it instead of ending the process. */
    static <T> T stoppable(StopSignal stop, Supplier<T> work) {
        return stoppable(stop, SAVING, work);
    }

    /** As {@link #stoppable(StopSignal, Supplier)}, the first signal printing {@code notice} (what the run does). */
    static <T> T stoppable(StopSignal stop, String notice, Supplier<T> work) {
        RUNNING.set(new Run(stop, notice));
        try {
            return work.get();
        } finally {
            RUNNING.set(null);
        }
    }

    /** The exit code of a run that stopped on request: 143 after SIGTERM, 130 otherwise (SIGINT, or a library call). */
    static int stoppedExitCode() {
        return exitCode(received);
    }

    /**
     * Runs {@code work} (a question to a person, inside a stoppable run) so that a signal meanwhile ends the process
     * at once, as outside a run: a stop request would only be seen after the answer.
     */
    static void outsideTheRun(Runnable work) {
        Run run = RUNNING.getAndSet(null);
        try {
            work.run();
        } finally {
            RUNNING.set(run);
        }
    }

    private static void received(String name, PrintStream err) {
        Run run = RUNNING.get();
        if (run == null || run.stop().isRequested()) {
            System.exit(exitCode(name)); // the shutdown hook says what that means
            return;
        }
        received = name;
        run.stop().request("SIG" + name);
        err.println(System.lineSeparator() + "slipway: SIG" + name + " received: " + run.notice() + ". Send it again "
                + "to stop at once.");
        err.flush();
    }

    private static int exitCode(String name) {
        return name.equals("TERM") ? 143 : 130;
    }

    /** A run that the first signal asks to stop, and what it then prints. */
    private record Run(StopSignal stop, String notice) {
    }
}
