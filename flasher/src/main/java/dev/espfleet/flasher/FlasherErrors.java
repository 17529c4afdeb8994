package dev.espfleet.flasher;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.RomError;

/** The failures of talking to a chip, as {@link EspfleetException}s the retry logic can tell apart. */
public final class FlasherErrors {
    static final String NO_REPLY_HINT = "hold BOOT and press EN to enter download mode, check the cable and the port";

    private FlasherErrors() {
    }

    /** The chip did not answer in time; whether it carried the command out is unknown. */
    public static final class NoReply extends EspfleetException {
        public NoReply(String message) {
            super(ExitStatus.UNAVAILABLE, message, NO_REPLY_HINT);
        }
    }

    /** The chip answered with a failure status: it did not carry the command out. */
    public static final class Rejected extends EspfleetException {
        private final Opcode opcode;
        private final RomError error;

        public Rejected(Opcode opcode, RomError error, int code) {
            super(ExitStatus.JOB_FAILED, String.format("the chip refused %s: error 0x%02X, %s", opcode, code & 0xFF,
                    error.meaning()));
            this.opcode = opcode;
            this.error = error;
        }

        public Opcode opcode() {
            return opcode;
        }

        public RomError error() {
            return error;
        }
    }

    /** The ROM does not implement the command (it needs the stub or a later chip). */
    public static final class Unsupported extends EspfleetException {
        public Unsupported(Opcode opcode) {
            super(ExitStatus.JOB_FAILED, "the ROM loader does not support " + opcode,
                    "this needs the flasher stub (--stub FILE) or a later chip");
        }
    }

    /** The port or connection went away. */
    public static final class LinkLost extends EspfleetException {
        public LinkLost(String port, Throwable cause) {
            super(ExitStatus.UNAVAILABLE, "lost the connection to " + port + ": " + cause.getMessage(),
                    "check the cable; the board may have been unplugged or reset", cause);
        }
    }
}
