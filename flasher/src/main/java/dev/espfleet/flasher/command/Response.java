package dev.espfleet.flasher.command;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One reply packet: direction 0x01, opcode, 16-bit data length, 32-bit value (READ_REG's result), then
 * data that ends with the status bytes: 4 of them on the ESP32 ROM (status, error, 0, 0), 2 on later ROMs
 * and the stub. Which of the two applies is the chip's business ({@code ChipSpec.statusLength()}), never
 * guessed here.
 */
public record Response(int opcode, int value, byte[] data) {

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

    /** The status byte (0 = success) for a reply whose status field is {@code statusLength} bytes long. */
    public int status(int statusLength) {
        int at = data.length - statusLength;
        return at < 0 ? 1 : data[at] & 0xFF;
    }

    public int errorCode(int statusLength) {
        int at = data.length - statusLength + 1;
        return at < 1 || at >= data.length ? -1 : data[at] & 0xFF;
    }

    public boolean ok(int statusLength) {
        return status(statusLength) == 0;
    }

    public RomError error(int statusLength) {
        return RomError.fromCode(errorCode(statusLength));
    }

    /** The data in front of the status bytes. */
    public byte[] body(int statusLength) {
        return Arrays.copyOf(data, Math.max(0, data.length - statusLength));
    }
}
