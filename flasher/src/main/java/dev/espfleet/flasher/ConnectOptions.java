package dev.espfleet.flasher;

/**
 * How to reach the loader: reset before ({@code --before}), reset after ({@code --after}), the baud rate
 * to switch to after SYNC, how many connect attempts, and the timeout scale (1 for real chips).
 */
public record ConnectOptions(Before before, After after, int baud, int connectAttempts, double timeoutScale) {
    /** The ROM always starts at this rate; another {@code baud} is switched to after SYNC (as esptool). */
    public static final int ROM_BAUD = 115200;
    /** The rates a connection may switch to after SYNC: from 9600 up to the 5 Mbaud of the ESP32's UART. */
    public static final int MIN_BAUD = 9600;
    public static final int MAX_BAUD = 5_000_000;

    /** Returns {@code baud} if the chip can be switched to it, else throws (exit 2) naming {@code option}. */
    public static int requireBaud(int baud, String option) {
        if (baud < MIN_BAUD || baud > MAX_BAUD) {
            throw dev.espfleet.common.EspfleetException.badInput(option + " " + baud + " is out of range ("
                    + MIN_BAUD + ".." + MAX_BAUD + ")");
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
        return new ConnectOptions(Before.DEFAULT_RESET, After.HARD_RESET, ROM_BAUD, 7, 1.0);
    }

    public ConnectOptions withBaud(int b) {
        return new ConnectOptions(before, after, b, connectAttempts, timeoutScale);
    }

    public ConnectOptions withBefore(Before b) {
        return new ConnectOptions(b, after, baud, connectAttempts, timeoutScale);
    }

    public ConnectOptions withAfter(After a) {
        return new ConnectOptions(before, a, baud, connectAttempts, timeoutScale);
    }

    public ConnectOptions withTimeoutScale(double s) {
        return new ConnectOptions(before, after, baud, connectAttempts, s);
    }

    public ConnectOptions withConnectAttempts(int n) {
        return new ConnectOptions(before, after, baud, n, timeoutScale);
    }
}
