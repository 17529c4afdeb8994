package dev.espfleet.flasher.connection;

import com.fazecast.jSerialComm.SerialPort;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A serial port through jSerialComm: USB-serial adapters, native USB, and pseudo-terminals (socat). */
public final class SerialTransport implements Transport {
    private final SerialPort port;
    private final String name;
    private final boolean modemLines;
    private int readTimeoutMillis = -1;

    private SerialTransport(SerialPort port, String name, boolean modemLines) {
        this.port = port;
        this.name = name;
        this.modemLines = modemLines;
    }

    /** Opens {@code path} 8N1 at {@code baud}; throws UNAVAILABLE with a hint when it is missing or busy. */
    public static SerialTransport open(String path, int baud) {
        boolean isPath = path.startsWith("/");
        if (isPath && !Files.exists(Path.of(path))) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "serial port " + path + " does not exist",
                    "plug the board in and check the name (ls /dev/ttyUSB* /dev/ttyACM*)");
        }
        SerialPort port;
        try {
            port = SerialPort.getCommPort(path);
        } catch (RuntimeException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "serial port " + path + " not found",
                    "plug the board in and check the name (ls /dev/ttyUSB* /dev/ttyACM*)", e);
        }
        port.setComPortParameters(baud, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
        if (!port.openPort()) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE,
                    "cannot open serial port " + path + " (error " + port.getLastErrorCode() + ")",
                    "the port may be busy (close any serial monitor) or need permissions (add yourself to the dialout group)");
        }
        // a pseudo-terminal has no modem lines: the ioctl fails and jSerialComm says so
        boolean lines = port.clearDTR() && port.clearRTS();
        return new SerialTransport(port, path, lines);
    }

    @Override
    public void write(byte[] data) throws IOException {
        int done = 0;
        while (done < data.length) {
            int n = port.writeBytes(data, data.length - done, done);
            if (n < 0) {
                throw new IOException("write to " + name + " failed (error " + port.getLastErrorCode() + ")");
            }
            done += n;
        }
    }

    @Override
    public int read(byte[] buffer, Duration timeout) throws IOException {
        int available = port.bytesAvailable();
        if (available < 0) {
            throw new IOException("serial port " + name + " went away");
        }
        if (available == 0 && timeout.isZero()) {
            return 0;
        }
        // semi-blocking: returns as soon as a byte is there, so a reply is seen without polling delay
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        if (millis != readTimeoutMillis) {
            port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, millis, 0);
            readTimeoutMillis = millis;
        }
        int n = port.readBytes(buffer, available > 0 ? Math.min(available, buffer.length) : buffer.length);
        if (n < 0) {
            throw new IOException("read from " + name + " failed (error " + port.getLastErrorCode() + ")");
        }
        return n;
    }

    @Override
    public void setBaudRate(int baud) throws IOException {
        if (!port.setBaudRate(baud)) {
            throw new IOException("cannot set " + name + " to " + baud + " baud");
        }
    }

    @Override
    public boolean hasModemLines() {
        return modemLines;
    }

    /** Espressif's USB vendor id, and the product id of the USB-Serial/JTAG peripheral built into its chips. */
    static final int ESPRESSIF_VID = 0x303A;
    static final int USB_SERIAL_JTAG_PID = 0x1001;

    @Override
    public boolean usbSerialJtag() {
        return port.getVendorID() == ESPRESSIF_VID && port.getProductID() == USB_SERIAL_JTAG_PID;
    }

    @Override
    public void setDtr(boolean asserted) {
        if (asserted) {
            port.setDTR();
        } else {
            port.clearDTR();
        }
    }

    @Override
    public void setRts(boolean asserted) {
        if (asserted) {
            port.setRTS();
        } else {
            port.clearRTS();
        }
    }

    @Override
    public String description() {
        return name;
    }

    @Override
    public void close() {
        port.closePort();
    }
}
