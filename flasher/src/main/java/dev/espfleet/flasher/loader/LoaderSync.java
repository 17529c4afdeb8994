package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.Timeouts;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.RomConnection;
import dev.espfleet.flasher.connection.Transport;

/**
 * SYNC, the loader's handshake: {@link #connect} resets the chip into its loader ({@code --before}) and syncs,
 * attempt after attempt; {@link #sync} is one round of it, used again after a lost reply, where the answer
 * also tells whether the ROM or the stub listens.
 */
final class LoaderSync {
    /** SYNC tries per connect attempt (esptool: 5). */
    private static final int SYNCS_PER_ATTEMPT = 5;

    /** Who answered a round of SYNC: the reply's value is 0x20120707 from the ROM, 0 from the stub. */
    enum Answer {
        NONE, ROM, STUB;

        boolean answered() {
            return this != NONE;
        }
    }

    private final LoaderSession session;
    private final ResetControl resets;

    LoaderSync(LoaderSession session, ResetControl resets) {
        this.session = session;
        this.resets = resets;
    }

    /**
     * Resets (per {@code --before}) and syncs, up to {@code --connect-attempts} times. A port that keeps
     * sending fails at once where no reset can stop it, and after the last attempt otherwise, with a hint that
     * says which.
     */
    void connect() {
        ConnectOptions options = session.options();
        Transport transport = session.transport();
        ConnectOptions.Before before = options.before();
        boolean canReset = transport.hasModemLines();
        if (!canReset && (before == ConnectOptions.Before.DEFAULT_RESET || before == ConnectOptions.Before.USB_RESET)) {
            session.log().accept("note: " + transport.description()
                    + " has no DTR/RTS lines (pseudo-terminal or TCP): reset skipped, the chip must already be in download mode");
        }
        if (before == ConnectOptions.Before.NO_RESET_NO_SYNC) {
            return;
        }
        session.log().accept("connecting to " + transport.description() + " ...");
        FlasherErrors.KeepsSending streaming = null;
        for (int attempt = 1; attempt <= options.connectAttempts(); attempt++) {
            boolean reset = resets.intoLoader(attempt);
            try {
                if (sync().answered()) {
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
    Answer sync() {
        RomConnection connection = session.connection();
        connection.drain();
        for (int i = 0; i < SYNCS_PER_ATTEMPT; i++) {
            connection.send(new Command.Sync());
            Response r = connection.await(Opcode.SYNC, connection.scaled(Timeouts.SYNC));
            if (r != null && accepted(r)) {
                return r.value() == 0 ? Answer.STUB : Answer.ROM;
            }
        }
        return Answer.NONE;
    }

    /**
     * A SYNC reply is bare status bytes, all zero when accepted: 4 from the ESP32 ROM, 2 from later ROMs and
     * the stub. It is judged by its own length, since after a reset or a stub start the answer may come from
     * another loader than the one the connection expects.
     */
    private static boolean accepted(Response r) {
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
}
