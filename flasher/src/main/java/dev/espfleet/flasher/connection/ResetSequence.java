package dev.espfleet.flasher.connection;

import java.io.IOException;

/**
 * DTR/RTS sequences that put a chip into its loader or restart it (esptool docs, "Entering the bootloader"):
 * on dev boards RTS drives EN and DTR drives IO0 through two transistors.
 */
public final class ResetSequence {
    private ResetSequence() {
    }

    /**
     * Classic USB-UART boards: hold EN low with IO0 high, then release EN with IO0 low, keeping IO0 low for
     * {@code ioHoldMillis}. esptool alternates 50 ms and 550 ms between attempts, for boards whose EN
     * capacitor makes the chip come out of reset late.
     */
    public static void classic(Transport t, int ioHoldMillis) throws IOException {
        t.setDtr(false);
        t.setRts(true);
        sleep(100);
        t.setDtr(true);
        t.setRts(false);
        sleep(ioHoldMillis);
        t.setDtr(false);
    }

    /** Chips with a built-in USB-JTAG-serial (C3, S3, C6, H2 on their USB port). */
    public static void usbJtagSerial(Transport t) throws IOException {
        t.setRts(false);
        t.setDtr(false);
        sleep(100);
        t.setDtr(true);
        t.setRts(false);
        sleep(100);
        t.setRts(true);
        t.setDtr(false);
        t.setRts(true);
        sleep(100);
        t.setDtr(false);
        t.setRts(false);
    }

    /** Pulses EN with IO0 high: the chip runs its application. */
    public static void hardReset(Transport t) throws IOException {
        hardReset(t, false);
    }

    /**
     * esptool's hard reset ({@code --after hard-reset}): IO0 released (DTR off), then an RTS pulse on EN, 100 ms.
     * On a chip's USB-Serial/JTAG ({@code usb}) the pulse is 200 ms and the host waits 200 ms after it, so that
     * the chip is out of reset and its USB peripheral takes further line changes (esptool's HardReset with
     * {@code uses_usb}).
     */
    public static void hardReset(Transport t, boolean usb) throws IOException {
        t.setDtr(false);
        t.setRts(true);
        sleep(usb ? 200 : 100);
        t.setRts(false);
        if (usb) {
            sleep(200);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
