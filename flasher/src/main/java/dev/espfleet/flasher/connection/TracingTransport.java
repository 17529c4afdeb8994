package dev.espfleet.flasher.connection;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Wire;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code --trace}: wraps another transport and prints every SLIP frame in both directions with the time
 * since the previous one, the opcode, the length and the bytes in hex. Protocol code knows nothing of it.
 *
 * <p>Flash ranges given to {@link #redactWritesTo} hold secrets (an identity NVS image with its private key):
 * the data blocks of a write that begins (FLASH_BEGIN, FLASH_DEFL_BEGIN) inside such a range are shown with
 * their header, length and checksum, never their bytes, compressed or not.
 */
public final class TracingTransport implements Transport {
    /** Frames longer than this are shown up to here, then "... N more". */
    private static final int MAX_HEX_BYTES = 96;
    /** Request header plus the data header of FLASH_DATA (length, sequence, two zero words). */
    private static final int DATA_HEADERS = Wire.HEADER_SIZE + 16;

    private final Transport inner;
    private final PrintStream out;
    private final SlipDecoder hostFrames = new SlipDecoder();
    private final SlipDecoder chipFrames = new SlipDecoder();
    private final List<long[]> secretRanges = new CopyOnWriteArrayList<>();
    private boolean writingSecret;
    private long last = System.nanoTime();

    public TracingTransport(Transport inner, PrintStream out) {
        this.inner = inner;
        this.out = out;
    }

    /** Data written to {@code [offset, offset + length)} is not shown. */
    public void redactWritesTo(int offset, int length) {
        secretRanges.add(new long[] {offset, (long) offset + length});
    }

    @Override
    public void write(byte[] data) throws IOException {
        for (byte b : data) {
            byte[] frame = hostFrames.feed(b);
            if (frame != null) {
                printHost(frame);
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
                print("chip<", frame.length, frame, null);
            }
        }
        return n;
    }

    /** Follows which write the data blocks belong to, and hides the blocks of a secret one. */
    private void printHost(byte[] frame) {
        int op = frame.length > 1 ? frame[1] & 0xFF : -1;
        if ((op == Opcode.FLASH_BEGIN.code() || op == Opcode.FLASH_DEFL_BEGIN.code())
                && frame.length >= Wire.HEADER_SIZE + 16) {
            ByteBuffer p = Wire.le(frame);
            long size = p.getInt(Wire.HEADER_SIZE) & 0xFFFFFFFFL;
            long offset = p.getInt(Wire.HEADER_SIZE + 12) & 0xFFFFFFFFL;
            writingSecret = overlapsSecret(offset, offset + Math.max(1, size));
        } else if (op == Opcode.FLASH_END.code() || op == Opcode.FLASH_DEFL_END.code()) {
            writingSecret = false;
        }
        boolean dataBlock = op == Opcode.FLASH_DATA.code() || op == Opcode.FLASH_DEFL_DATA.code();
        if (dataBlock && writingSecret) {
            int payload = Math.max(0, frame.length - DATA_HEADERS);
            String note = String.format(" <identity image: %d bytes redacted, checksum 0x%02x>", payload,
                    frame.length >= Wire.HEADER_SIZE ? frame[4] & 0xFF : 0);
            print("host>", frame.length, Arrays.copyOf(frame, Math.min(frame.length, DATA_HEADERS)), note);
        } else {
            print("host>", frame.length, frame, null);
        }
    }

    private boolean overlapsSecret(long from, long to) {
        for (long[] r : secretRanges) {
            if (from < r[1] && to > r[0]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Prints a frame of {@code length} bytes from what may be {@code shown}; {@code redaction}, if not null,
     * stands for the rest.
     */
    private synchronized void print(String direction, int length, byte[] shown, String redaction) {
        long now = System.nanoTime();
        double delta = (now - last) / 1e9;
        last = now;
        String op = shown.length > 1 ? Opcode.describe(shown[1] & 0xFF) : "?";
        String hex = Wire.hex(Arrays.copyOf(shown, Math.min(shown.length, MAX_HEX_BYTES)));
        String more = redaction != null ? redaction
                : shown.length > MAX_HEX_BYTES ? " ... " + (shown.length - MAX_HEX_BYTES) + " more" : "";
        out.printf("trace %+8.3fs %s %-17s len=%-5d %s%s%n", delta, direction, op, length, hex, more);
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
    public double timeoutScale() {
        return inner.timeoutScale();
    }

    @Override
    public void close() {
        inner.close();
    }
}
