package dev.espfleet.flasher.command;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The one way this module writes and reads little-endian protocol fields. */
public final class Wire {
    /** Request header: direction 0x00, opcode, 16-bit payload length, 32-bit checksum. */
    public static final int HEADER_SIZE = 8;
    public static final int DIRECTION_REQUEST = 0x00;
    public static final int DIRECTION_RESPONSE = 0x01;
    /** Seed of the XOR checksum over FLASH_DATA/MEM_DATA payloads (esptool serial-protocol docs, "Checksum"). */
    public static final int CHECKSUM_SEED = 0xEF;

    private Wire() {
    }

    public static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Little-endian 32-bit words, concatenated. */
    public static byte[] words(int... words) {
        ByteBuffer b = le(words.length * 4);
        for (int w : words) {
            b.putInt(w);
        }
        return b.array();
    }

    /** XOR of all bytes, starting from {@link #CHECKSUM_SEED}. */
    public static int checksum(byte[] data) {
        int c = CHECKSUM_SEED;
        for (byte b : data) {
            c ^= b & 0xFF;
        }
        return c;
    }

    public static String hex(byte[] data) {
        StringBuilder sb = new StringBuilder(data.length * 2);
        for (byte b : data) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    public static byte[] unhex(String hex) {
        String h = hex.strip();
        if (h.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + h.length());
        }
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
