package dev.espfleet.flasher;

import java.util.Arrays;

/** Bytes to put at a flash offset; {@code name} is what progress and errors call it (a file name). */
public record FlashRegion(String name, int offset, byte[] data) {

    public int end() {
        return offset + data.length;
    }

    /** The data padded with 0xFF to a multiple of 4 bytes, as the ROM writes words (esptool pads the same). */
    public byte[] paddedData() {
        int len = (data.length + 3) & ~3;
        if (len == data.length) {
            return data;
        }
        byte[] p = Arrays.copyOf(data, len);
        Arrays.fill(p, data.length, len, (byte) 0xFF);
        return p;
    }

    @Override
    public String toString() {
        return String.format("%s at 0x%08x (%d bytes)", name, offset, data.length);
    }
}
