package dev.slipway.cli;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.StopSignal;
import dev.slipway.api.Slipway;
import picocli.CommandLine.Option;

/**
 * The options of every command that talks to Redis: where Redis is ({@code --url}), where Slipway keeps its own
 * state ({@code --namespace}) and how much to say ({@code -v}).
 */
public final class ConnectionOptions {
    /** The environment variable that gives the URL when {@code --url} is absent. */
    static final String URL_ENV = "REDIS_URL";
    /** The URL used when neither {@code --url} nor {@code REDIS_URL} is given. */
    static final String DEFAULT_URL = "redis://localhost:6379";

    // No defaultValue here: picocli would print the resolved URL (and a password in it) in --help.
    @Option(names = "--url", paramLabel = "<url>", order = 100,
            description = "Redis URL: redis://[user:password@]host:port[/db], rediss:// for TLS. Default: $"
                    + URL_ENV + ", else " + DEFAULT_URL + ".")
    private String url;

    @Option(names = "--namespace", paramLabel = "<prefix>", defaultValue = Slipway.Configuration.DEFAULT_NAMESPACE,
            order = 101,
            description = "Key prefix of Slipway's own state (locks, checkpoints, version history); a plan runs "
                    + "only under the one it was made in. Default: ${DEFAULT-VALUE}")
    private String namespace;

    @Option(names = {"-v", "--verbose"}, order = 102,
            description = "Debug logging, and stack traces with errors.")
    private boolean verbose;

    /** The URL to connect to: {@code --url}, else {@code $REDIS_URL}, else {@code redis://localhost:6379}. */
    String url() {
        if (url != null && !url.isBlank()) {
            return url;
        }
        String fromEnv = System.getenv(URL_ENV);
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : DEFAULT_URL;
    }

    /** Whether {@code -v} was given. */
    boolean verbose() {
        return verbose;
    }

    /** The facade for these options; does not connect yet. */
    Slipway slipway(ProgressListener progress) {
        return slipway(progress, new StopSignal());
    }

    /** The facade for a long run that {@code stop} may ask to stop at a safe point (see {@link SignalStop}). */
    Slipway slipway(ProgressListener progress, StopSignal stop) {
        return Slipway.configure().url(url()).keyNamespace(namespace).progress(progress).stopSignal(stop).load();
    }

    /** The facade for commands without long-running work. */
    Slipway slipway() {
        return slipway(ProgressListener.NONE);
    }

    /** The key namespace of Slipway's own state, as given or by default. */
    String namespace() {
        return namespace;
    }
}
