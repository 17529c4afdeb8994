package dev.espfleet.flasher.sim;

import dev.espfleet.flasher.command.Opcode;

/**
 * One injected fault: what goes wrong, at the {@code occurrence}-th (1-based) host frame carrying
 * {@code opcode}. {@code millis} is used by {@link Kind#DELAY_REPLY}.
 */
public record Fault(Kind kind, Opcode opcode, int occurrence, int millis) {

    public enum Kind {
        /** A byte in the middle of the host's frame is lost on the wire. */
        DROP_HOST_BYTE,
        /** A byte in the middle of the host's frame arrives with a bit flipped. */
        CORRUPT_HOST_BYTE,
        /** The whole host frame is lost: the chip never sees it. */
        DROP_HOST_FRAME,
        /** The chip carries the command out, but its reply is lost. */
        DROP_REPLY,
        /** The chip carries the command out, but the first data byte of its reply arrives with a bit flipped. */
        CORRUPT_REPLY,
        /** The reply arrives {@code millis} late. */
        DELAY_REPLY,
        /** The chip refuses the command (checksum error) without carrying it out. */
        NAK,
        /** The link goes away (cable pulled) before the frame reaches the chip. */
        DISCONNECT,
        /** The chip resets (brown-out) before the frame arrives, and comes back in download mode. */
        RESET
    }

    public static Fault at(Kind kind, Opcode opcode, int occurrence) {
        return new Fault(kind, opcode, occurrence, 0);
    }

    @Override
    public String toString() {
        return kind + "@" + opcode + "#" + occurrence + (kind == Kind.DELAY_REPLY ? "+" + millis + "ms" : "");
    }
}
