package dev.espfleet.flasher.sim;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.connection.Slip;
import dev.espfleet.flasher.connection.SlipDecoder;
import dev.espfleet.flasher.connection.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The host's end of a wire to a {@link SimulatedEsp32}: a {@link Transport} in the same process. It injects
 * the faults of its plan, models baud mismatch (bytes sent at one rate and read at another are lost) and,
 * when {@link LinkTiming#timed()}, the time bytes spend on the wire.
 */
public final class SimLink implements Transport {
    /**
     * The simulator answers at once, so a lost reply need not cost a real chip's wait: a twentieth of it (the
     * shortest timeouts still get {@code RomConnection}'s floor of 20 ms).
     */
    public static final double IN_PROCESS_TIMEOUT_SCALE = 0.05;

    private final SimulatedEsp32 chip;
    private final List<Fault> faults;
    private final LinkTiming timing;
    private final LinkNoise noise;
    private final double timeoutScale;
    private final List<Fault> fired = new ArrayList<>();
    private final Map<Opcode, Integer> seen = new EnumMap<>(Opcode.class);
    private final ByteArrayOutputStream pendingFrame = new ByteArrayOutputStream();
    private final ArrayDeque<Chunk> toHost = new ArrayDeque<>();
    private boolean inFrame;
    private int hostBaud = SimulatedEsp32.DEFAULT_BAUD;
    private long wireFreeAt;
    /** When the chip is done with the flash work of the commands so far (timed links only). */
    private long chipFreeAt;
    /** Flash work charged so far, and how much of it held up a reply (timed links only). */
    private long flashWorkNanos;
    private long flashWaitNanos;
    private boolean disconnected;
    private boolean closed;
    private boolean ownsChip;
    private long virtualNow;

    private record Chunk(long availableAt, byte[] bytes, int[] offset) {
    }

    public SimLink(SimulatedEsp32 chip) {
        this(chip, List.of(), LinkTiming.UNTIMED);
    }

    public SimLink(SimulatedEsp32 chip, List<Fault> faults, LinkTiming timing) {
        this(chip, faults, timing, LinkNoise.NONE);
    }

    /**
     * A link that also loses frames at random ({@link LinkNoise}), on top of the planned faults. A timed link
     * takes a real wire's and a real flash's time, so the loader waits as long as for a real chip (scale 1);
     * an untimed one answers at once ({@link #IN_PROCESS_TIMEOUT_SCALE}).
     */
    public SimLink(SimulatedEsp32 chip, List<Fault> faults, LinkTiming timing, LinkNoise noise) {
        this(chip, faults, timing, noise, timing.timed() ? 1.0 : IN_PROCESS_TIMEOUT_SCALE);
    }

    /**
     * @param timeoutScale what {@link #timeoutScale()} tells the loader: {@link #IN_PROCESS_TIMEOUT_SCALE} by
     *                     default; 1 where the link takes a real wire's time (a timed benchmark), less in tests
     */
    public SimLink(SimulatedEsp32 chip, List<Fault> faults, LinkTiming timing, LinkNoise noise, double timeoutScale) {
        this.chip = chip;
        this.faults = List.copyOf(faults);
        this.timing = timing;
        this.noise = noise;
        this.timeoutScale = timeoutScale;
    }

    public LinkNoise noise() {
        return noise;
    }

    public SimulatedEsp32 chip() {
        return chip;
    }

    /** The faults that have happened so far. */
    public List<Fault> fired() {
        return List.copyOf(fired);
    }

    @Override
    public synchronized void write(byte[] data) throws IOException {
        checkOpen();
        long now = now();
        long arrival = Math.max(now, wireFreeAt) + timing.wireNanos(data.length, hostBaud);
        wireFreeAt = arrival;
        ByteArrayOutputStream loose = new ByteArrayOutputStream();
        for (byte b : data) {
            int v = b & 0xFF;
            if (!inFrame) {
                if (v == Slip.END) {
                    inFrame = true;
                    pendingFrame.reset();
                    pendingFrame.write(v);
                } else {
                    loose.write(v);
                }
                continue;
            }
            pendingFrame.write(v);
            if (v == Slip.END && pendingFrame.size() > 2) {
                inFrame = false;
                if (loose.size() > 0) {
                    deliverToChip(loose.toByteArray(), arrival, null);
                    loose.reset();
                }
                frameToChip(pendingFrame.toByteArray(), arrival);
            } else if (v == Slip.END) {
                // an empty frame: keep the delimiter as the start of the next
                pendingFrame.reset();
                pendingFrame.write(v);
            }
        }
        if (loose.size() > 0) {
            deliverToChip(loose.toByteArray(), arrival, null);
        }
    }

    private void frameToChip(byte[] raw, long arrival) throws IOException {
        Opcode op = opcodeOf(raw);
        Fault fault = null;
        if (op != null) {
            int n = seen.merge(op, 1, Integer::sum);
            for (Fault f : faults) {
                if (f.opcode() == op && f.occurrence() == n) {
                    fault = f;
                    fired.add(f);
                    break;
                }
            }
        }
        if (fault == null) {
            if (!noise.loseFrame()) {
                deliverToChip(raw, arrival, null);
            }
            return;
        }
        int middle = raw.length / 2;
        switch (fault.kind()) {
            case DROP_HOST_BYTE -> {
                byte[] shorter = new byte[raw.length - 1];
                System.arraycopy(raw, 0, shorter, 0, middle);
                System.arraycopy(raw, middle + 1, shorter, middle, raw.length - middle - 1);
                deliverToChip(shorter, arrival, null);
            }
            case CORRUPT_HOST_BYTE -> {
                byte[] bad = raw.clone();
                bad[middle] ^= 0x01;
                deliverToChip(bad, arrival, null);
            }
            case DROP_HOST_FRAME -> {
                // lost on the wire
            }
            // the refusal comes when the chip takes the command, after the flash work before it
            case NAK -> queueToHost(chip.checksumRefusal(op.code()), Math.max(arrival, chipFreeAt), chip.baud());
            case DISCONNECT -> {
                disconnected = true;
                throw new IOException("simulated link lost (cable pulled)");
            }
            case RESET -> {
                chipFreeAt = Math.min(chipFreeAt, arrival); // a reset drops the flash work in progress
                queueToHost(chip.boot(true), arrival, SimulatedEsp32.DEFAULT_BAUD);
                deliverToChip(raw, arrival, null);
            }
            case DROP_REPLY, CORRUPT_REPLY, DELAY_REPLY -> deliverToChip(raw, arrival, fault);
            default -> throw new IllegalStateException("unhandled fault " + fault);
        }
    }

    private static Opcode opcodeOf(byte[] raw) {
        SlipDecoder d = new SlipDecoder();
        for (byte b : raw) {
            byte[] p = d.feed(b);
            if (p != null && p.length >= 2) {
                return Opcode.fromCode(p[1] & 0xFF).orElse(null);
            }
        }
        return null;
    }

    /** Bytes reach the chip only if both ends agree on the baud rate; the reply goes out at the chip's rate. */
    private void deliverToChip(byte[] bytes, long arrival, Fault replyFault) {
        if (hostBaud != chip.baud()) {
            return;
        }
        int replyBaud = chip.baud();
        // the chip takes a command once it has fully arrived and the flash work before it is done (the UART
        // holds what arrives meanwhile); the ROM answers after its own work, the stub before a data block's
        long start = timing.timed() ? Math.max(arrival, chipFreeAt) : arrival;
        byte[] reply = chip.receive(bytes);
        SimulatedEsp32.Work work = chip.takeWork();
        if (timing.timed()) {
            flashWaitNanos += start - arrival;
            flashWorkNanos += work.nanos();
            chipFreeAt = start + work.nanos();
            arrival = work.afterReply() ? start : chipFreeAt;
        }
        if (reply.length == 0) {
            return;
        }
        if (replyFault != null) {
            switch (replyFault.kind()) {
                case DROP_REPLY -> {
                    return;
                }
                case CORRUPT_REPLY -> reply = corruptFirstDataByte(reply);
                case DELAY_REPLY -> arrival += replyFault.millis() * 1_000_000L;
                default -> {
                }
            }
        }
        queueToHost(noise == LinkNoise.NONE ? reply : withoutLostFrames(reply), arrival, replyBaud);
    }

    /** The chip's output with each of its SLIP frames lost at the noise's rate; text between frames stays. */
    private byte[] withoutLostFrames(byte[] framed) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream(framed.length);
        int i = 0;
        while (i < framed.length) {
            if ((framed[i] & 0xFF) != Slip.END) {
                kept.write(framed[i++]);
                continue;
            }
            int end = i + 1;
            while (end < framed.length && (framed[end] & 0xFF) != Slip.END) {
                end++;
            }
            int stop = Math.min(framed.length, end + 1);
            if (!noise.loseFrame()) {
                kept.write(framed, i, stop - i);
            }
            i = stop;
        }
        return kept.toByteArray();
    }

    /** Flips a bit in the first byte after the 8-byte header: the status of a bare reply, a digit of an MD5. */
    private static byte[] corruptFirstDataByte(byte[] framed) {
        byte[] out = framed.clone();
        int at = 1 + 8;
        if (at < out.length - 1 && (out[at] & 0xFF) != Slip.END && (out[at] & 0xFF) != Slip.ESC) {
            out[at] ^= 0x01;
        }
        return out;
    }

    private void queueToHost(byte[] bytes, long sentAt, int chipBaud) {
        if (chipBaud != hostBaud || bytes.length == 0) {
            return;
        }
        long at = sentAt + (timing.timed() ? timing.turnaround().toNanos() : 0) + timing.wireNanos(bytes.length, hostBaud);
        toHost.add(new Chunk(at, bytes, new int[] {0}));
        notifyAll();
    }

    @Override
    public int read(byte[] buffer, Duration timeout) throws IOException {
        long deadline = now() + timeout.toNanos();
        while (true) {
            long parkUntil;
            synchronized (this) {
                checkOpen();
                queueToHost(chip.tick(), now(), SimulatedEsp32.DEFAULT_BAUD);
                Chunk head = toHost.peek();
                long now = now();
                if (head != null && head.availableAt() <= now) {
                    int n = Math.min(buffer.length, head.bytes().length - head.offset()[0]);
                    System.arraycopy(head.bytes(), head.offset()[0], buffer, 0, n);
                    head.offset()[0] += n;
                    if (head.offset()[0] == head.bytes().length) {
                        toHost.poll();
                    }
                    return n;
                }
                if (now >= deadline) {
                    return 0;
                }
                if (head == null && timing.virtual()) {
                    // nothing is on its way, and on a virtual clock nothing else will send
                    virtualNow = Math.max(virtualNow, deadline);
                    return 0;
                }
                if (head == null) {
                    long waitNanos = deadline - now;
                    try {
                        // released by a write from another thread that queues a reply; short, so a
                        // chip that is booting gets to print
                        wait(Math.max(1, Math.min(5, waitNanos / 1_000_000)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while reading from the simulator", e);
                    }
                    continue;
                }
                parkUntil = Math.min(deadline, head.availableAt());
            }
            // a reply on its way: sleep until it has crossed the (timed) wire, outside the lock
            sleepUntil(parkUntil);
        }
    }

    /** Lets the chip's time pass now (a boot that is due, what its application printed), without reading. */
    public synchronized void pump() throws IOException {
        checkOpen();
        queueToHost(chip.tick(), now(), SimulatedEsp32.DEFAULT_BAUD);
    }

    /**
     * On a timed link, the chip's flash work so far (erasing and programming, {@link FlashTiming}) and how long
     * commands waited for earlier work to finish before the chip took them; nanoseconds.
     */
    public synchronized FlashWork flashWork() {
        return new FlashWork(flashWorkNanos, flashWaitNanos);
    }

    /** See {@link #flashWork()}. */
    public record FlashWork(long workNanos, long waitNanos) {
    }

    /** Link time: the real clock, or the virtual one of a {@link LinkTiming#virtual()} link. */
    public synchronized long now() {
        return timing.virtual() ? virtualNow : System.nanoTime();
    }

    private void sleepUntil(long t) {
        if (timing.virtual()) {
            synchronized (this) {
                virtualNow = Math.max(virtualNow, t);
            }
        } else {
            LockSupport.parkNanos(Math.max(1000, t - System.nanoTime()));
        }
    }

    @Override
    public synchronized void setBaudRate(int baud) throws IOException {
        checkOpen();
        hostBaud = baud;
    }

    @Override
    public boolean hasModemLines() {
        return true;
    }

    private boolean dtr;
    private boolean rts;

    @Override
    public synchronized void setDtr(boolean asserted) throws IOException {
        checkOpen();
        dtr = asserted;
        queueToHost(chip.setModemLines(dtr, rts), now(), SimulatedEsp32.DEFAULT_BAUD);
        if (rts && !dtr) {
            chipFreeAt = Math.min(chipFreeAt, now()); // EN low (the dev-board circuit) drops the flash work
        }
    }

    @Override
    public synchronized void setRts(boolean asserted) throws IOException {
        checkOpen();
        rts = asserted;
        queueToHost(chip.setModemLines(dtr, rts), now(), SimulatedEsp32.DEFAULT_BAUD);
        if (rts && !dtr) {
            chipFreeAt = Math.min(chipFreeAt, now()); // EN low (the dev-board circuit) drops the flash work
        }
    }

    private void checkOpen() throws IOException {
        if (disconnected) {
            throw new IOException("simulated link lost (cable pulled)");
        }
        if (closed) {
            throw new IOException("simulated link closed");
        }
    }

    @Override
    public double timeoutScale() {
        return timeoutScale;
    }

    @Override
    public String description() {
        return "sim (simulated " + chip.config().chip().displayName() + ")";
    }

    /**
     * This link is the only way to its chip (a {@code --port sim} open): closing it ends the chip, and with it the
     * application it runs.
     */
    public SimLink owningChip() {
        ownsChip = true;
        return this;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (ownsChip) {
            chip.close();
        }
        notifyAll();
    }

    @Override
    public String toString() {
        return description() + " faults=" + Arrays.toString(faults.toArray());
    }
}
