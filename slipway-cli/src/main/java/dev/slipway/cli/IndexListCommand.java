package dev.slipway.cli;

import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.version.IndexStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code slipway index list}: the names of every search index on the server. */
@Command(name = "list",
        header = "List the search indexes on the server.",
        description = "Prints one index name per line (aliases are not listed; the names Slipway serves through an "
                + "alias are named on stderr), or a document with the names.")
public final class IndexListCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--format", paramLabel = "<format>", defaultValue = "text",
            description = "Output: text (one name per line), yaml or json. Default: ${DEFAULT-VALUE}")
    private OutputFormat format;

    @Override
    public Integer call() {
        Slipway slipway = connection.slipway();
        List<String> names = slipway.listIndexes();
        Map<String, String> aliases = managedAliases(slipway);
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.TEXT) {
            names.forEach(out::println);
            if (names.isEmpty()) {
                spec.commandLine().getErr().println("No search indexes on " + slipway.redactedUrl() + ".");
            }
            if (!aliases.isEmpty()) { // on stderr: stdout stays one index name per line for scripts
                List<String> served = new ArrayList<>();
                aliases.forEach((alias, index) -> served.add(alias + " -> " + index));
                spec.commandLine().getErr().println("Served through aliases Slipway manages (query and migrate them "
                        + "by these names; 'slipway status' shows their versions): " + String.join(", ", served));
            }
        } else {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("url", slipway.redactedUrl());
            document.put("indexes", names);
            if (!aliases.isEmpty()) {
                document.put("managed_aliases", aliases);
            }
            out.print(format.render(document));
        }
        out.flush();
        return 0;
    }

    /**
     * The names Slipway serves through an alias and the version each serves: after a first zero-downtime migration
     * the name applications query is an alias, which the index list leaves out, so a new user thought the index gone
     * (tester session 52 R46 T2 F13). Empty when Slipway's records cannot be read (the list does not need them).
     */
    private static Map<String, String> managedAliases(Slipway slipway) {
        Map<String, String> aliases = new LinkedHashMap<>();
        try {
            for (IndexStatus status : slipway.status(Optional.empty())) {
                if (status.alias()) {
                    status.servedBy().ifPresent(index -> aliases.put(status.name(), index));
                }
            }
        } catch (SlipwayException e) {
            return Map.of();
        }
        return aliases;
    }
}
