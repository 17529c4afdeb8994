package dev.espfleet.generator.config;

import java.util.ArrayList;
import dev.espfleet.common.Suggestions;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A YAML mapping as the schema ({@link Schema}) reads it: each accessor names a key the schema knows, checks the
 * value's type, and reports problems with their position instead of throwing. {@link #finish()} then reports
 * every key nobody asked for, with a "did you mean" when one is close.
 */
final class YamlSection {
    private static final Pattern INTEGER = Pattern.compile("[-+]?(0x[0-9a-fA-F]+|[0-9]+)");

    private final Node node;
    private final String path;
    private final ProblemCollector problems;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> known = new LinkedHashSet<>();

    private YamlSection(Node node, String path, ProblemCollector problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
                if (key == null) {
                    problems.add(tuple.getKeyNode(), path, "keys must be plain names");
                } else if (entries.containsKey(key)) {
                    problems.add(tuple.getKeyNode(), join(key), "duplicate key (first given on line "
                            + (entries.get(key).getKeyNode().getStartMark().map(m -> m.getLine() + 1).orElse(0)) + ")");
                } else {
                    entries.put(key, tuple);
                }
            }
        }
    }

    /** The section at {@code node}, or empty (with a problem reported) when it is not a mapping. */
    static Optional<YamlSection> of(Node node, String path, ProblemCollector problems) {
        if (!(node instanceof MappingNode)) {
            problems.add(node, path, "expected a mapping of keys to values, got " + describe(node));
            return Optional.empty();
        }
        return Optional.of(new YamlSection(node, path, problems));
    }

    String path() {
        return path;
    }

    String join(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        known.add(key);
        return entries.containsKey(key) && !isNull(entries.get(key).getValueNode());
    }

    Optional<Node> value(String key) {
        known.add(key);
        NodeTuple t = entries.get(key);
        if (t == null || isNull(t.getValueNode())) {
            return Optional.empty();
        }
        return Optional.of(t.getValueNode());
    }

    /** True when {@code key} is written, even without a value ({@code key:}). */
    boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** True when the value of {@code key} is an empty string ({@code ''}). */
    boolean isEmptyText(String key) {
        return value(key).filter(n -> n instanceof ScalarNode s && s.getValue().isEmpty()).isPresent();
    }

    /** Reports a problem at the value of {@code key}, or at this mapping when the key is absent. */
    void problem(String key, String message) {
        problem(key, join(key), message);
    }

    /**
     * Reports a problem about {@code path} at the value of {@code key}, or at this mapping when the key is absent:
     * {@code path} is in a section that {@code key} would hold but the file leaves out.
     */
    void problem(String key, String path, String message) {
        NodeTuple t = entries.get(key);
        problems.add(t == null ? node : t.getValueNode(), path, message);
    }

    void missing(String key, String what) {
        problems.add(node, join(key), "is required: " + what);
    }

    Optional<String> string(String key) {
        Optional<Node> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!(v.get() instanceof ScalarNode s)) {
            problem(key, "expected a string, got " + describe(v.get()));
            return Optional.empty();
        }
        return Optional.of(s.getValue());
    }

    /** A whole number, decimal or 0x hex. */
    Optional<Long> integer(String key) {
        Optional<Node> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> parsed = parseInteger(v.get());
        if (parsed.isEmpty()) {
            problem(key, "expected a whole number, got " + describe(v.get()));
        }
        return parsed;
    }

    /** A whole number written as an integer (decimal or 0x hex) or as a number without a fraction ({@code 1.0}). */
    Optional<Long> wholeNumber(String key) {
        Optional<Node> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> parsed = parseInteger(v.get()).or(() -> parseNumber(v.get())
                .filter(d -> d == Math.rint(d) && Math.abs(d) < 0x1p62).map(Double::longValue));
        if (parsed.isEmpty()) {
            problem(key, "expected a whole number, got " + describe(v.get()));
        }
        return parsed;
    }

    Optional<Double> number(String key) {
        Optional<Node> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Optional<Double> parsed = parseNumber(v.get());
        if (parsed.isEmpty()) {
            problem(key, "expected a number, got " + describe(v.get()));
        }
        return parsed;
    }

    Optional<Boolean> bool(String key) {
        Optional<Node> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Optional<Boolean> parsed = parseBool(v.get());
        if (parsed.isEmpty()) {
            problem(key, "expected true or false, got " + describe(v.get()));
        }
        return parsed;
    }

    Optional<YamlSection> section(String key) {
        return value(key).flatMap(n -> of(n, join(key), problems));
    }

    /**
     * The items of a list of mappings, a problem for each item that is not a mapping (left out); empty, with a
     * problem, when the value is not a list.
     */
    Optional<List<YamlSection>> list(String key) {
        Optional<Node> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!(v.get() instanceof SequenceNode seq)) {
            problem(key, "expected a list, got " + describe(v.get()));
            return Optional.empty();
        }
        List<YamlSection> out = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            of(seq.getValue().get(i), join(key) + "[" + i + "]", problems).ifPresent(out::add);
        }
        return Optional.of(out);
    }

    /** Reports every key that no accessor asked for. */
    void finish() {
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            if (!known.contains(e.getKey())) {
                String message = "unknown key" + suggestion(e.getKey()).map(s -> "; did you mean '" + s + "'?")
                        .orElse("; expected one of: " + String.join(", ", known));
                problems.add(e.getValue().getKeyNode(), join(e.getKey()), message);
            }
        }
    }

    private Optional<String> suggestion(String unknown) {
        return Suggestions.closest(unknown, known);
    }

    static Optional<Long> parseInteger(Node n) {
        if (!(n instanceof ScalarNode s) || !INTEGER.matcher(s.getValue()).matches()) {
            return Optional.empty();
        }
        String text = s.getValue().replace("+", "");
        boolean negative = text.startsWith("-");
        String digits = negative ? text.substring(1) : text;
        try {
            long value = digits.startsWith("0x") ? Long.parseLong(digits.substring(2), 16) : Long.parseLong(digits);
            return Optional.of(negative ? -value : value);
        } catch (NumberFormatException e) {
            return Optional.empty(); // more digits than a long holds
        }
    }

    static Optional<Double> parseNumber(Node n) {
        if (!(n instanceof ScalarNode s)) {
            return Optional.empty();
        }
        String text = s.getValue().strip();
        if (!text.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            return Optional.empty();
        }
        double d = Double.parseDouble(text);
        return Double.isFinite(d) ? Optional.of(d) : Optional.empty();
    }

    static Optional<Boolean> parseBool(Node n) {
        if (n instanceof ScalarNode s) {
            switch (s.getValue()) {
                case "true", "True", "TRUE" -> {
                    return Optional.of(true);
                }
                case "false", "False", "FALSE" -> {
                    return Optional.of(false);
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.isPlain()
                && (s.getValue().isEmpty() || s.getValue().equals("~") || s.getValue().equals("null"));
    }

    static String describe(Node n) {
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        if (n instanceof ScalarNode s) {
            return isNull(s) ? "nothing" : "'" + s.getValue() + "'";
        }
        return "nothing";
    }
}
