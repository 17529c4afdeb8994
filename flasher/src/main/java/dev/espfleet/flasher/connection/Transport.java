package dev.espfleet.flasher.connection;

import java.io.IOException;
import java.time.Duration;

/**
 * A byte pipe to a chip: a serial port, a TCP socket, or a stand-in in this process. Implementations throw
 * {@link IOException} when the link is gone; a read that times out returns 0.
 */
public interface Transport extends AutoCloseable {

    void write(byte[] data) throws IOException;

    /** Reads what is available into {@code buffer}, waiting at most {@code timeout}; 0 on timeout. */
    int read(byte[] buffer, Duration timeout) throws IOException;

    /** Changes the host side's baud rate; a no-op where there is no baud rate (TCP). */
    void setBaudRate(int baud) throws IOException;

    /** Whether DTR/RTS reach the chip's EN and IO0 (not on pseudo-terminals or TCP). */
    boolean hasModemLines();

    void setDtr(boolean asserted) throws IOException;

    void setRts(boolean asserted) throws IOException;

    /**
     * Whether the port is an Espressif chip's own USB-Serial/JTAG (USB VID 0x303A, PID 0x1001: ESP32-C3, -S3, -C6,
     * -H2 on their USB pins), whose DTR/RTS are requests to the chip rather than wires to EN and IO0, so that its
     * resets take the sequences esptool uses for it.
     */
    default boolean usbSerialJtag() {
        return false;
    }

    /** What the user named, e.g. {@code /dev/ttyUSB0} or {@code socket://127.0.0.1:5555}. */
    String description();

    /**
     * How much of a real chip's timeouts this link needs: 1 for a wire to a chip (a serial port, TCP, RFC 2217);
     * less for a stand-in in this process that answers at once, so that a lost reply costs milliseconds, not
     * seconds. The loader multiplies every command timeout and drain period by it.
     */
    default double timeoutScale() {
        return 1.0;
    }

    @Override
    void close();
}
