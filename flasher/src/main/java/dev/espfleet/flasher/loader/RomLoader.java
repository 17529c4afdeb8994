package dev.espfleet.flasher.loader;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.RomError;
import dev.espfleet.flasher.command.StatusFormat;
import dev.espfleet.flasher.command.Timeouts;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.ResetSequence;
import dev.espfleet.flasher.connection.RomConnection;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.StubImage;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.flasher.targets.SpiRegisters;
import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Loader operations on top of {@link RomConnection}: connect (reset, SYNC), chip detection, register and
 * eFuse reads, flash id, baud change, MD5, slow reads, erase. Talks to the ROM (no stub).
 */
public final class RomLoader implements AutoCloseable {
    /** SYNC tries per connect attempt (esptool: 5). */
    private static final int SYNCS_PER_ATTEMPT = 5;
    /** A read-only query (MD5, a register) is asked this often before giving up. */
    private static final int QUERY_ATTEMPTS = 3;
    /** A MEM_DATA block refused for its checksum is sent this often. */
    private static final int BLOCK_ATTEMPTS = 3;
    /** Rounds of SYNC when recovering from an ambiguous failure. */
    private static final int RECOVER_ROUNDS = 3;

    private final RomConnection connection;
    private final Transport transport;
    private final ConnectOptions options;
    private final Consumer<String> log;
    private Chip chip;
    private int baud = ConnectOptions.ROM_BAUD;
    private int flashSize;
    private boolean stubRunning;
    private StubImage stub;
    /** The value of the last SYNC reply: 0 from the stub, 0x20120707 from the ROM. */
    private int lastSyncValue;
    /** A compressed write to the running stub was cut short: its inflate buffer may hold stale output. */
    private boolean stubInflaterSuspect;
    /** Whole stub uploads (MEM_BEGIN, MEM_DATA, MEM_END) before giving up. */
    private static final int STUB_UPLOAD_ATTEMPTS = 3;
    /** MEM_DATA block size (esptool: ESP_RAM_BLOCK). */
    private static final int RAM_BLOCK = 0x1800;
    /** JEDEC capacity byte to bytes, the codes esptool knows (SPI and octal parts). */
    private static final java.util.Map<Integer, Integer> FLASH_SIZES = java.util.Map.ofEntries(
            java.util.Map.entry(0x12, 256 << 10), java.util.Map.entry(0x13, 512 << 10),
            java.util.Map.entry(0x14, 1 << 20), java.util.Map.entry(0x15, 2 << 20), java.util.Map.entry(0x16, 4 << 20),
            java.util.Map.entry(0x17, 8 << 20), java.util.Map.entry(0x18, 16 << 20), java.util.Map.entry(0x19, 32 << 20),
            java.util.Map.entry(0x1A, 64 << 20), java.util.Map.entry(0x1B, 128 << 20),
            java.util.Map.entry(0x1C, 256 << 20), java.util.Map.entry(0x20, 64 << 20),
            java.util.Map.entry(0x21, 128 << 20), java.util.Map.entry(0x22, 256 << 20),
            java.util.Map.entry(0x32, 256 << 10), java.util.Map.entry(0x33, 512 << 10),
            java.util.Map.entry(0x34, 1 << 20), java.util.Map.entry(0x35, 2 << 20), java.util.Map.entry(0x36, 4 << 20),
            java.util.Map.entry(0x37, 8 << 20), java.util.Map.entry(0x38, 16 << 20), java.util.Map.entry(0x39, 32 << 20),
            java.util.Map.entry(0x3A, 64 << 20));
    /** FLASH_DATA block size: 1 KB through the ROM, 16 KB through the stub (esptool's FLASH_WRITE_SIZE). */
    public static final int ROM_FLASH_BLOCK = 0x400;
    private static final int STUB_FLASH_BLOCK = 0x4000;

    private RomLoader(Transport transport, ConnectOptions options, Consumer<String> log) {
        this.transport = transport;
        this.options = options;
        this.log = log;
        this.connection = new RomConnection(transport);
    }

    /** Resets (per {@code --before}), syncs, detects the chip, attaches the flash and switches baud rate. */
    public static RomLoader connect(Transport transport, ConnectOptions options, Consumer<String> log) {
        return connect(transport, options, null, log);
    }

