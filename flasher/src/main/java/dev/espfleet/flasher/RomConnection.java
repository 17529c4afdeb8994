package dev.espfleet.flasher;

import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.RomError;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.slip.Slip;
import dev.espfleet.flasher.slip.SlipDecoder;
import dev.espfleet.flasher.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Sends typed commands over a transport and waits for the matching reply. Replies to other opcodes are
 * stale (the 7 extra SYNC replies, a late reply after a timeout) and skipped, except the ESP32 ROM's answer to
 * an opcode it does not know: status 01 05 under the previous reply's opcode (../shared/rom-traces).
 */
public final class RomConnection {
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(20);

    private final Transport transport;
    private final SlipDecoder decoder = new SlipDecoder();
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
    private final byte[] buffer = new byte[8192];
    private final double timeoutScale;
    /** 0 until the chip is known; see {@link #statusLengthOf}. */
    private int statusLength;

    /**
     * @param timeoutScale multiplies every command's timeout: 1 for real chips, less for the in-process
     *                     simulator, which answers at once
     */
    public RomConnection(Transport transport, double timeoutScale) {
        this.transport = transport;
        this.timeoutScale = timeoutScale;
    }

    public Transport transport() {
        return transport;
    }

    public void setStatusLength(int statusLength) {
        this.statusLength = statusLength;
    }

    /**
     * The status length for a reply. Before the chip is known (SYNC, GET_SECURITY_INFO, the magic READ_REG)
     * the only replies are bare statuses (2 or 4 bytes, status first) or a security-info block, which only
     * 2-byte-status ROMs send.
     */
    public int statusLengthOf(Response r) {
        if (statusLength > 0) {
            return statusLength;
        }
        return r.data().length <= 4 ? r.data().length : 2;
    }

    public Duration scaled(Duration timeout) {
        long ms = (long) (timeout.toMillis() * timeoutScale);
        return Duration.ofMillis(Math.max(MIN_TIMEOUT.toMillis(), ms));
    }

    /** Sends the command and returns its successful reply; throws on no reply, refusal or lost link. */
    public Response execute(Command command) {
        Response r = executeRaw(command);
        int sl = statusLengthOf(r);
        if (!r.ok(sl)) {
            throw new FlasherErrors.Rejected(command.opcode(), r.error(sl), r.errorCode(sl));
        }
        return r;
    }

    /** Sends the command and returns its reply whatever the status; throws on no reply or lost link. */
    public Response executeRaw(Command command) {
        send(command);
        Response r = await(command.opcode(), scaled(command.timeout()));
        if (r == null) {
            throw new FlasherErrors.NoReply("no reply from the chip to " + command.opcode() + " within "
                    + scaled(command.timeout()).toMillis() + " ms on " + transport.description());
        }
        return r;
    }

    public void send(Command command) {
        try {
            transport.write(Slip.encode(command.encode()));
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
    }

    /** Waits for a reply to {@code opcode}; {@code null} on timeout. */
    public Response await(Opcode opcode, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] packet = nextFrame(deadline);
            if (packet == null) {
                return null;
            }
            Response r = Response.parse(packet);
            if (r == null) {
                continue;
            }
            if (r.opcode() == opcode.code()) {
                return r;
            }
            if (isUnknownOpcodeAnswer(r)) {
                throw new FlasherErrors.Unsupported(opcode);
            }
        }
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

    /** Drops everything received until the line has been quiet for {@code quiet}. */
    public void discardInput(Duration quiet) {
        frames.clear();
        try {
            while (transport.read(buffer, quiet) > 0) {
                // stale bytes
            }
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
        decoder.reset();
    }
}
