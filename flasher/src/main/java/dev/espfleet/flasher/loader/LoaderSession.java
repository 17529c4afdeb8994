package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.StatusFormat;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.RomConnection;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * One conversation with a chip's serial loader: the connection, and what host and chip have agreed on so far
 * (which chip, the baud rate, the flash size, whether esptool's stub answers instead of the ROM). The parts of
 * the loader ({@link LoaderSync}, {@link ChipDetection}, {@link StubRunner}, {@link Recovery}, ...) share it;
 * only they change it.
 */
public final class LoaderSession {
    /** A command whose repetition does no harm is sent this often before giving up. */
    static final int QUERY_ATTEMPTS = 3;
    /** FLASH_DATA block size: 1 KB through the ROM, 16 KB through the stub (esptool's FLASH_WRITE_SIZE). */
    public static final int ROM_FLASH_BLOCK = 0x400;
    private static final int STUB_FLASH_BLOCK = 0x4000;

    private final Transport transport;
    private final RomConnection connection;
    private final ConnectOptions options;
    private final Consumer<String> log;
    private Chip chip;
    private int baud = ConnectOptions.ROM_BAUD;
    private int flashSize;
    private boolean stubRunning;
    /** A compressed write to the running stub was cut short: its inflate buffer may hold stale output. */
    private boolean stubInflaterSuspect;

    LoaderSession(Transport transport, ConnectOptions options, Consumer<String> log) {
        this.transport = transport;
        this.options = options;
        this.log = log;
        this.connection = new RomConnection(transport);
    }

    public Transport transport() {
        return transport;
    }

    public RomConnection connection() {
        return connection;
    }

    public ConnectOptions options() {
        return options;
    }

    /** Where the loader says what it does (connecting, retrying, the chip's name). */
    public Consumer<String> log() {
        return log;
    }

    /** The chip, once {@link ChipDetection} has found it. */
    public Chip chip() {
        return chip;
    }

    public ChipSpec spec() {
        return ChipSpec.of(chip);
    }

    /** The chip is known: from now on replies are read with its ROM's status bytes. */
    void chipDetected(Chip found) {
        chip = found;
        connection.setStatusFormat(StatusFormat.rom(spec().statusLength()));
    }

    /** The rate both sides use now. */
    public int baud() {
        return baud;
    }

    /** The host follows a rate the chip was told (or is thought) to use. */
    void setHostBaud(int rate) {
        try {
            transport.setBaudRate(rate);
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
        baud = rate;
        connection.setBaud(rate);
    }

    /** The size of the attached flash, from its JEDEC id. */
    public int flashSize() {
        return flashSize;
    }

    void setFlashSize(int size) {
        flashSize = size;
    }

    /** Whether esptool's stub runs (so: 16 KB blocks, READ_FLASH, ERASE_REGION, no compressed-write spill). */
    public boolean stubRunning() {
        return stubRunning;
    }

    /** The stub said "OHAI": its replies have 2 status bytes, and its inflate buffer starts empty. */
    void stubStarted() {
        stubRunning = true;
        stubInflaterSuspect = false;
        connection.setStatusFormat(StatusFormat.STUB);
    }

    /** The ROM answered where the stub ran: the chip was reset, and the ROM's status layout applies again. */
    void stubGone() {
        stubRunning = false;
        connection.setStatusFormat(StatusFormat.rom(spec().statusLength()));
    }

    /**
     * Whether a compressed write to the running stub was cut short since it started: the stub's inflate
     * buffer, which a new compressed write does not clear, may then hold output of that write, so the
     * writer stays with plain blocks until the stub is started again.
     */
    public boolean stubInflaterSuspect() {
        return stubRunning && stubInflaterSuspect;
    }

    public void markStubInflaterSuspect() {
        if (stubRunning) {
            stubInflaterSuspect = true;
        }
    }

    public int flashBlockSize() {
        return stubRunning ? STUB_FLASH_BLOCK : ROM_FLASH_BLOCK;
    }

    /** FLASH_BEGIN's fifth word (encrypted) is for later ROMs only; the stub takes four. */
    public boolean flashBeginFifthWord() {
        return !stubRunning && spec().flashBeginWords() == 5;
    }

    /**
     * Sends a command whose repetition does no harm (register access, SPI setup, FLASH_BEGIN, which begins the
     * write again), again after a lost or damaged reply, up to {@link #QUERY_ATTEMPTS} times; the line is
     * drained first so that a late reply is not taken for the next one.
     */
    public Response executeIdempotent(Command command) {
        for (int attempt = 1; ; attempt++) {
            try {
                return connection.execute(command);
            } catch (FlasherErrors.Ambiguous e) {
                if (attempt >= QUERY_ATTEMPTS) {
                    throw e;
                }
                log.accept("retrying " + command.opcode() + ": " + e.getMessage());
                connection.drain();
            }
        }
    }
}
