package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.connection.RomConnection;
import java.nio.charset.StandardCharsets;

/** SPI_FLASH_MD5: the chip's own digest of a flash region, the proof of every write. */
public final class FlashMd5 {
    private final LoaderSession session;
    private final Recovery recovery;

    FlashMd5(LoaderSession session, Recovery recovery) {
        this.session = session;
        this.recovery = recovery;
    }

    /**
     * MD5 of a flash region as 32 lowercase hex digits (the ROM's own form); asked again, after re-syncing,
     * if the reply was lost, damaged or refused.
     */
    public String of(int address, int size) {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(address, size);
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Rejected e) {
                if (attempt >= LoaderSession.QUERY_ATTEMPTS) {
                    throw e;
                }
                session.log().accept("retrying MD5 of 0x" + Integer.toHexString(address) + ": " + e.getMessage());
                recovery.recover();
            }
        }
    }

    /** The ROM sends 32 hex digits, the stub 16 bytes; any other length was damaged on the wire. */
    private String once(int address, int size) {
        RomConnection connection = session.connection();
        Response r = connection.execute(new Command.SpiFlashMd5(address, size));
        byte[] body = r.body(connection.formatOf(r));
        if (body.length == 32) {
            return new String(body, StandardCharsets.US_ASCII);
        }
        if (body.length == 16) {
            return Wire.hex(body);
        }
        throw new FlasherErrors.Garbled("MD5 reply of unexpected length " + body.length + " (expected 32 or 16) on "
                + session.transport().description());
    }
}
