package dev.espfleet.flasher.connection;

import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.RomError;
import dev.espfleet.flasher.command.StatusFormat;
import dev.espfleet.flasher.command.Timeouts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Sends typed commands over a transport and waits for the matching reply. Replies to other opcodes are
 * stale (a late reply after a timeout) and skipped, except the ESP32 ROM's answer to an opcode it does not
 * know: status 01 05 under the previous reply's opcode (rom-traces/README.md).
 *
 * <p>The ROM sends its reply to SYNC, and its answer to a command it does not know, 8 times
 * (unsupported-reply-repeats.log). This class, and nothing above it, drains those copies: after a SYNC
 * reply and after an unsupported-command answer it drops everything until the line has been quiet for
 * {@link Timeouts#DRAIN_QUIET}, and gives up after {@link Timeouts#DRAIN_LIMIT} with
 * {@link FlasherErrors.KeepsSending}: a ROM loader falls quiet at once.
 */
public final class RomConnection {
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(20);

    private final Transport transport;
    private final SlipDecoder decoder = new SlipDecoder();
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
    private final byte[] buffer = new byte[8192];
    /** {@link Transport#timeoutScale()}: 1 for real chips, less for a stand-in that answers at once. */
    private final double timeoutScale;
    /** The rate the host set last; the ROM starts at 115200. */
    private int baud = 115200;
    /** {@code null} until the chip is known; see {@link #formatOf}. */
    private StatusFormat format;

    public RomConnection(Transport transport) {
        this.transport = transport;
        this.timeoutScale = transport.timeoutScale();
    }

    public Transport transport() {
        return transport;
    }

    /** The status bytes of the chip's ROM ({@code ChipSpec.statusLength()}) or of the stub, once known. */
    public void setStatusFormat(StatusFormat format) {
        this.format = format;
    }

    /**
     * The status format for a reply. Before the chip is known (SYNC, GET_SECURITY_INFO, the magic READ_REG)
     * the ROM is talking and the only replies are bare statuses (2 or 4 bytes) or a security-info block, which
     * only 2-byte-status ROMs send.
     */
    public StatusFormat formatOf(Response r) {
        if (format != null) {
            return format;
        }
        return StatusFormat.rom(r.data().length <= 4 ? r.data().length : 2);
    }

    public Duration scaled(Duration timeout) {
        long ms = (long) (timeout.toMillis() * timeoutScale);
        return Duration.ofMillis(Math.max(MIN_TIMEOUT.toMillis(), ms));
    }

    /**
     * Sends the command and returns its successful reply; throws {@link FlasherErrors.Rejected} on a refusal,
     * {@link FlasherErrors.Garbled} on a damaged reply, {@link FlasherErrors.NoReply} or a lost link.
     */
    public Response execute(Command command) {
        Response r = executeRaw(command);
        Response.Outcome o = r.outcome(formatOf(r));
        switch (o.verdict()) {
            case DONE -> {
                return r;
            }
            case REFUSED -> throw new FlasherErrors.Rejected(command.opcode(), o.error());
            default -> throw new FlasherErrors.Garbled("garbled reply from the chip to " + command.opcode()
                    + " (status bytes " + o.statusHex() + ", which no loader sends) on " + transport.description());
        }
    }

    /** Sends the command and returns its reply whatever the status; throws on no reply or lost link. */
    public Response executeRaw(Command command) {
        int frameBytes = send(command);
        // the command's own time starts when the chip has it: a 16 KB block takes 17 s at 9600 baud
        Duration timeout = scaled(command.timeout()).plus(wireTime(frameBytes));
        Response r = await(command.opcode(), timeout);
        if (r == null) {
            throw new FlasherErrors.NoReply("no reply from the chip to " + command.opcode() + " within "
                    + timeout.toMillis() + " ms on " + transport.description());
        }
        return r;
    }

    /** Sends the command; returns the number of bytes that went on the wire. */
    public int send(Command command) {
        byte[] frame = Slip.encode(command.encode());
        try {
            transport.write(frame);
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
        return frame.length;
    }

    /** The line's rate, which the host set last (for the time a frame takes on the wire). */
    public void setBaud(int baud) {
        this.baud = baud;
    }

    /** How long {@code bytes} take on the wire at the current rate: 10 bits a byte (8N1). */
    Duration wireTime(int bytes) {
        return Duration.ofNanos(bytes * 10L * 1_000_000_000L / baud);
    }

    /**
     * Waits for a reply to {@code opcode}; {@code null} on timeout. A SYNC reply's 7 copies are drained
     * before it is returned; an unsupported-command answer's copies before {@link FlasherErrors.Unsupported}.
     */
    public Response await(Opcode opcode, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            byte[] packet = nextFrame(deadline);
            if (packet == null) {
                return null;
            }
            Response r = Response.parse(packet);
            if (r == null) {
                continue;
            }
            if (r.opcode() == opcode.code()) {
                if (opcode == Opcode.SYNC) {
                    drain();
                }
                return r;
            }
            if (isUnknownOpcodeAnswer(r)) {
                drain();
                throw new FlasherErrors.Unsupported(opcode);
            }
        }
        return null;
    }

    private static boolean isUnknownOpcodeAnswer(Response r) {
        byte[] d = r.data();
        return d.length >= 2 && d.length <= 4 && d[0] != 0 && (d[1] & 0xFF) == RomError.INVALID_MESSAGE.code();
    }

    private byte[] nextFrame(long deadline) {
        while (frames.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            int n;
            try {
                n = transport.read(buffer, Duration.ofNanos(left));
            } catch (IOException e) {
                throw new FlasherErrors.LinkLost(transport.description(), e);
            }
            for (int i = 0; i < n; i++) {
                byte[] f = decoder.feed(buffer[i]);
                if (f != null) {
                    frames.add(f);
                }
            }
        }
        return frames.poll();
    }

    /** The next raw packet (stub hello, READ_FLASH data); {@code null} on timeout. */
    public byte[] nextPacket(Duration timeout) {
        return nextFrame(System.nanoTime() + timeout.toNanos());
    }

    /** Sends a raw packet that is not a command (READ_FLASH acknowledgements). */
    public void sendRaw(byte[] packet) {
        try {
            transport.write(Slip.encode(packet));
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
    }

    /**
     * Drops everything received until the line has been quiet for {@link Timeouts#DRAIN_QUIET}; throws
     * {@link FlasherErrors.KeepsSending} if it is not quiet within {@link Timeouts#DRAIN_LIMIT}.
     */
    public void drain() {
        frames.clear();
        Duration quiet = scaled(Timeouts.DRAIN_QUIET);
        // never less than a few quiet periods, however short the timeouts are scaled
        Duration limit = scaled(Timeouts.DRAIN_LIMIT).compareTo(quiet.multipliedBy(10)) < 0 ? quiet.multipliedBy(10)
                : scaled(Timeouts.DRAIN_LIMIT);
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        long dropped = 0;
        byte[] last = new byte[0];
        try {
            int n;
            while ((n = transport.read(buffer, quiet)) > 0) {
                dropped += n;
                last = java.util.Arrays.copyOf(buffer, n);
                if (System.nanoTime() - deadline >= 0) {
                    decoder.reset();
                    throw new FlasherErrors.KeepsSending(transport.description(), dropped,
                            Duration.ofNanos(System.nanoTime() - start), printableTail(last),
                            "hold BOOT and press EN to enter download mode, or use --before default-reset on a port with DTR/RTS");
                }
            }
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
        decoder.reset();
    }

    /** The last line of what the port sent (a log line), or empty if it is not text. */
    static String printableTail(byte[] bytes) {
        String[] lines = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).split("[\r\n]+");
        String last = "";
        for (String l : lines) {
            if (!l.isBlank()) {
                last = l.strip();
            }
        }
        StringBuilder text = new StringBuilder();
        int unreadable = 0;
        for (char c : last.toCharArray()) {
            boolean printable = c >= 0x20 && c < 0x7F;
            unreadable += printable ? 0 : 1;
            text.append(printable ? c : '?');
        }
        if (text.length() == 0 || unreadable * 4 > text.length()) {
            return "";
        }
        return text.length() > 60 ? text.substring(text.length() - 60) : text.toString();
    }

}
