package dev.espfleet.flasher.sim;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.RomError;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.connection.Slip;
import dev.espfleet.flasher.connection.SlipDecoder;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.flasher.targets.RomDeflateSpill;
import dev.espfleet.flasher.targets.SpiRegisters;
import dev.espfleet.nvs.PartitionTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The ROM side of the serial loader protocol, as the ESP32 mask ROM behaves in the ROM traces
 * (flasher/src/test/resources/rom-traces):
 * <ul>
 * <li>a SYNC is answered 8 times, with value 0x20120707;</li>
 * <li>the reply's value field is only set by READ_REG (and SYNC): other replies repeat the last one;</li>
 * <li>an opcode the ROM does not know gets status 01 05 under the previous reply's opcode and value, and
 *     that reply comes {@value #UNSUPPORTED_REPLIES} times, as SYNC's does (unsupported-reply-repeats.log);</li>
 * <li>status bytes are {@link ChipSpec#statusLength()} long (4 on the ESP32: status, error, 0, 0);</li>
 * <li>FLASH_BEGIN erases whole sectors; writes only clear bits (NOR); FLASH_DEFL_BEGIN erases from the
 *     offset to {@link RomDeflateSpill#end} (the ROM's "spill", README of the traces) and refuses blocks over
 *     4 KB;</li>
 * <li>after a FLASH_DATA block refused for its checksum, further blocks of that write get 01 05 (or, with
 *     {@link SimConfig.AfterBadChecksum#SILENCE}, no answer) until a new FLASH_BEGIN/FLASH_DEFL_BEGIN;</li>
 * <li>MD5 is answered as 32 lowercase hex digits.</li>
 * </ul>
 * Assumptions not covered by the traces: after reset the ROM ignores everything until a SYNC; FLASH_DATA
 * writes where the previous block ended, whatever its sequence number says (as esptool's stub does); MEM_END
 * does not run uploaded code (there is no CPU here).
 */
public final class SimulatedEsp32 {
    /** First word of a SYNC reply and of the SYNC payload. */
    static final int SYNC_VALUE = 0x20120707;
    static final int SYNC_REPLIES = 8;
    /** The ROM sends its answer to a command it does not know this often (unsupported-reply-repeats.log). */
    static final int UNSUPPORTED_REPLIES = 8;
    static final int DEFAULT_BAUD = 115200;
    static final int MAX_DEFLATE_BLOCK = 4 * 1024;

    /** What the chip is doing. */
    public enum Mode { DOWNLOAD_WAITING_FOR_SYNC, DOWNLOAD, RUNNING_APP, HELD_IN_RESET }

    private enum WriteMode { NONE, PLAIN, DEFLATE }

    private final SimConfig config;
    private final ChipSpec spec;
    private final SimFlash flash;
    private final Map<Integer, Integer> registers = new HashMap<>();
    private final Map<Integer, byte[]> ram = new HashMap<>();
    private final SlipDecoder decoder = new SlipDecoder();

    private Mode mode;
    private int baud = DEFAULT_BAUD;
    private int lastOpcode = Opcode.SYNC.code();
    private int lastValue;
    private WriteMode writeMode = WriteMode.NONE;
    /**
     * The ROM refused a block of the current write for its checksum: further blocks of it are not taken
     * (rom-traces/README.md) until a new FLASH_BEGIN or FLASH_DEFL_BEGIN.
     */
    private boolean writeBroken;
    private int writeNext;
    private int writeEnd;
    private Inflater inflater;
    private int memNext;
    private boolean dtr;
    private boolean rts;
    private int flashParamsSize;
    private boolean stubRunning;
    private StubRead stubRead;
    /** Flash time the commands handled since {@link #takeWork} took up (erasing, programming). */
    private long workNanos;
    /** Whether that time comes after the reply (the stub's data blocks) or before it (everything else). */
    private boolean workAfterReply;
    /** The stub's erase ahead of its writes, during a write. */
    private FlashTiming.EraseAhead eraseAhead;
    /** esptool's stub answers with 2 status bytes on every chip. */
    static final int STUB_STATUS_LENGTH = 2;
    /** What the stub sends once it runs (esptool flasher stub, "OHAI"). */
    static final byte[] STUB_HELLO = "OHAI".getBytes(StandardCharsets.US_ASCII);
    private long pendingBootSince;
    /** EN's RC delay before the chip samples its strapping pins. */
    static final long STRAP_SAMPLE_NANOS = 5_000_000L;
    private long commandsHandled;
    /** The ROM's first line after any reset: the ESP32 ECO3 (v3.0) ROM's date, as this chip's eFuses say v3.0. */
    static final String ROM_BANNER = "ets Jul 29 2019 12:21:46\r\n\r\nrst:";
    static final String RESET_POWER_ON = "0x1 (POWERON_RESET)";
    static final String RESET_SOFTWARE = "0xc (SW_CPU_RESET)";
    static final String RESET_RTC_WATCHDOG = "0x10 (RTCWDT_RTC_RESET)";
    static final int INVALID_HEADER_LINES = 8;
    static final long INVALID_HEADER_INTERVAL_NANOS = 125_000_000L;
    static final long BOOTLOADER_RESET_DELAY_NANOS = 1_000_000_000L;
    static final long PANIC_REBOOT_DELAY_NANOS = 100_000_000L;
    private boolean powerOnPending;
    private int invalidHeaderWord;
    /** Lines of "invalid header" before the watchdog resets; -1 when the ROM is not in that loop. */
    private int invalidHeaderLinesLeft = -1;
    private long nextRomLineAt;
    private volatile long rebootDueAt;
    private volatile String rebootReason = RESET_SOFTWARE;
    private SimApp app;
    private int appGeneration;
    /** What the application printed and nobody has read yet (its own lock: the app's output thread writes it). */
    private final ByteArrayOutputStream appOutput = new ByteArrayOutputStream();
    /** When the chip last booted, and when its application last printed a log line. */
    private long bootedAt = System.nanoTime();
    private long lastAppLog = bootedAt;

    public SimulatedEsp32(SimConfig config) {
        this.config = config;
        this.spec = ChipSpec.of(config.chip());
        this.flash = config.flashFile().map(f -> SimFlash.file(f, config.flashSize()))
                .orElseGet(() -> new SimFlash(config.flashSize()));
        this.flashParamsSize = config.flashSize();
        seedRegisters();
        this.mode = config.startInDownloadMode() ? Mode.DOWNLOAD_WAITING_FOR_SYNC : Mode.RUNNING_APP;
        // powered up without the download strap: the ROM boots the flash as soon as anyone looks (tick, receive)
        this.powerOnPending = !config.startInDownloadMode();
    }

    private void seedRegisters() {
        registers.clear();
        registers.putAll(spec.romRegisters());
        registers.put(ChipSpec.MAGIC_REGISTER, spec.magicValues()[0]);
        byte[] m = config.mac().bytes();
        int high = (m[0] & 0xFF) << 8 | (m[1] & 0xFF);
        if (spec.macCrcInHigh()) {
            // ESP32 eFuse BLK0 word 2 keeps the MAC's CRC-8 in bits 16-23 (esp-idf esp_efuse_mac_get_default)
            high |= macCrc8(m) << 16;
        }
        int low = (m[2] & 0xFF) << 24 | (m[3] & 0xFF) << 16 | (m[4] & 0xFF) << 8 | (m[5] & 0xFF);
        registers.put(spec.macHigh(), high);
        registers.put(spec.macLow(), low);
        registers.putAll(config.registers());
    }

    /** CRC-8/MAXIM (poly 0x31 reflected) over the MAC bytes in eFuse order, i.e. reversed. */
    static int macCrc8(byte[] mac) {
        int crc = 0;
        for (int i = mac.length - 1; i >= 0; i--) {
            crc ^= mac[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x8C : crc >>> 1;
            }
        }
        return crc;
    }

    public SimConfig config() {
        return config;
    }

    public SimFlash flash() {
        return flash;
    }

    public Mode mode() {
        return mode;
    }

    public int baud() {
        return baud;
    }

    public long commandsHandled() {
        return commandsHandled;
    }

    public int statusLength() {
        return stubRunning ? STUB_STATUS_LENGTH : spec.statusLength();
    }

    /** Whether uploaded code "runs": the chip then speaks esptool's stub protocol. */
    public boolean stubRunning() {
        return stubRunning;
    }

    /** Bytes from the host, as they arrive on the UART; returns what the chip sends back (SLIP-framed). */
    public byte[] receive(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(settleBoot());
        if (mode == Mode.RUNNING_APP) {
            // the application's UART: its standard input (the ROM is not listening)
            if (app != null) {
                app.send(bytes);
            }
            return out.toByteArray();
        }
        for (byte b : bytes) {
            byte[] packet = decoder.feed(b);
            if (packet != null) {
                for (byte[] reply : handle(packet)) {
                    out.writeBytes(Slip.encode(reply));
                }
            }
        }
        return out.toByteArray();
    }

    /**
     * The flash work of what this chip received since the last call: how long erasing and programming took
     * ({@link SimConfig#flashTiming()}), and whether the chip answered before doing it (the stub's data blocks:
     * it acknowledges a block at once and writes it while the next arrives) or only after (the ROM; the
     * stub's erase commands). A timed {@link SimLink} delays replies and later commands by it.
     */
    public Work takeWork() {
        Work w = new Work(workNanos, workAfterReply);
        workNanos = 0;
        workAfterReply = false;
        return w;
    }

    /** See {@link #takeWork}. */
    public record Work(long nanos, boolean afterReply) {
    }

    private FlashTiming flashTiming() {
        return config.flashTiming();
    }

    /** Time for programming {@code length} bytes at {@code at}; the stub first erases ahead of them. */
    private void chargeProgram(long at, int length) {
        if (stubRunning && eraseAhead != null) {
            workNanos += eraseAhead.upTo(at + length);
            workAfterReply = true;
        }
        workNanos += flashTiming().programNanos(at, length);
    }

    /** One un-SLIPped request packet in, the reply packets out (none when the ROM stays silent). */
    public List<byte[]> handle(byte[] packet) {
        List<byte[]> replies = new ArrayList<>();
        if (mode == Mode.RUNNING_APP || mode == Mode.HELD_IN_RESET) {
            return replies;
        }
        if (stubRead != null && packet.length == 4) {
            return stubRead.acknowledged(Wire.le(packet).getInt());
        }
        if (packet.length < Wire.HEADER_SIZE || packet[0] != Wire.DIRECTION_REQUEST) {
            return replies;
        }
        ByteBuffer header = Wire.le(packet);
        header.get();
        int op = header.get() & 0xFF;
        int length = header.getShort() & 0xFFFF;
        int checksum = header.getInt();
        byte[] payload = java.util.Arrays.copyOfRange(packet, Wire.HEADER_SIZE, packet.length);
        if (mode == Mode.DOWNLOAD_WAITING_FOR_SYNC && op != Opcode.SYNC.code()) {
            return replies;
        }
        commandsHandled++;
        if (length != payload.length) {
            replies.add(error(op, RomError.INVALID_MESSAGE));
            return replies;
        }
        Opcode opcode = Opcode.fromCode(op).orElse(null);
        if (stubRunning) {
            List<byte[]> stubReplies = stubCommand(op, opcode, payload, checksum);
            if (stubReplies != null) {
                return stubReplies;
            }
        }
        if (opcode == null || !romAnswers(opcode)) {
            replies.addAll(unsupported());
            return replies;
        }
        try {
            switch (opcode) {
                case SYNC -> {
                    if (!isSyncPayload(payload)) {
                        replies.add(error(op, RomError.INVALID_MESSAGE));
                        break;
                    }
                    mode = Mode.DOWNLOAD;
                    // the stub answers once, with value 0 (how esptool tells it from the ROM)
                    lastValue = stubRunning ? 0 : SYNC_VALUE;
                    for (int i = 0; i < (stubRunning ? 1 : SYNC_REPLIES); i++) {
                        replies.add(ok(op, new byte[0]));
                    }
                }
                case READ_REG -> {
                    requireLength(payload, 4);
                    int address = Wire.le(payload).getInt();
                    lastValue = registers.getOrDefault(address, 0);
                    replies.add(ok(op, new byte[0]));
                }
                case WRITE_REG -> {
                    requireLength(payload, 16);
                    ByteBuffer p = Wire.le(payload);
                    writeRegister(p.getInt(), p.getInt(), p.getInt());
                    replies.add(ok(op, new byte[0]));
                }
                case SPI_ATTACH -> {
                    requireLength(payload, 8);
                    replies.add(ok(op, new byte[0]));
                }
                case SPI_SET_PARAMS -> {
                    requireLength(payload, 24);
                    ByteBuffer p = Wire.le(payload);
                    p.getInt();
                    flashParamsSize = p.getInt();
                    replies.add(ok(op, new byte[0]));
                }
                case FLASH_BEGIN -> replies.add(flashBegin(op, payload, false));
                case FLASH_DEFL_BEGIN -> replies.add(flashBegin(op, payload, true));
                case FLASH_DATA, FLASH_DEFL_DATA -> {
                    byte[] r = flashData(op, opcode, payload, checksum);
                    if (r != null) {
                        replies.add(r);
                    }
                }
                case FLASH_END, FLASH_DEFL_END -> {
                    requireLength(payload, 4);
                    boolean stay = Wire.le(payload).getInt() != 0;
                    writeMode = WriteMode.NONE;
                    replies.add(ok(op, new byte[0]));
                    if (!stay) {
                        mode = Mode.RUNNING_APP;
                    }
                }
                case SPI_FLASH_MD5 -> {
                    requireLength(payload, 16);
                    ByteBuffer p = Wire.le(payload);
                    int address = p.getInt();
                    int size = p.getInt();
                    if (!inFlash(address, size)) {
                        replies.add(error(op, RomError.FAILED_TO_ACT));
                        break;
                    }
                    replies.add(ok(op, md5Hex(flash.read(address, size)).getBytes(StandardCharsets.US_ASCII)));
                }
                case READ_FLASH_SLOW -> {
                    requireLength(payload, 8);
                    ByteBuffer p = Wire.le(payload);
                    int address = p.getInt();
                    int size = p.getInt();
                    if (size > 64) {
                        replies.add(error(op, RomError.FLASH_READ_LENGTH_ERROR));
                    } else if (!inFlash(address, size)) {
                        replies.add(error(op, RomError.FLASH_READ_ERROR));
                    } else {
                        replies.add(ok(op, flash.read(address, size)));
                    }
                }
                case CHANGE_BAUDRATE -> {
                    requireLength(payload, 8);
                    int newBaud = Wire.le(payload).getInt();
                    replies.add(ok(op, new byte[0]));
                    baud = newBaud;
                }
                case GET_SECURITY_INFO -> replies.add(ok(op, securityInfo()));
                case MEM_BEGIN -> {
                    requireLength(payload, 16);
                    ByteBuffer p = Wire.le(payload);
                    p.getInt();
                    p.getInt();
                    p.getInt();
                    memNext = p.getInt();
                    replies.add(ok(op, new byte[0]));
                }
                case MEM_DATA -> {
                    byte[] data = dataOf(payload);
                    if (Wire.checksum(data) != checksum) {
                        replies.add(error(op, RomError.INVALID_CRC));
                        break;
                    }
                    ram.put(memNext, data);
                    memNext += data.length;
                    replies.add(ok(op, new byte[0]));
                }
                case MEM_END -> {
                    requireLength(payload, 8);
                    boolean noEntry = Wire.le(payload).getInt() != 0;
                    replies.add(ok(op, new byte[0]));
                    if (!noEntry && !ram.isEmpty()) {
                        // no CPU here: jumping into uploaded code is taken to start esptool's stub
                        stubRunning = true;
                        lastValue = 0;
                        replies.add(STUB_HELLO.clone());
                    }
                }
                default -> replies.addAll(unsupported());
            }
        } catch (InvalidMessage e) {
            replies.add(error(op, RomError.INVALID_MESSAGE));
        }
        return replies;
    }

    /**
     * esptool's stub loader (its serial-protocol documentation): 2 status bytes, MD5 as 16 raw bytes,
     * ERASE_FLASH, ERASE_REGION and READ_FLASH, compressed writes that touch nothing past the image. Returns
     * {@code null} for commands it handles as the ROM does.
     */
    private List<byte[]> stubCommand(int op, Opcode opcode, byte[] payload, int checksum) {
        List<byte[]> replies = new ArrayList<>();
        if (opcode == null || opcode == Opcode.READ_FLASH_SLOW || opcode == Opcode.GET_SECURITY_INFO) {
            replies.add(reply(op, 0, new byte[0], 1, RomError.CMD_NOT_IMPLEMENTED.code()));
            return replies;
        }
        ByteBuffer p = Wire.le(payload);
        switch (opcode) {
            case SPI_ATTACH -> {
                replies.add(ok(op, new byte[0]));
                return replies;
            }
            case SPI_FLASH_MD5 -> {
                if (payload.length != 16) {
                    replies.add(error(op, RomError.BAD_DATA_LEN));
                    return replies;
                }
                int address = p.getInt();
                int size = p.getInt();
                if (!inFlash(address, size)) {
                    replies.add(error(op, RomError.FAILED_SPI_OP));
                    return replies;
                }
                replies.add(ok(op, Wire.unhex(md5Hex(flash.read(address, size)))));
                return replies;
            }
            case ERASE_FLASH -> {
                flash.eraseCovering(0, flash.size());
                workNanos += flashTiming().chipErase().toNanos();
                replies.add(ok(op, new byte[0]));
                return replies;
            }
            case ERASE_REGION -> {
                int offset = p.getInt();
                int size = p.getInt();
                if (offset % SimFlash.SECTOR_SIZE != 0 || size % SimFlash.SECTOR_SIZE != 0 || !inFlash(offset, size)) {
                    replies.add(error(op, RomError.BAD_DATA_LEN));
                    return replies;
                }
                flash.eraseCovering(offset, size);
                workNanos += flashTiming().eraseNanos(offset, size);
                replies.add(ok(op, new byte[0]));
                return replies;
            }
            case READ_FLASH -> {
                int offset = p.getInt();
                int length = p.getInt();
                int block = p.getInt();
                int inFlight = p.getInt();
                if (!inFlash(offset, length) || block <= 0 || inFlight <= 0) {
                    replies.add(error(op, RomError.BAD_DATA_LEN));
                    return replies;
                }
                replies.add(ok(op, new byte[0]));
                stubRead = new StubRead(offset, length, block, inFlight);
                replies.addAll(stubRead.more());
                return replies;
            }
            default -> {
                return null;
            }
        }
    }

    /** A READ_FLASH in progress: data packets go out while fewer than {@code inFlight} are unacknowledged. */
    private final class StubRead {
        private final int offset;
        private final int length;
        private final int block;
        private final int inFlight;
        private int sent;
        private int acked;

        StubRead(int offset, int length, int block, int inFlight) {
            this.offset = offset;
            this.length = length;
            this.block = block;
            this.inFlight = inFlight;
        }

        List<byte[]> more() {
            List<byte[]> out = new ArrayList<>();
            while (sent < length && (sent - acked) / block < inFlight) {
                int n = Math.min(block, length - sent);
                out.add(flash.read(offset + sent, n));
                sent += n;
            }
            return out;
        }

        List<byte[]> acknowledged(int total) {
            acked = Math.max(acked, total);
            List<byte[]> out = more();
            if (acked >= length) {
                out.add(Wire.unhex(md5Hex(flash.read(offset, length))));
                stubRead = null;
            }
            return out;
        }
    }

    /**
     * The answer to a command the ROM does not know: status 01 05 under the previous reply's opcode and value
     * (GET_SECURITY_INFO in the traces), sent {@value #UNSUPPORTED_REPLIES} times.
     */
    private List<byte[]> unsupported() {
        byte[] r = reply(lastOpcode, lastValue, new byte[0], 1, RomError.INVALID_MESSAGE.code());
        List<byte[]> copies = new ArrayList<>();
        for (int i = 0; i < UNSUPPORTED_REPLIES; i++) {
            copies.add(r.clone());
        }
        return copies;
    }

    /** The ESP32 ROM knows neither GET_SECURITY_INFO nor the stub's commands; later ROMs know the former. */
    private boolean romAnswers(Opcode opcode) {
        if (opcode == Opcode.GET_SECURITY_INFO) {
            return spec.securityChipId() >= 0 || spec.statusLength() == 2;
        }
        return opcode.romSupported();
    }

    private byte[] flashBegin(int op, byte[] payload, boolean deflate) {
        if (!stubRunning) {
            requireLength(payload, spec.flashBeginWords() * 4);
        } else if (payload.length != 16 && payload.length != 20) {
            throw new InvalidMessage();
        }
        ByteBuffer p = Wire.le(payload);
        int size = p.getInt();
        int blocks = p.getInt();
        int blockSize = p.getInt();
        int offset = p.getInt();
        if (deflate && blockSize > MAX_DEFLATE_BLOCK && !stubRunning) {
            return error(op, RomError.INVALID_MESSAGE);
        }
        if (!inFlash(offset, size)) {
            return error(op, RomError.FAILED_TO_ACT);
        }
        if (stubRunning) {
            // the stub erases as it writes (the time is charged then), sector by sector or a 64 KB block at a
            // time: nothing past the image changes
            flash.eraseCovering(offset, size);
            eraseAhead = new FlashTiming.EraseAhead(flashTiming(), offset, size);
            if (deflate) {
                inflater = new Inflater();
            }
            writeMode = deflate ? WriteMode.DEFLATE : WriteMode.PLAIN;
        } else if (deflate) {
            // the ROM re-programs flash well past the image (RomDeflateSpill, measured on the genuine ROM)
            long spillEnd = Math.min(flash.size(), RomDeflateSpill.end(offset, size));
            flash.eraseCovering(offset, (int) (spillEnd - offset));
            workNanos += flashTiming().eraseNanos(offset, spillEnd - offset);
            inflater = new Inflater();
            writeMode = WriteMode.DEFLATE;
        } else {
            // the ROM erases the whole region before it answers (esptool gives FLASH_BEGIN a long timeout)
            flash.eraseCovering(offset, size);
            workNanos += flashTiming().eraseNanos(offset, size);
            writeMode = WriteMode.PLAIN;
        }
        writeNext = offset;
        // the stub trims the last block's padding (stub_write_flash.c); the ROM writes whole blocks
        writeEnd = deflate || stubRunning ? offset + size : offset + Math.max(size, blocks * blockSize);
        writeBroken = false;
        return ok(op, new byte[0]);
    }

    /** A data block; {@code null} when the ROM stays silent (after a checksum error, if so configured). */
    private byte[] flashData(int op, Opcode opcode, byte[] payload, int checksum) {
        if (writeBroken && !stubRunning) {
            // seen on the genuine ROM: 01 05 or nothing for 3 s, until the write is begun again
            return config.afterBadChecksum() == SimConfig.AfterBadChecksum.SILENCE ? null
                    : error(op, RomError.INVALID_MESSAGE);
        }
        byte[] data = dataOf(payload);
        if (Wire.checksum(data) != checksum) {
            // the stub just drops the block; the ROM does not take another of this write
            writeBroken = !stubRunning && writeMode != WriteMode.NONE;
            return error(op, stubRunning ? RomError.BAD_DATA_CHECKSUM : RomError.INVALID_CRC);
        }
        boolean deflate = opcode == Opcode.FLASH_DEFL_DATA;
        if (writeMode != (deflate ? WriteMode.DEFLATE : WriteMode.PLAIN)) {
            return error(op, RomError.FAILED_TO_ACT);
        }
        if (!deflate) {
            int n = Math.min(data.length, Math.max(0, writeEnd - writeNext));
            flash.program(writeNext, data, 0, n);
            chargeProgram(writeNext, n);
            writeNext += data.length;
            return ok(op, new byte[0]);
        }
        inflater.setInput(data);
        byte[] out = new byte[16 * 1024];
        try {
            while (!inflater.needsInput() && !inflater.finished()) {
                int n = inflater.inflate(out);
                if (n == 0 && inflater.needsDictionary()) {
                    return error(op, RomError.DEFLATE_ERROR);
                }
                int allowed = Math.min(n, Math.max(0, writeEnd - writeNext));
                flash.program(writeNext, out, 0, allowed);
                chargeProgram(writeNext, allowed);
                writeNext += n;
            }
        } catch (DataFormatException e) {
            return error(op, RomError.DEFLATE_ERROR);
        }
        return ok(op, new byte[0]);
    }

    private void writeRegister(int address, int value, int mask) {
        int old = registers.getOrDefault(address, 0);
        registers.put(address, (value & mask) | (old & ~mask));
        SpiRegisters spi = spec.spi();
        if (address == spi.cmd() && (value & SpiRegisters.CMD_USR) != 0) {
            runSpiUserCommand(spi);
            registers.put(spi.cmd(), registers.get(spi.cmd()) & ~SpiRegisters.CMD_USR);
        }
    }

    /** A raw SPI flash command set up through USER/USER2: JEDEC id and status reads are emulated. */
    private void runSpiUserCommand(SpiRegisters spi) {
        int command = registers.getOrDefault(spi.at(spi.usr2()), 0) & 0xFF;
        switch (command) {
            case 0x9F -> registers.put(spi.at(spi.w0()),
                    config.jedecManufacturer() | config.jedecDeviceType() << 8 | config.jedecCapacity() << 16);
            case 0x05, 0x35 -> registers.put(spi.at(spi.w0()), 0);
            default -> {
                // other commands (SFDP, reset) read nothing back here, as in the traces
            }
        }
    }

    private byte[] securityInfo() {
        // flags, flash_crypt_cnt, 7 key purposes, then chip id and API version where the ROM has them
        ByteBuffer b = Wire.le(spec.securityChipId() >= 0 ? 20 : 12);
        b.putInt(0).put((byte) 0).put(new byte[7]);
        if (spec.securityChipId() >= 0) {
            b.putInt(spec.securityChipId()).putInt(0);
        }
        return b.array();
    }

    private static boolean isSyncPayload(byte[] p) {
        if (p.length != 36 || Wire.le(p).getInt() != SYNC_VALUE) {
            return false;
        }
        for (int i = 4; i < 36; i++) {
            if (p[i] != 0x55) {
                return false;
            }
        }
        return true;
    }

    private static byte[] dataOf(byte[] payload) {
        if (payload.length < 16) {
            throw new InvalidMessage();
        }
        int declared = Wire.le(payload).getInt();
        if (declared != payload.length - 16) {
            throw new InvalidMessage();
        }
        return java.util.Arrays.copyOfRange(payload, 16, payload.length);
    }

    private static void requireLength(byte[] payload, int expected) {
        if (payload.length != expected) {
            throw new InvalidMessage();
        }
    }

    private boolean inFlash(int address, int size) {
        return address >= 0 && size >= 0 && (long) address + size <= flash.size();
    }

    private byte[] ok(int op, byte[] body) {
        return reply(op, lastValue, body, 0, 0);
    }

    private byte[] error(int op, RomError error) {
        return reply(op, lastValue, new byte[0], 1, error.code());
    }

    /**
     * A reply packet with the status bytes of whoever answers: the ROM's status then error (and on the ESP32
     * two zero bytes), or the stub's error code then a zero status byte (stub_flasher.c). Also remembers the
     * opcode for the ROM's quirk.
     */
    private byte[] reply(int op, int value, byte[] body, int status, int error) {
        byte[] data = new byte[body.length + statusLength()];
        System.arraycopy(body, 0, data, 0, body.length);
        if (stubRunning) {
            data[body.length] = (byte) (status == 0 ? 0 : error);
        } else {
            data[body.length] = (byte) status;
            data[body.length + 1] = (byte) error;
        }
        lastOpcode = op;
        return new Response(op, value, data).encode();
    }

    /**
     * A checksum refusal the host cannot tell from a real one (fault injection: the frame arrived damaged):
     * the command is not carried out, and the chip reacts as to any block with a bad checksum.
     */
    public byte[] checksumRefusal(int op) {
        boolean dataBlock = op == Opcode.FLASH_DATA.code() || op == Opcode.FLASH_DEFL_DATA.code();
        if (dataBlock && !stubRunning && writeMode != WriteMode.NONE) {
            if (writeBroken && config.afterBadChecksum() == SimConfig.AfterBadChecksum.SILENCE) {
                return new byte[0];
            }
            byte[] answer = Slip.encode(error(op, writeBroken ? RomError.INVALID_MESSAGE : RomError.INVALID_CRC));
            writeBroken = true;
            return answer;
        }
        return Slip.encode(error(op, stubRunning ? RomError.BAD_DATA_CHECKSUM : RomError.INVALID_CRC));
    }

    /**
     * DTR/RTS as wired on dev boards (esptool docs, "automatic bootloader"): EN is low while RTS is asserted
     * and DTR is not; IO0 is low while DTR is asserted and RTS is not. An RC delay on EN means the chip
     * samples IO0 {@link #STRAP_SAMPLE_NANOS} after EN rises, so a momentary state while the host sets one
     * line after the other does not count. Returns what the chip prints.
     */
    public byte[] setModemLines(boolean newDtr, boolean newRts) {
        long now = System.nanoTime();
        byte[] out = new byte[0];
        if (pendingBootSince != 0 && now - pendingBootSince >= STRAP_SAMPLE_NANOS) {
            out = boot(dtr && !rts);
        }
        boolean enWasLow = rts && !dtr;
        dtr = newDtr;
        rts = newRts;
        boolean enLow = rts && !dtr;
        if (enLow) {
            stopApp();
            mode = Mode.HELD_IN_RESET;
            pendingBootSince = 0;
        } else if (enWasLow) {
            pendingBootSince = now;
        }
        return out;
    }

    /**
     * Lets time pass: a boot whose strapping sample is due happens now; what the running application printed
     * comes out, and its exit is handled (a restart boots again, a crash shows a panic and reboots); the ROM of a
     * chip without a valid bootloader prints its next "invalid header" line when due; a canned application
     * ({@link SimConfig#appLogInterval()}) prints its next line when due. Returns what the chip prints.
     */
    public byte[] tick() {
        long now = System.nanoTime();
        if (pendingBootSince != 0 && now - pendingBootSince >= STRAP_SAMPLE_NANOS) {
            return boot(dtr && !rts);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (powerOnPending) {
            powerOnPending = false;
            out.writeBytes(bootFlash(RESET_POWER_ON));
        }
        synchronized (appOutput) {
            if (appOutput.size() > 0) {
                out.writeBytes(appOutput.toByteArray());
                appOutput.reset();
            }
        }
        if (mode == Mode.RUNNING_APP && rebootDueAt != 0 && now >= rebootDueAt) {
            rebootDueAt = 0;
            out.writeBytes(bootFlash(rebootReason));
        } else if (mode == Mode.RUNNING_APP && invalidHeaderLinesLeft >= 0 && now >= nextRomLineAt) {
            out.writeBytes(nextInvalidHeaderLine(now));
        }
        long interval = config.appLogInterval().toNanos();
        if (mode == Mode.RUNNING_APP && interval > 0 && now - lastAppLog >= interval) {
            lastAppLog = now;
            long uptime = (now - bootedAt) / 1_000_000;
            out.writeBytes(String.format("I (%d) app: uptime %d ms, free heap 215424 bytes\r\n", uptime, uptime)
                    .getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /**
     * The ESP32 ROM without a bootloader image it can read (erased flash: 0xffffffff) prints "invalid header:"
     * with the first word it read, {@value #INVALID_HEADER_LINES} times, until the RTC watchdog resets the chip
     * and it starts over (the console of such a board, as users report it).
     */
    private byte[] nextInvalidHeaderLine(long now) {
        if (invalidHeaderLinesLeft == 0) {
            invalidHeaderLinesLeft = -1;
            return bootFlash(RESET_RTC_WATCHDOG);
        }
        invalidHeaderLinesLeft--;
        nextRomLineAt = now + INVALID_HEADER_INTERVAL_NANOS;
        return String.format("invalid header: 0x%08x\r\n", invalidHeaderWord).getBytes(StandardCharsets.US_ASCII);
    }

    /** A boot whose strapping sample is due happens before the chip looks at new bytes. */
    private byte[] settleBoot() {
        if (pendingBootSince == 0) {
            return new byte[0];
        }
        return boot(dtr && !rts);
    }

    /**
     * A reset (power glitch, watchdog, EN pressed): a running application is stopped; with the download strap the
     * loader starts over at 115200 baud, without it the chip boots its flash.
     */
    public byte[] boot(boolean downloadMode) {
        pendingBootSince = 0;
        powerOnPending = false;
        stopApp();
        bootedAt = System.nanoTime();
        lastAppLog = bootedAt;
        stubRunning = false;
        eraseAhead = null;
        stubRead = null;
        ram.clear();
        decoder.reset();
        writeMode = WriteMode.NONE;
        writeBroken = false;
        inflater = null;
        baud = DEFAULT_BAUD;
        lastOpcode = Opcode.SYNC.code();
        lastValue = 0;
        seedRegisters();
        if (downloadMode) {
            mode = Mode.DOWNLOAD_WAITING_FOR_SYNC;
            return (ROM_BANNER + RESET_POWER_ON + ",boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
                    + "waiting for download\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        return bootFlash(RESET_POWER_ON);
    }

    /**
     * The ROM boots from flash: a canned application where {@link SimConfig#appLogInterval()} asks for one;
     * otherwise the bootloader image at the chip's bootloader offset, the partition table, otadata and the app
     * image, as {@link SimBootloader} does, and then the app's host payload as a process.
     */
    private byte[] bootFlash(String resetReason) {
        stopApp();
        mode = Mode.RUNNING_APP;
        bootedAt = System.nanoTime();
        lastAppLog = bootedAt;
        invalidHeaderLinesLeft = -1;
        rebootDueAt = 0;
        baud = DEFAULT_BAUD;
        String banner = ROM_BANNER + resetReason + ",boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n";
        if (config.appLogInterval().toNanos() > 0) {
            return (banner + "espfleet-sim: application running\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        SimBootloader loader = new SimBootloader(flash, spec, config.appRollback());
        SimBootloader.Outcome outcome = loader.boot();
        StringBuilder out = new StringBuilder(banner);
        out.append(loader.console());
        if (outcome instanceof SimBootloader.Outcome.InvalidHeader bad) {
            invalidHeaderWord = bad.firstWord();
            invalidHeaderLinesLeft = INVALID_HEADER_LINES;
            nextRomLineAt = System.nanoTime();
            out.append(new String(nextInvalidHeaderLine(nextRomLineAt), StandardCharsets.US_ASCII));
        } else if (outcome instanceof SimBootloader.Outcome.Halted halted) {
            if (halted.reboot()) {
                scheduleReboot(RESET_SOFTWARE, BOOTLOADER_RESET_DELAY_NANOS);
            }
        } else if (outcome instanceof SimBootloader.Outcome.RunApp run) {
            Optional<String> problem = SimApp.unsuitable(run.elf());
            if (problem.isPresent()) {
                out.append("espfleet-sim: ").append(problem.get()).append("; it is not run\r\n");
            } else {
                out.append(startApp(run));
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String startApp(SimBootloader.Outcome.RunApp run) {
        int generation = ++appGeneration;
        try {
            app = SimApp.start(run.elf(), flash.requireFile(), PartitionTable.DEFAULT_OFFSET, run.partition().name(),
                    config.mac().toString(), appOutput, code -> appExited(generation, code));
            return "";
        } catch (IOException e) {
            return "espfleet-sim: cannot start the application of " + run.partition().name() + ": " + e.getMessage()
                    + "\r\n";
        }
    }

    /**
     * The application's process ended by itself (its output is all in): esp_restart() boots again; a signal (a
     * crash, an abort) is shown as a panic and the chip reboots, as ESP-IDF's panic handler does by default; an app
     * that returned from app_main stays quiet, as a chip whose main task ended does.
     */
    private void appExited(int generation, int code) {
        synchronized (appOutput) {
            if (generation != appGeneration) {
                return;
            }
            if (code == SimApp.RESTART_EXIT_CODE) {
                scheduleReboot(RESET_SOFTWARE, 0);
            } else if (code > 128) {
                String panic = String.format("Guru Meditation Error: Core  0 panic'ed (the host process of the "
                        + "application ended by signal %d). \r\n\r\nRebooting...\r\n", code - 128);
                appOutput.writeBytes(panic.getBytes(StandardCharsets.US_ASCII));
                scheduleReboot(RESET_SOFTWARE, PANIC_REBOOT_DELAY_NANOS);
            } else if (code != SimApp.HALTED_EXIT_CODE && code != 0) {
                appOutput.writeBytes(String.format("espfleet-sim: the application's process exited with status %d\r\n",
                        code).getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    private void scheduleReboot(String reason, long delayNanos) {
        rebootReason = reason;
        rebootDueAt = System.nanoTime() + Math.max(1, delayNanos);
    }

    private void stopApp() {
        synchronized (appOutput) {
            appGeneration++;
            rebootDueAt = 0;
        }
        if (app != null) {
            app.kill();
            app = null;
        }
    }

    /** The running application's process id, if one runs. */
    public Optional<Long> appPid() {
        return app != null && app.alive() ? Optional.of(app.pid()) : Optional.empty();
    }

    /** Stops a running application (the simulator is going away). */
    public void close() {
        stopApp();
        flash.force();
    }

    static String md5Hex(byte[] data) {
        try {
            return Wire.hex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 missing from the JDK", e);
        }
    }

    private static final class InvalidMessage extends RuntimeException {
        InvalidMessage() {
            super(null, null, false, false);
        }
    }
}
