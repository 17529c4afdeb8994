package dev.espfleet.flasher.connection;

/**
 * How to reach the loader: reset before ({@code --before}), reset after ({@code --after}), the baud rate
 * to switch to after SYNC, and how many connect attempts. (How long to wait is the link's business:
 * {@link Transport#timeoutScale()}.)
 */
public record ConnectOptions(Before before, After after, int baud, int connectAttempts) {
    /** The ROM always starts at this rate; another {@code baud} is switched to after SYNC (as esptool). */
    public static final int ROM_BAUD = 115200;
    /**
     * Baud rates espfleet accepts, for the loader and the monitor: from the slowest rate anyone uses with an
     * ESP32 to above the fastest USB-serial bridges (CP2102N and CH343 go to 3 Mbaud; the ESP32 UART to 5).
     */
    public static final int MIN_BAUD = 9600;
    public static final int MAX_BAUD = 5_000_000;

    /** Refuses a baud rate outside {@link #MIN_BAUD}..{@link #MAX_BAUD} as bad input naming {@code option}. */
    public static int requireBaud(int baud, String option) {
        if (baud < MIN_BAUD || baud > MAX_BAUD) {
            throw dev.espfleet.common.EspfleetException.badInput(String.format(
                    "%s %d is not a baud rate espfleet uses: expected %d..%d (e.g. 115200, 460800, 921600)", option,
                    baud, MIN_BAUD, MAX_BAUD));
        }
        return baud;
    }

    public enum Before {
        DEFAULT_RESET, USB_RESET, NO_RESET, NO_RESET_NO_SYNC;

        public String cliName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public enum After {
        HARD_RESET, NO_RESET;

        public String cliName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public static ConnectOptions defaults() {
        return new ConnectOptions(Before.DEFAULT_RESET, After.HARD_RESET, ROM_BAUD, 7);
    }

    public ConnectOptions withBaud(int b) {
        return new ConnectOptions(before, after, b, connectAttempts);
    }

    public ConnectOptions withBefore(Before b) {
        return new ConnectOptions(b, after, baud, connectAttempts);
    }

    public ConnectOptions withAfter(After a) {
        return new ConnectOptions(before, a, baud, connectAttempts);
    }

    public ConnectOptions withConnectAttempts(int n) {
        return new ConnectOptions(before, after, baud, n);
    }
}
