package dev.espfleet.flasher.connection;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.image.SecretData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code --trace}: wraps another transport and prints every SLIP frame in both directions with the time
 * since the previous one, the opcode, the length and the bytes in hex. Protocol code knows nothing of it.
 *
 * <p>Flash ranges given to {@link #redactFlashRange} hold secrets (an identity NVS image with its private
 * key): the data blocks of a write that begins (FLASH_BEGIN, FLASH_DEFL_BEGIN) inside such a range, and the
 * data read from it (READ_FLASH_SLOW replies, the stub's READ_FLASH packets), are shown with their header,
 * length and checksum or status, never their bytes, compressed or not.
 *
 * <p>Data read from anywhere else is judged by what it is, since nobody may have said that it is secret
 * (read-flash of an identity partition): the frames of a read are held back until the read ends (the stub's
 * MD5 after its last packet, a command that is not part of reading or of re-syncing, the port closing) or
 * {@link #HOLD_LIMIT} bytes have come, then shown, or shown redacted if {@link SecretData} recognises the
 * bytes read; after a secret window the rest of that read is redacted too.
 */
public final class TracingTransport implements Transport {
    /** Frames longer than this are shown up to here, then "... N more". */
    private static final int MAX_HEX_BYTES = 96;
    /** Request header plus the data header of FLASH_DATA (length, sequence, two zero words). */
    private static final int DATA_HEADERS = Wire.HEADER_SIZE + 16;
    /**
     * The most read data held back before it is judged: more than an identity partition (ESP-IDF's NVS
     * default is 24 KB) and a whole number of NVS pages, so that one window holds the whole image.
     */
    static final int HOLD_LIMIT = 64 * 1024;
    /** Commands a read may be interleaved with without ending: the next block, and re-syncing after a loss. */
    private static final Set<Opcode> PART_OF_A_READ = EnumSet.of(Opcode.READ_FLASH_SLOW, Opcode.SYNC,
            Opcode.SPI_ATTACH, Opcode.SPI_SET_PARAMS, Opcode.CHANGE_BAUDRATE, Opcode.MEM_BEGIN, Opcode.MEM_DATA,
            Opcode.MEM_END);
    private static final int RESPONSE = 0x01;

    private final Transport inner;
    private final PrintStream out;
    private final SlipDecoder hostFrames = new SlipDecoder();
    private final SlipDecoder chipFrames = new SlipDecoder();
    private final List<long[]> secretRanges = new CopyOnWriteArrayList<>();
    private boolean writingSecret;
    private long last = System.nanoTime();
    /** Where the last READ_FLASH_SLOW asked to read, and how much: its reply carries that data. */
    private long slowReadAddress = -1;
    private int slowReadSize;
    /** The stub's READ_FLASH in progress, if any. */
    private StubRead stubRead;
    /** The read whose frames are being held back, if any. */
    private HeldRead held;

    /** A READ_FLASH: the stub's reply, then raw data packets up to {@code size}, then its MD5 (16 bytes). */
    private static final class StubRead {
        final long address;
        final long size;
        long received;
        boolean answered;

        StubRead(long address, long size) {
            this.address = address;
            this.size = size;
        }
    }

    /** A trace line, and for read data the line that stands for it when the data is secret. */
    private record Line(String plain, String redacted) {
    }

    /** Contiguous read data from {@code start}, and the lines since it began, not printed yet. */
    private static final class HeldRead {
        long start;
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final List<Line> lines = new ArrayList<>();
        /** A window of this read held a secret: the rest of it is redacted as it comes. */
        boolean tainted;

        HeldRead(long start) {
            this.start = start;
        }

        long next() {
            return start + data.size();
        }
    }

    public TracingTransport(Transport inner, PrintStream out) {
        this.inner = inner;
        this.out = out;
    }

    /** Data written to or read from {@code [offset, offset + length)} is not shown. */
    public void redactFlashRange(int offset, int length) {
        secretRanges.add(new long[] {offset, (long) offset + length});
    }

    @Override
    public void write(byte[] data) throws IOException {
        synchronized (this) {
            for (byte b : data) {
                byte[] frame = hostFrames.feed(b);
                if (frame != null) {
                    printHost(frame);
                }
            }
        }
        inner.write(data);
    }

    @Override
    public int read(byte[] buffer, Duration timeout) throws IOException {
        int n = inner.read(buffer, timeout);
        synchronized (this) {
            for (int i = 0; i < n; i++) {
                byte[] frame = chipFrames.feed(buffer[i]);
                if (frame != null) {
                    printChip(frame);
                }
            }
        }
        return n;
    }

    /** Follows which write the data blocks belong to, and hides the blocks of a secret one. */
    private void printHost(byte[] frame) {
        double delta = tick();
        boolean command = frame.length >= Wire.HEADER_SIZE;
        int op = command ? frame[1] & 0xFF : -1;
        Opcode opcode = Opcode.fromCode(op).orElse(null);
        if (held != null && command && !PART_OF_A_READ.contains(opcode)) {
            // a command that is not part of the read: it is over
            endHeldRead();
        }
        if (command) {
            // during the stub's READ_FLASH the host sends acknowledgements only: a command means it gave up
            stubRead = null;
        }
        if ((opcode == Opcode.FLASH_BEGIN || opcode == Opcode.FLASH_DEFL_BEGIN) && frame.length >= Wire.HEADER_SIZE + 16) {
            ByteBuffer p = Wire.le(frame);
            long size = p.getInt(Wire.HEADER_SIZE) & 0xFFFFFFFFL;
            long offset = p.getInt(Wire.HEADER_SIZE + 12) & 0xFFFFFFFFL;
            writingSecret = overlapsSecret(offset, offset + Math.max(1, size));
        } else if (opcode == Opcode.FLASH_END || opcode == Opcode.FLASH_DEFL_END) {
            writingSecret = false;
        } else if (opcode == Opcode.READ_FLASH_SLOW && frame.length >= Wire.HEADER_SIZE + 8) {
            ByteBuffer p = Wire.le(frame);
            slowReadAddress = p.getInt(Wire.HEADER_SIZE) & 0xFFFFFFFFL;
            slowReadSize = p.getInt(Wire.HEADER_SIZE + 4);
        } else if (opcode == Opcode.READ_FLASH && frame.length >= Wire.HEADER_SIZE + 8) {
            ByteBuffer p = Wire.le(frame);
            stubRead = new StubRead(p.getInt(Wire.HEADER_SIZE) & 0xFFFFFFFFL, p.getInt(Wire.HEADER_SIZE + 4) & 0xFFFFFFFFL);
        }
        boolean dataBlock = opcode == Opcode.FLASH_DATA || opcode == Opcode.FLASH_DEFL_DATA;
        if (dataBlock && writingSecret) {
            int payload = Math.max(0, frame.length - DATA_HEADERS);
            String note = String.format(" <identity image: %d bytes redacted, checksum 0x%02x>", payload, frame[4] & 0xFF);
            byte[] headers = Arrays.copyOf(frame, Math.min(frame.length, DATA_HEADERS));
            emit(format(delta, "host>", describe(frame), frame.length, headers, note));
        } else {
            // the stub's READ_FLASH is acknowledged with bare totals, not commands
            String label = stubRead != null && !command ? "READ_FLASH ack" : describe(frame);
            emit(format(delta, "host>", label, frame.length, frame, null));
        }
    }

    /** Replies as they are; the data of a read as {@link #readData} decides. */
    private void printChip(byte[] frame) {
        double delta = tick();
        boolean response = frame.length >= Wire.HEADER_SIZE && frame[0] == RESPONSE;
        int op = response ? frame[1] & 0xFF : -1;
        if (stubRead != null) {
            StubRead r = stubRead;
            if (!r.answered) {
                if (response && op == Opcode.READ_FLASH.code()) {
                    r.answered = true;
                    if (frame.length <= Wire.HEADER_SIZE || frame[Wire.HEADER_SIZE] != 0) {
                        stubRead = null; // refused: no data follows
                    }
                }
            } else if (r.received < r.size) {
                long at = r.address + r.received;
                int counted = (int) Math.min(frame.length, r.size - r.received);
                r.received += frame.length;
                String label = "READ_FLASH data";
                String note = String.format(" <identity image: %d bytes redacted>", frame.length);
                readData(at, Arrays.copyOf(frame, counted), format(delta, "chip<", label, frame.length, frame, null),
                        format(delta, "chip<", label, frame.length, new byte[0], note));
                return;
            } else {
                // the stub's MD5 of all it sent: the read is complete
                stubRead = null;
                emit(format(delta, "chip<", "READ_FLASH md5", frame.length, frame, null));
                endHeldRead();
                return;
            }
        } else if (response && op == Opcode.READ_FLASH_SLOW.code() && slowReadAddress >= 0
                && frame.length >= Wire.HEADER_SIZE + slowReadSize + 2) {
            int dataEnd = Wire.HEADER_SIZE + slowReadSize;
            String note = String.format(" <identity image: %d bytes redacted, status %s>", slowReadSize,
                    Wire.hex(Arrays.copyOfRange(frame, dataEnd, frame.length)));
            readData(slowReadAddress, Arrays.copyOfRange(frame, Wire.HEADER_SIZE, dataEnd),
                    format(delta, "chip<", describe(frame), frame.length, frame, null),
                    format(delta, "chip<", describe(frame), frame.length, Arrays.copyOf(frame, Wire.HEADER_SIZE), note));
            return;
        }
        emit(format(delta, "chip<", describe(frame), frame.length, frame, null));
    }

    /**
     * Data read from {@code address}: redacted at once where a range is marked secret or its read was found
     * to hold a secret; else held back with the read it continues (a retried block replaces its first copy).
     */
    private void readData(long address, byte[] data, String plain, String redacted) {
        if (overlapsSecret(address, address + Math.max(1, data.length))) {
            emit(redacted);
            return;
        }
        if (held != null && (address < held.start || address > held.next())) {
            endHeldRead();
        }
        if (held == null) {
            held = new HeldRead(address);
        }
        if (held.tainted) {
            emit(redacted);
            return;
        }
        if (address < held.next()) {
            // a block read again after a lost reply: the new copy replaces the old one
            byte[] before = Arrays.copyOf(held.data.toByteArray(), (int) (address - held.start));
            held.data.reset();
            held.data.writeBytes(before);
        }
        held.data.writeBytes(data);
        held.lines.add(new Line(plain, redacted));
        if (held.data.size() >= HOLD_LIMIT) {
            judgeHeld();
        }
    }

    /** Prints what is held, redacted if the data held is secret; the read goes on from where it stands. */
    private void judgeHeld() {
        boolean secret = SecretData.holdsSecrets(held.data.toByteArray());
        for (Line l : held.lines) {
            out.println(secret && l.redacted() != null ? l.redacted() : l.plain());
        }
        held.lines.clear();
        held.start = held.next();
        held.data.reset();
        held.tainted |= secret;
    }

    private void endHeldRead() {
        if (held != null) {
            judgeHeld();
            held = null;
        }
    }

    /** Prints a line, or holds it back behind the read data that came before it. */
    private void emit(String line) {
        if (held != null && !held.lines.isEmpty()) {
            held.lines.add(new Line(line, null));
        } else {
            out.println(line);
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

    private static String describe(byte[] frame) {
        return frame.length > 1 ? Opcode.describe(frame[1] & 0xFF) : "?";
    }

    /** Seconds since the previous frame, taken when a frame passes (it may be printed later). */
    private double tick() {
        long now = System.nanoTime();
        double delta = (now - last) / 1e9;
        last = now;
        return delta;
    }

    /**
     * A frame of {@code length} bytes that came {@code delta} seconds after the previous one, labelled
     * {@code label}, from what may be {@code shown}; {@code redaction}, if not null, stands for the rest.
     */
    private static String format(double delta, String direction, String label, int length, byte[] shown,
            String redaction) {
        String hex = Wire.hex(Arrays.copyOf(shown, Math.min(shown.length, MAX_HEX_BYTES)));
        String more = redaction != null ? redaction
                : shown.length > MAX_HEX_BYTES ? " ... " + (shown.length - MAX_HEX_BYTES) + " more" : "";
        return String.format("trace %+8.3fs %s %-17s len=%-5d %s%s", delta, direction, label, length, hex, more);
    }

    @Override
    public void setBaudRate(int baud) throws IOException {
        synchronized (this) {
            emit(String.format("trace host baud rate -> %d", baud));
        }
        inner.setBaudRate(baud);
    }

    @Override
    public boolean hasModemLines() {
        return inner.hasModemLines();
    }

    @Override
    public boolean usbSerialJtag() {
        return inner.usbSerialJtag();
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
        synchronized (this) {
            endHeldRead();
        }
        inner.close();
    }
}
