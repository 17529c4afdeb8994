package dev.espfleet.flasher.image;

import java.util.Arrays;

/**
 * Bytes to put at a flash offset; {@code name} is what progress and errors call it (a file name).
 * {@code secret} marks an identity image (an NVS partition holding a private key): {@code --trace} shows the
 * length and checksum of its data blocks, never their bytes.
 */
public record FlashRegion(String name, int offset, byte[] data, boolean secret) {

    public FlashRegion(String name, int offset, byte[] data) {
        this(name, offset, data, false);
    }

    /** The same region marked as holding secrets. */
    public FlashRegion asSecret() {
        return new FlashRegion(name, offset, data, true);
    }

    /** The same region with other bytes (a patched header), secret or not as before. */
    public FlashRegion withData(byte[] newData) {
        return new FlashRegion(name, offset, newData, secret);
    }

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
