package dev.espfleet.flasher.monitor;

import dev.espfleet.flasher.connection.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * A serial monitor: device output goes to the screen as it comes, keys go to the device, Ctrl-] (0x1D, as
 * in idf.py monitor) ends it. Runs until then, until the keys end, or until {@code limit} has passed.
 */
public final class Monitor {
    public static final int EXIT_KEY = 0x1D;

    private Monitor() {
    }

    /** Returns the number of device bytes shown. */
    public static long run(Transport device, InputStream keys, OutputStream screen, Duration limit) throws IOException {
        long deadline = limit.isZero() ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        byte[] buf = new byte[4096];
        long shown = 0;
        boolean keysOpen = true;
        while (System.nanoTime() < deadline) {
            int n = device.read(buf, Duration.ofMillis(20));
            if (n > 0) {
                screen.write(buf, 0, n);
                screen.flush();
                shown += n;
            }
            while (keysOpen && keys.available() > 0) {
                int k = keys.read();
                if (k < 0) {
                    keysOpen = false;
                } else if (k == EXIT_KEY) {
                    return shown;
                } else {
                    device.write(new byte[] {(byte) k});
                }
            }
        }
        return shown;
    }
}
