package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;

/**
 * An NVS key or namespace name: the one rule every part of espfleet holds them to. ESP-IDF stores a key
 * NUL-terminated in a 16-byte field of the entry (NVS_KEY_NAME_MAX_SIZE), so at most
 * {@value NvsLayout#MAX_KEY_BYTES} bytes, and reads it as a C string; nvs_partition_gen.py checks only
 * that length. The rule is the format's, as {@link NvsPartitionWriter} enforces it: 1 to 15 bytes of printable
 * ASCII (0x20 to 0x7E, the space included), so that a key is the same bytes in the image, in C source and
 * in a CSV cell. Whatever writes one into another format escapes it there (C literals, quoted CSV cells).
 */
public record NvsKey(String value) {
    public NvsKey {
        Optional<String> problem = problem(value);
        if (problem.isPresent()) {
            throw EspfleetException.badInput("NVS key or namespace " + problem.get());
        }
    }

    /** The key or namespace name {@code text}, or bad input (exit 2) saying what is wrong with it. */
    public static NvsKey of(String text) {
        return new NvsKey(text);
    }

    /**
     * What is wrong with {@code text} as an NVS key or namespace name, starting with the name in quotes
     * ({@code 'sixteen_chars_xx' is 16 bytes; NVS keys and namespaces are at most 15 bytes}); empty if nothing.
     */
    public static Optional<String> problem(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.of("'' is empty; NVS keys and namespaces are 1 to " + NvsLayout.MAX_KEY_BYTES
                    + " bytes of printable ASCII");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return Optional.of(String.format("'%s' has the non-ASCII or control character U+%04X at position %d;"
                        + " NVS keys and namespaces are printable ASCII", text, (int) c, i + 1));
            }
        }
        if (text.length() > NvsLayout.MAX_KEY_BYTES) {
            return Optional.of("'" + text + "' is " + text.length() + " bytes; NVS keys and namespaces are at most "
                    + NvsLayout.MAX_KEY_BYTES + " bytes");
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
