package dev.slipway.internal.yaml;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A YAML (or JSON) document as a tree that remembers the line of every node, so that a reader can say
 * "patch.yaml line 12: unknown attribute 'sortabel'". Problems are collected in a {@link YamlProblems} and
 * reported together.
 */
public final class YamlNode {
    private final Node node;
    private final String source;

    private YamlNode(Node node, String source) {
        this.node = node;
        this.source = source;
    }

    /**
     * Parses a document.
     *
     * @param text   the document
     * @param source file name for messages
     * @throws YamlSyntaxException with the line of the syntax error
     */
    public static YamlNode parse(String text, String source) {
        try (Reader reader = new StringReader(text)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            Node root = new Yaml(options).compose(reader);
            if (root == null) {
                throw new YamlSyntaxException(source + ": the file is empty");
            }
            rejectDuplicateKeys(root, source);
            return new YamlNode(root, source);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new YamlSyntaxException(source + " line " + line + ": " + e.getProblem()
                    + (e.getContext() == null ? "" : " (" + e.getContext() + ")"));
        } catch (YAMLException | java.io.IOException e) {
            throw new YamlSyntaxException(source + ": " + e.getMessage());
        }
    }

    /** SnakeYAML only enforces unique keys when it builds Java objects; the node tree must be checked here. */
    private static void rejectDuplicateKeys(Node node, String source) {
        if (node instanceof MappingNode mapping) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key && !seen.add(key.getValue())) {
                    throw new YamlSyntaxException(source + " line " + (key.getStartMark().getLine() + 1)
                            + ": duplicate key '" + key.getValue() + "'");
                }
                rejectDuplicateKeys(tuple.getValueNode(), source);
            }
        } else if (node instanceof SequenceNode sequence) {
            sequence.getValue().forEach(item -> rejectDuplicateKeys(item, source));
        }
    }

    /** The 1-based line where the node starts. */
    public int line() {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    /** "file line N", for messages. */
    public String where() {
        return source + " line " + line();
    }

    /** Whether the node is a mapping. */
    public boolean isMap() {
        return node instanceof MappingNode;
    }

    /** Whether the node is a sequence. */
    public boolean isList() {
        return node instanceof SequenceNode;
    }

    /** Whether the node is a scalar. */
    public boolean isScalar() {
        return node instanceof ScalarNode;
    }

    /** Whether the node is an explicit null ({@code ~}, {@code null} or empty). */
    public boolean isNull() {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    /** The entries of a mapping in file order, keyed by their text; empty for other nodes. */
    public Map<String, YamlNode> entries() {
        return tuples(NodeTuple::getValueNode);
    }

    /** The key nodes of a mapping in file order, keyed by their text (for messages about the key itself). */
    public Map<String, YamlNode> keys() {
        return tuples(NodeTuple::getKeyNode);
    }

    private Map<String, YamlNode> tuples(java.util.function.Function<NodeTuple, Node> part) {
        Map<String, YamlNode> result = new LinkedHashMap<>();
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "?";
                result.put(key, new YamlNode(part.apply(tuple), source));
            }
        }
        return result;
    }

    /** The value under a key of a mapping. */
    public Optional<YamlNode> get(String key) {
        return Optional.ofNullable(entries().get(key)).filter(n -> !n.isNull());
    }

    /** The items of a sequence; empty for other nodes. */
    public List<YamlNode> items() {
        List<YamlNode> items = new ArrayList<>();
        if (node instanceof SequenceNode sequence) {
            for (Node item : sequence.getValue()) {
                items.add(new YamlNode(item, source));
            }
        }
        return items;
    }

    /** The scalar text; null for non-scalars. */
    public String text() {
        return node instanceof ScalarNode scalar ? scalar.getValue() : null;
    }

    /**
     * The scalar as a Java value according to its resolved YAML tag: Boolean, Long, Double or String.
     * Non-scalars give null.
     */
    public Object value() {
        if (!(node instanceof ScalarNode scalar)) {
            return null;
        }
        Tag tag = scalar.getTag();
        String text = scalar.getValue();
        try {
            if (Tag.BOOL.equals(tag)) {
                return Boolean.parseBoolean(text.toLowerCase()) || text.equalsIgnoreCase("yes")
                        || text.equalsIgnoreCase("on");
            }
            if (Tag.INT.equals(tag)) {
                return Long.parseLong(text.replace("_", ""));
            }
            if (Tag.FLOAT.equals(tag)) {
                return Double.parseDouble(text.replace("_", ""));
            }
        } catch (NumberFormatException e) {
            return text;
        }
        return Tag.NULL.equals(tag) ? null : text;
    }

    /** The file name this node came from. */
    public String source() {
        return source;
    }
}
