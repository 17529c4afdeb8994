package dev.espfleet.model;

import dev.espfleet.common.EspfleetException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/** A board's 6-byte MAC address (the base MAC in eFuse), written {@code 24:0a:c4:00:00:01}. */
public final class MacAddress {
    public static final int LENGTH = 6;
    private final byte[] bytes;

    private MacAddress(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    public static MacAddress of(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address is " + LENGTH + " bytes, got "
                    + (bytes == null ? "none" : bytes.length));
        }
        return new MacAddress(bytes);
    }

    /** Six hex bytes separated by ':' ({@code 24:0a:c4:00:00:01}, any case), or bad input (exit 2). */
    public static MacAddress parse(String text) {
        Optional<String> problem = problem(text);
        if (problem.isPresent()) {
            throw EspfleetException.badInput(problem.get());
        }
        byte[] b = new byte[LENGTH];
        String[] parts = text.split(":", -1);
        for (int i = 0; i < LENGTH; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return new MacAddress(b);
    }

    /** What is wrong with {@code text} as a MAC address, in one sentence that names it; empty if nothing. */
    public static Optional<String> problem(String text) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length != LENGTH) {
            return Optional.of("invalid MAC address " + (text == null ? "(none)" : "'" + text + "'")
                    + ": expected six hex bytes separated by ':', like 24:0a:c4:00:00:01");
        }
        for (String p : parts) {
            if (!p.matches("[0-9A-Fa-f]{2}")) {
                return Optional.of("invalid MAC address '" + text + "': '" + p + "' is not a hex byte (two hex digits)");
            }
        }
        return Optional.empty();
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** The 12 lower-case hex digits without separators, e.g. {@code 240ac4000001}. */
    public String hexDigits() {
        return HexFormat.of().formatHex(bytes);
    }

    /** {@code 24:0a:c4:00:00:01}: lower case, colons. */
    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
