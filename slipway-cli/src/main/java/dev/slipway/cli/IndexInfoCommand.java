package dev.slipway.cli;

import dev.slipway.api.IndexDescription;
import dev.slipway.api.SlipwayFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code slipway index info <index>}: the live schema in the same form as a schema file (so it can be saved,
 * edited and used as {@code --target-schema}), with the index's statistics.
 */
@Command(name = "info",
        header = "Show an index's schema and statistics.",
        description = "Prints the schema in the form of a schema file, with the statistics as YAML comments. "
                + "Save it, edit it and pass it to 'slipway plan --target-schema'.")
public final class IndexInfoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "<index>", description = "The index (or alias) to describe.")
    private String index;

    @Option(names = "--format", paramLabel = "<format>", defaultValue = "yaml",
            description = "Output: yaml (schema file, statistics as comments) or json (an object with the "
                    + "schema and the statistics); text is the same as yaml. Default: ${DEFAULT-VALUE}")
    private OutputFormat format;

    @Override
    public Integer call() {
        IndexDescription description = connection.slipway().describe(index);
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.JSON) {
            out.print(format.render(document(description)));
        } else {
            out.print(header(description));
            out.print(SlipwayFiles.render(description.schema(), SlipwayFiles.Format.YAML));
        }
        out.flush();
        return 0;
    }

    private static String header(IndexDescription d) {
        StringBuilder text = new StringBuilder();
        String nl = System.lineSeparator();
        text.append("# index: ").append(d.name()).append(nl);
        if (!d.name().equals(d.physicalIndex())) {
            text.append("# alias of ").append(d.physicalIndex()).append(nl);
        }
        text.append("# num_docs: ").append(d.numDocs()).append(nl);
        text.append("# indexing_failures: ").append(d.indexingFailures()).append(nl);
        text.append("# percent_indexed: ").append(Units.percent(d.percentIndexed())).append(nl);
        text.append("# memory: ").append(Units.bytes(d.memoryBytes())).append(nl);
        // not part of the schema, but a migration carries them over: shown so that a reader knows they are there
        d.synonyms().forEach((group, terms) -> text.append("# synonym group ").append(group).append(": ")
                .append(String.join(", ", terms)).append(nl));
        d.warnings().forEach(w -> text.append("# warning: ").append(w).append(nl));
        return text.toString();
    }

    private static Map<String, Object> document(IndexDescription d) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("num_docs", d.numDocs());
        stats.put("indexing_failures", d.indexingFailures());
        stats.put("percent_indexed", d.percentIndexed());
        stats.put("memory_bytes", d.memoryBytes());
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("name", d.name());
        document.put("physical_index", d.physicalIndex());
        document.put("stats", stats);
        document.put("warnings", d.warnings());
        if (!d.synonyms().isEmpty()) {
            document.put("synonyms", d.synonyms());
        }
        document.put("schema", d.schema());
        return document;
    }
}
