package dev.espfleet.bench.eol;

import dev.espfleet.bench.console.ConsoleProtocol;
import dev.espfleet.common.EspfleetException;
import java.time.Duration;
import java.util.Optional;

/**
 * The end-of-line test a bench runs on every unit, decided before any port is touched.
 *
 * @param firmwareVersion the version the unit must report: the build's (its app image's), the simulated
 *                        firmware's, or the config's {@code product.firmware_version}
 * @param reportTimeout   from the reset, how long the unit has to send its {@code hello}
 * @param connectTimeout  from the reset, how long it has to report {@code mqtt_connected}
 *                        ({@link EndOfLineMode#CONNECTED})
 * @param queryInterval   how often the bench sends {@code query} while it waits
 */
public record EndOfLinePlan(EndOfLineMode mode, String firmwareVersion, Duration reportTimeout,
                            Duration connectTimeout, Duration queryInterval) {
    /**
     * An ESP-IDF application reports within a second or two of its reset (ROM, bootloader, app start, NVS); 20 s
     * leaves room for a slow flash and for the operator pressing EN on a port that cannot reset the board.
     */
    public static final Duration REPORT_TIMEOUT = Duration.ofSeconds(20);
    /** Wi-Fi association, DHCP, DNS, TLS handshake and MQTT CONNECT, with a retry or two of the firmware's backoff. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);
    /** The longest {@code --eol-timeout}: a test that takes longer is a stuck unit, not a slow one. */
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(30);

    public static final EndOfLinePlan NONE = new EndOfLinePlan(EndOfLineMode.NONE, "", REPORT_TIMEOUT,
            CONNECT_TIMEOUT, ConsoleProtocol.QUERY_INTERVAL);

    /**
     * The plan for {@code mode}; {@code timeout} ({@code --eol-timeout}) is the whole test's deadline: with
     * {@code report} the report's (default 20 s), with {@code connected} the connection's (default 60 s), the
     * report then still due within 20 s (or the timeout, if shorter).
     */
    public static EndOfLinePlan of(EndOfLineMode mode, String firmwareVersion, Optional<Duration> timeout) {
        requireTimeout(timeout);
        return switch (mode) {
            case NONE -> NONE;
            case REPORT -> new EndOfLinePlan(mode, firmwareVersion, timeout.orElse(REPORT_TIMEOUT),
                    timeout.orElse(REPORT_TIMEOUT), ConsoleProtocol.QUERY_INTERVAL);
            case CONNECTED -> {
                Duration connect = timeout.orElse(CONNECT_TIMEOUT);
                yield new EndOfLinePlan(mode, firmwareVersion, min(REPORT_TIMEOUT, connect), connect,
                        ConsoleProtocol.QUERY_INTERVAL);
            }
        };
    }

    /** Refuses an {@code --eol-timeout} under a second or over {@link #MAX_TIMEOUT} as bad input. */
    public static void requireTimeout(Optional<Duration> timeout) {
        timeout.ifPresent(t -> {
            if (t.compareTo(Duration.ofSeconds(1)) < 0 || t.compareTo(MAX_TIMEOUT) > 0) {
                throw EspfleetException.badInput("--eol-timeout " + t.toSeconds() + ": expected 1 to "
                        + MAX_TIMEOUT.toSeconds() + " seconds");
            }
        });
    }

    /** The deadline of the whole test, from the reset. */
    public Duration deadline() {
        return mode == EndOfLineMode.CONNECTED ? connectTimeout : reportTimeout;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
