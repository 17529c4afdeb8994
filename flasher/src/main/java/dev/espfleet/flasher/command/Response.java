package dev.espfleet.flasher.command;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One reply packet: direction 0x01, opcode, 16-bit data length, 32-bit value (READ_REG's result), then
 * data that ends with the status bytes ({@link StatusFormat}: 4 on the ESP32 ROM, 2 on later ROMs and the
 * stub, in the ROM's or the stub's order). Which applies is the chip's business ({@code ChipSpec}), never
 * guessed here.
 */
public record Response(int opcode, int value, byte[] data) {

    /** How the command went, as far as the reply can tell. */
    public enum Verdict {
        /** Carried out. */
        DONE,
        /** Refused with a known error code: the chip did not carry it out. */
        REFUSED,
        /**
         * Status bytes no ROM or stub sends (a refusal without an error code, a status byte that is neither
         * 0 nor 1): the reply was damaged on the wire, so whether the chip carried the command out is unknown.
         */
        GARBLED
    }

    /** The verdict, the error of a refusal ({@link RomError#UNKNOWN} otherwise) and the status bytes in hex. */
    public record Outcome(Verdict verdict, RomError error, String statusHex) {
    }

    /** Parses an un-SLIPped packet; {@code null} if it is not a well-formed reply. */
    public static Response parse(byte[] packet) {
        if (packet.length < Wire.HEADER_SIZE || (packet[0] & 0xFF) != Wire.DIRECTION_RESPONSE) {
            return null;
        }
        ByteBuffer b = Wire.le(packet);
        b.get();
        int op = b.get() & 0xFF;
        int length = b.getShort() & 0xFFFF;
        int value = b.getInt();
        if (length != packet.length - Wire.HEADER_SIZE) {
            return null;
        }
        return new Response(op, value, Arrays.copyOfRange(packet, Wire.HEADER_SIZE, packet.length));
    }

    public byte[] encode() {
        ByteBuffer b = Wire.le(Wire.HEADER_SIZE + data.length);
        b.put((byte) Wire.DIRECTION_RESPONSE).put((byte) opcode).putShort((short) data.length).putInt(value).put(data);
        return b.array();
    }

    /** Reads the status bytes in {@code format}; anything a chip would not send is {@link Verdict#GARBLED}. */
    public Outcome outcome(StatusFormat format) {
        int at = data.length - format.length();
        if (at < 0) {
            return new Outcome(Verdict.GARBLED, RomError.UNKNOWN, Wire.hex(data));
        }
        String hex = Wire.hex(Arrays.copyOfRange(data, at, data.length));
        for (int i = at + 2; i < data.length; i++) {
            if (data[i] != 0) {
                // the ESP32 ROM's third and fourth status bytes are always 0
                return new Outcome(Verdict.GARBLED, RomError.UNKNOWN, hex);
            }
        }
        int first = data[at] & 0xFF;
        int second = data[at + 1] & 0xFF;
        if (format.errorFirst()) {
            if (first == 0) {
                // the stub's status byte after a success is its business (SPI_SET_PARAMS may set it)
                return new Outcome(Verdict.DONE, RomError.UNKNOWN, hex);
            }
            RomError e = RomError.fromCode(first);
            return new Outcome(e.fromStub() ? Verdict.REFUSED : Verdict.GARBLED, e, hex);
        }
        if (first == 0 && second == 0) {
            return new Outcome(Verdict.DONE, RomError.UNKNOWN, hex);
        }
        RomError e = RomError.fromCode(second);
        return new Outcome(first == 1 && e.fromRom() ? Verdict.REFUSED : Verdict.GARBLED, e, hex);
    }

    public boolean ok(StatusFormat format) {
        return outcome(format).verdict() == Verdict.DONE;
    }

    /** The data in front of the status bytes. */
    public byte[] body(StatusFormat format) {
        return Arrays.copyOf(data, Math.max(0, data.length - format.length()));
    }
}
