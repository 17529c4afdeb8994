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

    /** Whether the chip carried the command out is unknown: no reply, or one damaged on the wire. */
    public abstract static class Ambiguous extends EspfleetException {
        Ambiguous(String message, String hint) {
            super(ExitStatus.UNAVAILABLE, message, hint);
        }
    }

    /** The chip did not answer in time. */
    public static final class NoReply extends Ambiguous {
        public NoReply(String message) {
            super(message, NO_REPLY_HINT);
        }
    }

    /**
     * A reply arrived but cannot be what the chip sent (status bytes no ROM or stub sends, a body of the wrong
     * length): replies carry no checksum, so it was damaged on the wire.
     */
    public static final class Garbled extends Ambiguous {
        public Garbled(String message) {
            super(message, "check the cable and its connectors, or try a lower --baud");
        }
    }

    /** The chip answered with a failure status and a known error code: it did not carry the command out. */
    public static final class Rejected extends EspfleetException {
        private final Opcode opcode;
        private final RomError error;

        public Rejected(Opcode opcode, RomError error) {
            super(ExitStatus.JOB_FAILED, String.format("the chip refused %s: error 0x%02X, %s", opcode, error.code(),
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

    /**
     * The port does not fall quiet: something other than a waiting ROM loader is sending (an application
     * logging, a chip that reboots in a loop, line noise at the wrong baud rate).
     */
    public static final class KeepsSending extends EspfleetException {
        private final String port;
        private final long bytes;
        private final java.time.Duration waited;
        private final String sample;

        public KeepsSending(String port, long bytes, java.time.Duration waited, String sample, String hint) {
            super(ExitStatus.UNAVAILABLE, String.format("the chip on %s keeps sending (%d bytes in %.1f s without a "
                    + "pause%s; an application running?)", port, bytes, waited.toMillis() / 1000.0,
                    sample.isEmpty() ? "" : ", last: \"" + sample + "\""), hint);
            this.port = port;
            this.bytes = bytes;
            this.waited = waited;
            this.sample = sample;
        }

        /** The same failure with another hint (the loader knows whether a reset was possible). */
        public KeepsSending withHint(String newHint) {
            return new KeepsSending(port, bytes, waited, sample, newHint);
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
