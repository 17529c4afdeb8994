package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.connection.ConnectOptions;

/**
 * After an ambiguous failure (no reply, a damaged one): find the chip again and put back what the
 * session had set up. SYNC at the current rate, then at 115200 (a reset chip), then, where the port has
 * DTR/RTS and {@code --before} resets, after resetting the chip into its loader (a chip left at a rate
 * nobody uses: CHANGE_BAUDRATE has no checksum). Whoever answers SYNC decides what follows: where the ROM
 * answers instead of the stub, the stub is started again; flash and baud rate are set up again as needed.
 */
public final class Recovery {
    /** Rounds of SYNC at the current rate before trying 115200. */
    private static final int RECOVER_ROUNDS = 3;

    private final LoaderSession session;
    private final LoaderSync sync;
    private final ResetControl resets;
    private final StubRunner stubs;
    private final FlashAttach flash;
    private final BaudRateChange baudRate;

    Recovery(LoaderSession session, LoaderSync sync, ResetControl resets, StubRunner stubs, FlashAttach flash,
            BaudRateChange baudRate) {
        this.session = session;
        this.sync = sync;
        this.resets = resets;
        this.stubs = stubs;
        this.flash = flash;
        this.baudRate = baudRate;
    }

    /** Drops stale bytes and syncs again (at 115200 if the chip was reset); throws if the chip stays silent. */
    public void recover() {
        for (int round = 0; round < RECOVER_ROUNDS; round++) {
            LoaderSync.Answer answer = sync.sync();
            if (answer.answered()) {
                afterResync(session.baud(), answer);
                return;
            }
        }
        int target = session.baud();
        if (session.baud() != ConnectOptions.ROM_BAUD) {
            // a reset chip is back at 115200
            session.setHostBaud(ConnectOptions.ROM_BAUD);
            LoaderSync.Answer answer = sync.sync();
            if (answer.answered()) {
                afterResync(target, answer);
                return;
            }
        }
        if (resets.intoLoader(1)) {
            // last resort (a chip at an unknown rate, a hung loader): reset it where the port can
            session.setHostBaud(ConnectOptions.ROM_BAUD);
            LoaderSync.Answer answer = sync.sync();
            if (answer.answered()) {
                afterResync(target, answer);
                return;
            }
        }
        throw new FlasherErrors.NoReply("the chip stopped answering on " + session.transport().description());
    }

    /**
     * After SYNC answered again: if the ROM answered where the stub ran, the chip was reset, so the ROM's
     * status layout applies and the stub is started again; flash and baud rate are set up again as needed.
     */
    private void afterResync(int targetBaud, LoaderSync.Answer answer) {
        boolean romAnswered = answer == LoaderSync.Answer.ROM;
        if (session.stubRunning() && romAnswered) {
            session.log().accept("the chip was reset: the stub is gone");
            session.stubGone();
            stubs.restart();
        } else if (session.baud() == targetBaud && !romAnswered) {
            return;
        }
        if (session.baud() != targetBaud || romAnswered) {
            flash.reattach();
            if (targetBaud != session.baud()) {
                baudRate.change(targetBaud);
            }
        }
    }
}