    /** As {@link #connect(Transport, ConnectOptions, Consumer)}, running {@code stub} (if not null) after detection. */
    public static RomLoader connect(Transport transport, ConnectOptions options, StubImage stub, Consumer<String> log) {
        RomLoader loader = new RomLoader(transport, options, log);
        try {
            loader.connectAndSync();
            loader.detectChip();
            if (stub != null) {
                loader.stub = stub;
                loader.runStub(stub);
            }
            loader.attachFlash();
            if (options.baud() != ConnectOptions.ROM_BAUD) {
                loader.changeBaud(options.baud());
            }
            return loader;
        } catch (RuntimeException e) {
            loader.close();
            throw e;
        }
    }

    public Chip chip() {
        return chip;
    }

    public ChipSpec spec() {
        return ChipSpec.of(chip);
    }

    public int flashSize() {
        return flashSize;
    }

    /** Whether esptool's stub runs (so: 16 KB blocks, READ_FLASH, ERASE_REGION, no compressed-write spill). */
    public boolean stubRunning() {
        return stubRunning;
    }

    public int flashBlockSize() {
        return stubRunning ? STUB_FLASH_BLOCK : ROM_FLASH_BLOCK;
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

    /** FLASH_BEGIN's fifth word (encrypted) is for later ROMs only; the stub takes four. */
    public boolean flashBeginFifthWord() {
        return !stubRunning && spec().flashBeginWords() == 5;
    }

    /**
     * Uploads the stub into RAM with MEM_BEGIN/MEM_DATA, starts it with MEM_END and waits for its "OHAI". A
     * MEM_DATA block refused for its checksum was not stored and is sent again; after a lost or damaged reply
     * the whole upload starts over (a few KB). If "OHAI" is lost, SYNC tells: the stub answers it with 0.
     */
    private void runStub(StubImage stub) {
        log.accept("uploading stub " + stub.source() + " ...");
        for (int attempt = 1; ; attempt++) {
            try {
                uploadSegment(stub.text(), stub.textStart());
                if (stub.data().length > 0) {
                    uploadSegment(stub.data(), stub.dataStart());
                }
                if (jumpToStub(stub)) {
                    stubRunning = true;
                    stubInflaterSuspect = false;
                    connection.setStatusFormat(StatusFormat.STUB);
                    log.accept("stub running");
                    return;
                }
                if (attempt >= STUB_UPLOAD_ATTEMPTS) {
                    throw new EspfleetException(ExitStatus.JOB_FAILED, "the stub " + stub.source()
                            + " did not start (no \"OHAI\", and SYNC is answered by the ROM)",
                            "use esptool's stub JSON for " + chip.displayName() + ", or leave --stub out to talk to the ROM");
                }
                log.accept("the stub did not start; uploading it again");
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Rejected e) {
                if (attempt >= STUB_UPLOAD_ATTEMPTS) {
                    throw e;
                }
                log.accept("uploading the stub again: " + e.getMessage());
                connection.drain();
            }
        }
    }

    /** MEM_END into the stub; true once it said "OHAI", or, that lost, answers SYNC as the stub does (0). */
    private boolean jumpToStub(StubImage stub) {
        connection.send(new Command.MemEnd(false, stub.entry()));
        // the ROM may or may not answer MEM_END before it jumps
        long deadline = System.nanoTime() + connection.scaled(Timeouts.DEFAULT).toNanos();
        while (System.nanoTime() - deadline < 0) {
            byte[] p = connection.nextPacket(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (p != null && new String(p, StandardCharsets.US_ASCII).equals("OHAI")) {
                return true;
            }
        }
        return trySync() && lastSyncValue == 0;
    }

    private void uploadSegment(byte[] data, int address) {
        int blocks = (data.length + RAM_BLOCK - 1) / RAM_BLOCK;
        executeIdempotent(new Command.MemBegin(data.length, blocks, RAM_BLOCK, address));
        for (int seq = 0; seq < blocks; seq++) {
            int from = seq * RAM_BLOCK;
            Command.MemData block = new Command.MemData(seq,
                    java.util.Arrays.copyOfRange(data, from, Math.min(data.length, from + RAM_BLOCK)));
            for (int tries = 1; ; tries++) {
                try {
                    connection.execute(block);
                    break;
                } catch (FlasherErrors.Rejected e) {
                    if (e.error() != RomError.INVALID_CRC || tries >= BLOCK_ATTEMPTS) {
                        throw e;
                    }
                    log.accept("stub block " + seq + ": " + e.error().meaning() + ", sending it again");
                }
            }
        }
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

    public RomConnection connection() {
        return connection;
    }

    public Consumer<String> log() {
        return log;
    }

    private void connectAndSync() {
        ConnectOptions.Before before = options.before();
        boolean canReset = transport.hasModemLines();
        if (!canReset && (before == ConnectOptions.Before.DEFAULT_RESET || before == ConnectOptions.Before.USB_RESET)) {
            log.accept("note: " + transport.description()
                    + " has no DTR/RTS lines (pseudo-terminal or TCP): reset skipped, the chip must already be in download mode");
        }
        if (before == ConnectOptions.Before.NO_RESET_NO_SYNC) {
            return;
        }
        log.accept("connecting to " + transport.description() + " ...");
        FlasherErrors.KeepsSending streaming = null;
        for (int attempt = 1; attempt <= options.connectAttempts(); attempt++) {
            boolean reset = resetIntoLoader(attempt);
            try {
                if (trySync()) {
                    return;
                }
            } catch (FlasherErrors.KeepsSending e) {
                if (!reset) {
                    // nothing on this side can stop it: waiting again would only wait again
                    throw e.withHint(transport.hasModemLines()
                            ? "hold BOOT and press EN to enter download mode, or use --before default-reset"
                            : transport.description() + " has no DTR/RTS to reset the chip: hold BOOT and press EN to "
                                    + "enter download mode");
                }
                streaming = e;
            }
        }
        if (streaming != null) {
            throw streaming.withHint("the reset did not stop it: check that DTR/RTS reach EN and IO0, or hold BOOT and "
                    + "press EN to enter download mode");
        }
        throw new FlasherErrors.NoReply("no reply from the chip on " + transport.description() + " after "
                + options.connectAttempts() + " connect attempts");
    }

    /**
     * Sends SYNC until one is answered. The connection drains the ROM's 7 extra replies, and the line before
     * the first SYNC (a boot message); a port that never falls quiet throws {@link FlasherErrors.KeepsSending}.
     */
    private boolean trySync() {
        connection.drain();
        for (int i = 0; i < SYNCS_PER_ATTEMPT; i++) {
            connection.send(new Command.Sync());
            Response r = connection.await(Opcode.SYNC, connection.scaled(Timeouts.SYNC));
            if (r != null && syncAccepted(r)) {
                lastSyncValue = r.value();
                return true;
            }
        }
        return false;
    }

    /**
     * A SYNC reply is bare status bytes, all zero when accepted: 4 from the ESP32 ROM, 2 from later ROMs and
     * the stub. It is judged by its own length, since after a reset or a stub start the answer may come from
     * another loader than the one the connection expects.
     */
    private static boolean syncAccepted(Response r) {
        byte[] d = r.data();
        if (d.length != 2 && d.length != 4) {
            return false;
        }
        for (byte b : d) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private void detectChip() {
        Chip found = null;
        try {
            Response r = connection.executeRaw(new Command.GetSecurityInfo());
            StatusFormat f = connection.formatOf(r);
            byte[] body = r.body(f);
            if (r.ok(f) && body.length >= 20) {
                int id = Wire.le(body).getInt(12);
                found = ChipSpec.bySecurityChipId(id).orElse(null);
            }
        } catch (FlasherErrors.Unsupported | FlasherErrors.Rejected | FlasherErrors.Ambiguous e) {
            // the ESP32 ROM does not know the command (or its answer was damaged): the magic register tells all
        }
        if (found == null) {
            int magic = readReg(ChipSpec.MAGIC_REGISTER);
            found = ChipSpec.byMagic(magic).orElseThrow(() -> new EspfleetException(ExitStatus.JOB_FAILED,
                    String.format("unknown chip: magic register 0x%08X reads 0x%08X", ChipSpec.MAGIC_REGISTER, magic),
                    "espfleet knows " + Chip.choices(c -> true)));
        }
        chip = found;
        connection.setStatusFormat(StatusFormat.rom(spec().statusLength()));
        log.accept("chip is " + chip.displayName());
    }

    /** SPI_ATTACH, then the flash size from its JEDEC id, then SPI_SET_PARAMS with that size. */
    private void attachFlash() {
        executeIdempotent(new Command.SpiAttach(0, !stubRunning));
        int id = flashId();
        Integer detected = FLASH_SIZES.get((id >> 16) & 0xFF);
        if (detected == null) {
            // as esptool: an id it cannot decode (or flash that did not answer) is taken as 4 MB, with a warning
            log.accept(String.format("warning: could not detect the flash size (JEDEC id %06x); assuming 4 MB: give "
                    + "--flash-size if the chip has less", id));
            detected = 4 << 20;
        }
        flashSize = detected;
        executeIdempotent(new Command.SpiSetParams(flashSize));
    }

    /**
     * CHANGE_BAUDRATE, then the host follows. A refusal leaves the chip at its rate, so it is asked again; with
     * no reply it is unknown whether the chip switched, so SYNC finds out at the new rate, then the old.
     */
    public void changeBaud(int newBaud) {
        int oldBaud = baud;
        for (int attempt = 1; attempt <= QUERY_ATTEMPTS; attempt++) {
            try {
                // the stub wants the current rate as second word, the ROM 0
                connection.execute(new Command.ChangeBaudrate(newBaud, stubRunning ? oldBaud : 0));
                setHostBaud(newBaud);
                // the ROM needs a moment at the new rate; anything sent meanwhile is garbage
                connection.drain();
                log.accept("changed baud rate to " + newBaud);
                return;
            } catch (FlasherErrors.Rejected e) {
                log.accept("retrying CHANGE_BAUDRATE: " + e.getMessage());
            } catch (FlasherErrors.Ambiguous e) {
                setHostBaud(newBaud);
                if (trySync()) {
                    log.accept("changed baud rate to " + newBaud);
                    return;
                }
                setHostBaud(oldBaud);
                if (!trySync()) {
                    throw e;
                }
            }
        }
        throw new FlasherErrors.NoReply("the chip did not take baud rate " + newBaud + " after " + QUERY_ATTEMPTS
                + " attempts on " + transport.description());
    }

    private void setHostBaud(int rate) {
        try {
            transport.setBaudRate(rate);
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
        baud = rate;
        connection.setBaud(rate);
    }

    public int readReg(int address) {
        return executeIdempotent(new Command.ReadReg(address)).value();
    }

    public void writeReg(int address, int value) {
        executeIdempotent(new Command.WriteReg(address, value));
    }

    /** JEDEC id (manufacturer | type << 8 | capacity << 16) through a raw SPI command, as esptool does. */
    public int flashId() {
        SpiRegisters spi = spec().spi();
        int oldUsr = readReg(spi.at(spi.usr()));
        int oldUsr2 = readReg(spi.at(spi.usr2()));
        writeReg(spi.at(spi.misoDlen()), 24 - 1);
        writeReg(spi.at(spi.usr()), SpiRegisters.USR_COMMAND | SpiRegisters.USR_MISO);
        writeReg(spi.at(spi.usr2()), (8 - 1) << SpiRegisters.USR2_COMMAND_BITLEN_SHIFT | 0x9F);
        writeReg(spi.at(spi.w0()), 0);
        writeReg(spi.cmd(), SpiRegisters.CMD_USR);
        for (int i = 0; i < 10 && (readReg(spi.cmd()) & SpiRegisters.CMD_USR) != 0; i++) {
            // wait for the transaction to finish
        }
        int id = readReg(spi.at(spi.w0())) & 0xFFFFFF;
        writeReg(spi.at(spi.usr()), oldUsr);
        writeReg(spi.at(spi.usr2()), oldUsr2);
        return id;
    }

    public ChipInfo chipInfo() {
        ChipSpec s = spec();
        MacAddress mac = MacAddress.of(s.macFrom(readReg(s.macHigh()), readReg(s.macLow())));
        String revision = s.revision() == null ? "unknown" : s.revision().decode(this::readReg);
        return new ChipInfo(chip, mac, revision, flashId(), flashSize);
    }

    /** MD5 of a flash region as 32 lowercase hex digits (the ROM's own form); asked again if garbled. */
    public String md5(int address, int size) {
        for (int attempt = 1; ; attempt++) {
            try {
                return md5Once(address, size);
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Rejected e) {
                if (attempt >= QUERY_ATTEMPTS) {
                    throw e;
                }
                log.accept("retrying MD5 of 0x" + Integer.toHexString(address) + ": " + e.getMessage());
                recover();
            }
        }
    }

    private String md5Once(int address, int size) {
        Response r = connection.execute(new Command.SpiFlashMd5(address, size));
        byte[] body = r.body(connection.formatOf(r));
        if (body.length == 32) {
            return new String(body, StandardCharsets.US_ASCII);
        }
        if (body.length == 16) {
            return Wire.hex(body);
        }
        throw new FlasherErrors.Garbled("MD5 reply of unexpected length " + body.length + " (expected 32 or 16) on "
                + transport.description());
    }

    /** Reads flash: streamed by the stub, or 64 bytes per command through the ROM. */
    public byte[] readFlash(int address, int size, ProgressListener progress) {
        if (stubRunning) {
            return readFlashStub(address, size, progress);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        int done = 0;
        while (done < size) {
            int n = Math.min(Command.ReadFlashSlow.MAX_SIZE, size - done);
            Response r = executeIdempotent(new Command.ReadFlashSlow(address + done, n));
            byte[] body = r.body(connection.formatOf(r));
            if (body.length < n) {
                throw new FlasherErrors.Garbled("short read at 0x" + Integer.toHexString(address + done) + ": got "
                        + body.length + " bytes, expected " + n);
            }
            out.write(body, 0, n);
            done += n;
            progress.bytesDone(done, size);
        }
        return out.toByteArray();
    }

    /** READ_FLASH: 4 KB packets, 64 in flight, each acknowledged with the total so far; then the MD5. */
    private byte[] readFlashStub(int address, int size, ProgressListener progress) {
        connection.execute(new Command.ReadFlash(address, size, 0x1000, 64));
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        Duration timeout = connection.scaled(Timeouts.DEFAULT);
        while (out.size() < size) {
            byte[] p = connection.nextPacket(timeout);
            if (p == null) {
                throw new FlasherErrors.NoReply("READ_FLASH stalled after " + out.size() + " of " + size + " bytes");
            }
            out.write(p, 0, Math.min(p.length, size - out.size()));
            connection.sendRaw(Wire.words(out.size()));
            progress.bytesDone(out.size(), size);
        }
        byte[] digest = connection.nextPacket(timeout);
        byte[] data = out.toByteArray();
        if (digest == null || digest.length != 16 || !Wire.hex(digest).equals(FlashWriter.md5Hex(data))) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "READ_FLASH of 0x" + Integer.toHexString(address)
                    + ": the data does not match the stub's MD5", "try again, maybe at a lower --baud");
        }
        return data;
    }

    /** After an ambiguous failure: drop stale bytes, sync again (at 115200 if the chip was reset). */
    public void recover() {
        for (int round = 0; round < RECOVER_ROUNDS; round++) {
            if (trySync()) {
                afterResync(baud);
                return;
            }
        }
        int target = baud;
        if (baud != ConnectOptions.ROM_BAUD) {
            // a reset chip is back at 115200
            setHostBaud(ConnectOptions.ROM_BAUD);
            if (trySync()) {
                afterResync(target);
                return;
            }
        }
        if (resetIntoLoader(1)) {
            // last resort (a chip at an unknown rate, a hung loader): reset it where the port can
            setHostBaud(ConnectOptions.ROM_BAUD);
            if (trySync()) {
                afterResync(target);
                return;
            }
        }
        throw new FlasherErrors.NoReply("the chip stopped answering on " + transport.description());
    }

    /**
     * After SYNC answered again: if the ROM answered where the stub ran, the chip was reset, so the ROM's
     * status layout applies and the stub is started again; flash and baud rate are set up again as needed.
     */
    private void afterResync(int targetBaud) {
        boolean romAnswered = lastSyncValue != 0;
        if (stubRunning && romAnswered) {
            log.accept("the chip was reset: the stub is gone");
            stubRunning = false;
            connection.setStatusFormat(StatusFormat.rom(spec().statusLength()));
            if (stub != null) {
                runStub(stub);
            }
        } else if (baud == targetBaud && !romAnswered) {
            return;
        }
        if (baud != targetBaud || romAnswered) {
            reattach(targetBaud);
        }
    }

    private void reattach(int targetBaud) {
        executeIdempotent(new Command.SpiAttach(0, !stubRunning));
        executeIdempotent(new Command.SpiSetParams(flashSize));
        if (targetBaud != baud) {
            changeBaud(targetBaud);
        }
    }

    /** Runs the {@code --before} reset sequence if there is one and the port has the lines; false otherwise. */
    private boolean resetIntoLoader(int attempt) {
        if (!transport.hasModemLines()) {
            return false;
        }
        try {
            switch (options.before()) {
                case DEFAULT_RESET -> ResetSequence.classic(transport, attempt % 2 == 1 ? 50 : 550);
                case USB_RESET -> ResetSequence.usbJtagSerial(transport);
                default -> {
                    return false;
                }
            }
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
        return true;
    }

    /** {@code --after}: restart into the application where the port has the lines for it. */
    public void finish() {
        if (options.after() == ConnectOptions.After.HARD_RESET) {
            if (transport.hasModemLines()) {
                try {
                    ResetSequence.hardReset(transport);
                    log.accept("hard reset: the chip runs its application");
                } catch (IOException e) {
                    throw new FlasherErrors.LinkLost(transport.description(), e);
                }
            } else {
                log.accept("note: no DTR/RTS on " + transport.description() + ": press EN to run the application");
            }
        }
    }

    @Override
    public void close() {
        transport.close();
    }
}
