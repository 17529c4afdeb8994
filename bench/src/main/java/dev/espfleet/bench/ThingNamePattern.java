package dev.espfleet.bench;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.MacAddress;
import dev.espfleet.model.ThingName;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a new device's thing name is made: {@code {product}}, {@code {mac}} ({@link MacAddress#hexDigits()}),
 * {@code {seq}} or a zero-padded {@code {seq:04}} (the ledger's next sequence number), and literal text.
 * The result must be a valid {@link ThingName}.
 */
public record ThingNamePattern(String pattern) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(product|mac|seq)(?::0(\\d))?\\}");

    public ThingNamePattern {
        String literal = PLACEHOLDER.matcher(pattern).replaceAll("");
        if (literal.contains("{") || literal.contains("}")) {
            throw EspfleetException.badInput("--name-pattern '" + pattern + "': placeholders are {product}, {mac},"
                    + " {seq} and {seq:0N}");
        }
        if (!pattern.contains("{mac}") && !pattern.contains("{seq")) {
            throw EspfleetException.badInput("--name-pattern '" + pattern + "' must contain {mac} or {seq}, or every"
                    + " device would get the same thing name");
        }
    }

    public static ThingNamePattern defaultPattern() {
        return new ThingNamePattern("{product}-{mac}");
    }

    /**
     * Checks, before any board or ledger is touched, that the pattern can make valid names: the name it
     * gives a sample board (MAC 24:0a:c4:00:00:01, sequence 1) must be a valid thing name.
     */
    public void requireValidNames(String product) {
        apply(product, MacAddress.parse("24:0a:c4:00:00:01"), 1);
    }

    /** The thing name for a device. */
    public ThingName apply(String product, MacAddress mac, long sequence) {
        Matcher m = PLACEHOLDER.matcher(pattern);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "product" -> product;
                case "mac" -> mac.hexDigits();
                default -> m.group(2) == null ? Long.toString(sequence)
                        : String.format("%0" + m.group(2) + "d", sequence);
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        String name = out.toString();
        ThingName.problem(name).ifPresent(p -> {
            throw EspfleetException.badInput("--name-pattern '" + pattern + "' gives " + p);
        });
        return ThingName.of(name);
    }
}
