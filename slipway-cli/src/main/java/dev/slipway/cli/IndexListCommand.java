package dev.slipway.cli;

import dev.slipway.api.Slipway;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code slipway index list}: the names of every search index on the server. */
@Command(name = "list",
        header = "List the search indexes on the server.",
        description = "Prints one index name per line (aliases are not listed), or a document with the names.")
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
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.TEXT) {
            names.forEach(out::println);
            if (names.isEmpty()) {
                spec.commandLine().getErr().println("No search indexes on " + slipway.redactedUrl() + ".");
            }
        } else {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("url", slipway.redactedUrl());
            document.put("indexes", names);
            out.print(format.render(document));
        }
        out.flush();
        return 0;
    }
}
