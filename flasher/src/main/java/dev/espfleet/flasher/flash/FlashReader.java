package dev.espfleet.flasher.flash;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.Timeouts;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.connection.RomConnection;
import dev.espfleet.flasher.loader.LoaderSession;
import dev.espfleet.flasher.loader.RomLoader;
import java.io.ByteArrayOutputStream;
import java.time.Duration;

/** Reads flash: streamed by the stub (READ_FLASH), or 64 bytes a command through the ROM (READ_FLASH_SLOW). */
public final class FlashReader {
    private final LoaderSession session;

    public FlashReader(RomLoader loader) {
        this.session = loader.session();
    }

    public byte[] read(int address, int size, ProgressListener progress) {
        if (session.stubRunning()) {
            return readThroughStub(address, size, progress);
        }
        RomConnection connection = session.connection();
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        int done = 0;
        while (done < size) {
            int n = Math.min(Command.ReadFlashSlow.MAX_SIZE, size - done);
            Response r = session.executeIdempotent(new Command.ReadFlashSlow(address + done, n));
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
    private byte[] readThroughStub(int address, int size, ProgressListener progress) {
        RomConnection connection = session.connection();
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
}
