package dev.espfleet.flasher.loader;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.RomError;
import dev.espfleet.flasher.command.Timeouts;
import dev.espfleet.flasher.connection.RomConnection;
import dev.espfleet.flasher.image.StubImage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Runs esptool's flasher stub ({@code --stub}): uploads it into RAM with MEM_BEGIN/MEM_DATA, starts it with
 * MEM_END and waits for its "OHAI"; and starts it again when a reset has wiped it.
 */
final class StubRunner {
    /** Whole stub uploads (MEM_BEGIN, MEM_DATA, MEM_END) before giving up. */
    private static final int STUB_UPLOAD_ATTEMPTS = 3;
    /** A MEM_DATA block refused for its checksum is sent this often. */
    private static final int BLOCK_ATTEMPTS = 3;
    /** MEM_DATA block size (esptool: ESP_RAM_BLOCK). */
    private static final int RAM_BLOCK = 0x1800;

    private final LoaderSession session;
    private final LoaderSync sync;
    /** The stub to start again after a reset; {@code null} while none was asked for. */
    private StubImage stub;

    StubRunner(LoaderSession session, LoaderSync sync) {
        this.session = session;
        this.sync = sync;
    }

    void start(StubImage image) {
        stub = image;
        run(image);
    }

    /** After a reset: the stub again, if one was started before. */
    void restart() {
        if (stub != null) {
            run(stub);
        }
    }

    /**
     * A MEM_DATA block refused for its checksum was not stored and is sent again; after a lost or damaged reply
     * the whole upload starts over (a few KB). If "OHAI" is lost, SYNC tells: the stub answers it with 0.
     */
    private void run(StubImage image) {
        session.log().accept("uploading stub " + image.source() + " ...");
        for (int attempt = 1; ; attempt++) {
            try {
                uploadSegment(image.text(), image.textStart());
                if (image.data().length > 0) {
                    uploadSegment(image.data(), image.dataStart());
                }
                if (jumpToStub(image)) {
                    session.stubStarted();
                    session.log().accept("stub running");
                    return;
                }
                if (attempt >= STUB_UPLOAD_ATTEMPTS) {
                    throw new EspfleetException(ExitStatus.JOB_FAILED, "the stub " + image.source()
                            + " did not start (no \"OHAI\", and SYNC is answered by the ROM)",
                            "use esptool's stub JSON for " + session.chip().displayName()
                                    + ", or leave --stub out to talk to the ROM");
                }
                session.log().accept("the stub did not start; uploading it again");
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Rejected e) {
                if (attempt >= STUB_UPLOAD_ATTEMPTS) {
                    throw e;
                }
                session.log().accept("uploading the stub again: " + e.getMessage());
                session.connection().drain();
            }
        }
    }

    /** MEM_END into the stub; true once it said "OHAI", or, that lost, answers SYNC as the stub does (0). */
    private boolean jumpToStub(StubImage image) {
        RomConnection connection = session.connection();
        connection.send(new Command.MemEnd(false, image.entry()));
        // the ROM may or may not answer MEM_END before it jumps
        long deadline = System.nanoTime() + connection.scaled(Timeouts.DEFAULT).toNanos();
        while (System.nanoTime() - deadline < 0) {
            byte[] p = connection.nextPacket(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (p != null && new String(p, StandardCharsets.US_ASCII).equals("OHAI")) {
                return true;
            }
        }
        return sync.sync() == LoaderSync.Answer.STUB;
    }

    private void uploadSegment(byte[] data, int address) {
        int blocks = (data.length + RAM_BLOCK - 1) / RAM_BLOCK;
        session.executeIdempotent(new Command.MemBegin(data.length, blocks, RAM_BLOCK, address));
        for (int seq = 0; seq < blocks; seq++) {
            int from = seq * RAM_BLOCK;
            Command.MemData block = new Command.MemData(seq,
                    Arrays.copyOfRange(data, from, Math.min(data.length, from + RAM_BLOCK)));
            for (int tries = 1; ; tries++) {
                try {
                    session.connection().execute(block);
                    break;
                } catch (FlasherErrors.Rejected e) {
                    if (e.error() != RomError.INVALID_CRC || tries >= BLOCK_ATTEMPTS) {
                        throw e;
                    }
                    session.log().accept("stub block " + seq + ": " + e.error().meaning() + ", sending it again");
                }
            }
        }
    }
}
