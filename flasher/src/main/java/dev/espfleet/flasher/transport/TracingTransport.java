package dev.espfleet.flasher.transport;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.slip.SlipDecoder;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;

/**
 * {@code --trace}: wraps another transport and prints every SLIP frame in both directions with the time
 * since the previous one, the opcode, the length and the bytes in hex. Protocol code knows nothing of it.
 */
public final class TracingTransport implements Transport {
    /** Frames longer than this are shown up to here, then "... N more". */
    private static final int MAX_HEX_BYTES = 96;

    private final Transport inner;
    private final PrintStream out;
    private final SlipDecoder hostFrames = new SlipDecoder();
    private final SlipDecoder chipFrames = new SlipDecoder();
    private long last = System.nanoTime();

    public TracingTransport(Transport inner, PrintStream out) {
        this.inner = inner;
        this.out = out;
    }

    @Override
    public void write(byte[] data) throws IOException {
        for (byte b : data) {
            byte[] frame = hostFrames.feed(b);
            if (frame != null) {
                print("host>", frame);
            }
        }
        inner.write(data);
    }

    @Override
    public int read(byte[] buffer, Duration timeout) throws IOException {
        int n = inner.read(buffer, timeout);
        for (int i = 0; i < n; i++) {
            byte[] frame = chipFrames.feed(buffer[i]);
            if (frame != null) {
                print("chip<", frame);
            }
        }
        return n;
    }

    private synchronized void print(String direction, byte[] frame) {
        long now = System.nanoTime();
        double delta = (now - last) / 1e9;
        last = now;
        String op = frame.length > 1 ? Opcode.describe(frame[1] & 0xFF) : "?";
        String hex = Wire.hex(Arrays.copyOf(frame, Math.min(frame.length, MAX_HEX_BYTES)));
        String more = frame.length > MAX_HEX_BYTES ? " ... " + (frame.length - MAX_HEX_BYTES) + " more" : "";
        out.printf("trace %+8.3fs %s %-17s len=%-5d %s%s%n", delta, direction, op, frame.length, hex, more);
    }

    @Override
    public void setBaudRate(int baud) throws IOException {
        out.printf("trace host baud rate -> %d%n", baud);
        inner.setBaudRate(baud);
    }

    @Override
    public boolean hasModemLines() {
        return inner.hasModemLines();
    }

    @Override
    public void setDtr(boolean asserted) throws IOException {
        inner.setDtr(asserted);
    }

    @Override
    public void setRts(boolean asserted) throws IOException {
        inner.setRts(asserted);
    }

    @Override
    public String description() {
        return inner.description();
    }

    @Override
    public void close() {
        inner.close();
    }
}
