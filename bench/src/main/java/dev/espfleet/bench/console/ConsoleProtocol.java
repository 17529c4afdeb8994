package dev.espfleet.bench.console;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The constants of the console protocol, version 1 (docs/console-protocol.md): the firmware's framed,
 * checksummed report to the bench over its console, one frame per line.
 */
public final class ConsoleProtocol {
    private ConsoleProtocol() {
    }

    /** The protocol version this bench speaks: the {@code 1} of the marker, and {@code hello}'s {@code proto}. */
    public static final int VERSION = 1;
    /** What starts a frame; it may be preceded on its line by other bytes (a partial log line, colour codes). */
    public static final String MARKER = "@EF" + VERSION;
    static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.US_ASCII);
    /** {@code <kind>}: a lower-case word. */
    static final Pattern KIND = Pattern.compile("[a-z_]{1,16}");
    /** The longest {@code <json>} of a frame, in bytes. */
    public static final int MAX_JSON_BYTES = 6144;
    /** A line longer than this (without its line end) is not a frame, whatever it holds. */
    public static final int MAX_LINE_BYTES = 8192;
    /** {@code *} and 8 lower-case hex digits: the CRC-32 of the frame from its marker to the space before it. */
    static final int CRC_DIGITS = 8;

    /**
     * The console's rate on every ESP-IDF chip (CONFIG_ESP_CONSOLE_UART_BAUDRATE's default; the ROM prints at it
     * too with a 40 MHz crystal): the bench reads the application at this rate, not at the loader's faster one.
     */
    public static final int CONSOLE_BAUD = 115200;
    /** How often the bench asks again ({@code query}) while it waits, in case a report was missed. */
    public static final Duration QUERY_INTERVAL = Duration.ofSeconds(2);

    /** Frame kinds, device to bench. */
    public static final String HELLO = "hello";
    public static final String STATE = "state";
    public static final String FAIL = "fail";
    /** Frame kind, bench to device. */
    public static final String QUERY = "query";
}
