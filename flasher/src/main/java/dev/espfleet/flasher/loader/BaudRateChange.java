package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.connection.RomConnection;

/** CHANGE_BAUDRATE, then the host follows; whether the chip switched after a lost reply, SYNC tells. */
public final class BaudRateChange {
    private final LoaderSession session;
    private final LoaderSync sync;

    BaudRateChange(LoaderSession session, LoaderSync sync) {
        this.session = session;
        this.sync = sync;
    }

    /**
     * A refusal leaves the chip at its rate, so it is asked again; with no reply it is unknown whether the
     * chip switched, so SYNC finds out at the new rate, then the old.
     */
    public void change(int newBaud) {
        RomConnection connection = session.connection();
        int oldBaud = session.baud();
        for (int attempt = 1; attempt <= LoaderSession.QUERY_ATTEMPTS; attempt++) {
            try {
                // the stub wants the current rate as second word, the ROM 0
                connection.execute(new Command.ChangeBaudrate(newBaud, session.stubRunning() ? oldBaud : 0));
                session.setHostBaud(newBaud);
                // the ROM needs a moment at the new rate; anything sent meanwhile is garbage
                connection.drain();
                session.log().accept("changed baud rate to " + newBaud);
                return;
            } catch (FlasherErrors.Rejected e) {
                session.log().accept("retrying CHANGE_BAUDRATE: " + e.getMessage());
            } catch (FlasherErrors.Ambiguous e) {
                session.setHostBaud(newBaud);
                if (sync.sync().answered()) {
                    session.log().accept("changed baud rate to " + newBaud);
                    return;
                }
                session.setHostBaud(oldBaud);
                if (!sync.sync().answered()) {
                    throw e;
                }
            }
        }
        throw new FlasherErrors.NoReply("the chip did not take baud rate " + newBaud + " after "
                + LoaderSession.QUERY_ATTEMPTS + " attempts on " + session.transport().description());
    }
}
