package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.RomConnection;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.image.StubImage;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;
import java.util.function.Consumer;

/**
 * A connected loader: {@link #connect} resets the chip into it, syncs, detects the chip, starts the stub if
 * one is given, attaches the flash and switches the baud rate. The work is done by its parts, one job each,
 * which share a {@link LoaderSession}: {@link LoaderSync}, {@link ResetControl}, {@link ChipDetection},
 * {@link RegisterAccess}, {@link FlashAttach}, {@link BaudRateChange}, {@link StubRunner}, {@link Recovery},
 * {@link FlashMd5}. Flash jobs (write, erase, verify, read) are in {@code flasher.flash}.
 */
public final class RomLoader implements AutoCloseable {
    private final LoaderSession session;
    private final RegisterAccess registers;
    private final ResetControl resets;
    private final LoaderSync sync;
    private final FlashAttach flash;
    private final ChipDetection detection;
    private final BaudRateChange baudRate;
    private final StubRunner stubs;
    private final Recovery recovery;
    private final FlashMd5 md5;

    private RomLoader(Transport transport, ConnectOptions options, Consumer<String> log) {
        session = new LoaderSession(transport, options, log);
        registers = new RegisterAccess(session);
        resets = new ResetControl(session);
        sync = new LoaderSync(session, resets);
        flash = new FlashAttach(session, registers);
        detection = new ChipDetection(session, registers, flash);
        baudRate = new BaudRateChange(session, sync);
        stubs = new StubRunner(session, sync);
        recovery = new Recovery(session, sync, resets, stubs, flash, baudRate);
        md5 = new FlashMd5(session, recovery);
    }

    /** Resets (per {@code --before}), syncs, detects the chip, attaches the flash and switches baud rate. */
    public static RomLoader connect(Transport transport, ConnectOptions options, Consumer<String> log) {
        return connect(transport, options, null, log);
    }

    /** As {@link #connect(Transport, ConnectOptions, Consumer)}, running {@code stub} (if not null) after detection. */
    public static RomLoader connect(Transport transport, ConnectOptions options, StubImage stub, Consumer<String> log) {
        RomLoader loader = new RomLoader(transport, options, log);
        try {
            loader.sync.connect();
            loader.detection.detect();
            if (stub != null) {
                loader.stubs.start(stub);
            }
            loader.flash.attach();
            if (options.baud() != ConnectOptions.ROM_BAUD) {
                loader.baudRate.change(options.baud());
            }
            return loader;
        } catch (RuntimeException e) {
            loader.close();
            throw e;
        }
    }

    /** What host and chip have agreed on, and the connection: for the flash jobs. */
    public LoaderSession session() {
        return session;
    }

    public RegisterAccess registers() {
        return registers;
    }

    public FlashAttach flashAttach() {
        return flash;
    }

    public BaudRateChange baudRate() {
        return baudRate;
    }

    public Chip chip() {
        return session.chip();
    }

    public ChipSpec spec() {
        return session.spec();
    }

    public int flashSize() {
        return session.flashSize();
    }

    /** Whether esptool's stub runs (so: 16 KB blocks, READ_FLASH, ERASE_REGION, no compressed-write spill). */
    public boolean stubRunning() {
        return session.stubRunning();
    }

    public int flashBlockSize() {
        return session.flashBlockSize();
    }

    public RomConnection connection() {
        return session.connection();
    }

    /** What {@code chip-info} reports. */
    public ChipInfo chipInfo() {
        return detection.info();
    }

    /** The chip's MD5 of a flash region, 32 lowercase hex digits; see {@link FlashMd5}. */
    public String md5(int address, int size) {
        return md5.of(address, size);
    }

    /** After an ambiguous failure: find the chip again; see {@link Recovery}. */
    public void recover() {
        recovery.recover();
    }

    /**
     * {@code --after}: restart into the application where the port has the lines for it; true when the chip was
     * reset (false: {@code --after no-reset}, or a port without DTR/RTS, where EN must be pressed).
     */
    public boolean finish() {
        return resets.afterJob();
    }

    @Override
    public void close() {
        session.transport().close();
    }
}
