package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;

/**
 * The name (label) of a partition: the one rule espfleet holds partition names to. The table entry holds
 * {@value #MAX_BYTES} bytes (NUL-padded, ESP-IDF reads at most 16), and gen_esp32part.py packs the name
 * into them, silently cutting a longer one. A name must also come back unchanged from a line of
 * {@code partitions.csv} as gen_esp32part.py reads it: the tool splits the line at commas, strips each field,
 * skips lines starting with '#' and expands {@code $VARIABLES} from the environment. So: 1 to 16 bytes of
 * printable ASCII, without ',' or '$', not starting with '#', and without a space at either end.
 */
public record PartitionLabel(String value) {
    /** The name field of a partition table entry. */
    public static final int MAX_BYTES = 16;

    public PartitionLabel {
        Optional<String> problem = problem(value);
        if (problem.isPresent()) {
            throw EspfleetException.badInput("partition name " + problem.get());
        }
    }

    /** The partition name {@code text}, or bad input (exit 2) saying what is wrong with it. */
    public static PartitionLabel of(String text) {
        return new PartitionLabel(text);
    }

    /**
     * What is wrong with {@code text} as a partition name, starting with the name in quotes
     * ({@code 'identity_partition' is 18 bytes; partition names are at most 16 bytes}); empty if nothing.
     */
    public static Optional<String> problem(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.of("'' is empty; partition names are 1 to " + MAX_BYTES + " bytes of printable ASCII");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return Optional.of(String.format("'%s' has the non-ASCII or control character U+%04X at position %d;"
                        + " partition names are printable ASCII", text, (int) c, i + 1));
            }
            if (c == ',' || c == '$') {
                return Optional.of(String.format("'%s' has '%c' at position %d, which partitions.csv cannot carry"
                        + " (gen_esp32part.py reads %s)", text, c, i + 1,
                        c == ',' ? "',' as the end of the name" : "'$' as the start of an environment variable"));
            }
        }
        if (text.startsWith("#")) {
            return Optional.of("'" + text + "' starts with '#', which makes its line in partitions.csv a comment");
        }
        if (text.startsWith(" ") || text.endsWith(" ")) {
            return Optional.of("'" + text + "' starts or ends with a space, which gen_esp32part.py strips from"
                    + " partitions.csv");
        }
        if (text.length() > MAX_BYTES) {
            return Optional.of("'" + text + "' is " + text.length() + " bytes; partition names are at most "
                    + MAX_BYTES + " bytes");
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
