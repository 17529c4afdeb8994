package dev.espfleet.flasher.image;

import dev.espfleet.common.EspfleetException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * ESP-IDF's {@code esp_bootloader_desc_t} (ESP-IDF v5.2 and later, 80 bytes): magic byte 0x50, 2 reserved
 * bytes, secure_version, version (u32), idf_ver[32], date_time[24], 16 reserved bytes. The bootloader's build
 * puts it at the start of its first (DRAM) segment, at offset {@value AppImage#FIRST_SEGMENT_DATA} of
 * {@code bootloader.bin}.
 */
public record BootloaderDescription(int secureVersion, int version, String idfVersion, String dateTime) {
    public static final int MAGIC_BYTE = 0x50;
    public static final int SIZE = 80;

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) MAGIC_BYTE).put(3, (byte) secureVersion).putInt(4, version);
        put(b, 8, 32, idfVersion);
        put(b, 40, 24, dateTime);
        return b.array();
    }

    /** The description in a bootloader image's bytes, or empty when its first segment does not start with one. */
    public static Optional<BootloaderDescription> of(byte[] image) {
        if (image.length < AppImage.FIRST_SEGMENT_DATA + SIZE || (image[0] & 0xFF) != AppImage.MAGIC || image[1] == 0
                || (image[AppImage.FIRST_SEGMENT_DATA] & 0xFF) != MAGIC_BYTE) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(image, AppImage.FIRST_SEGMENT_DATA, SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        return Optional.of(new BootloaderDescription(b.get(3) & 0xFF, b.getInt(4), text(b, 8, 32), text(b, 40, 24)));
    }

    private static String text(ByteBuffer b, int offset, int size) {
        int end = 0;
        while (end < size && b.get(offset + end) != 0) {
            end++;
        }
        byte[] s = new byte[end];
        b.get(offset, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void put(ByteBuffer b, int offset, int size, String value) {
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        if (s.length >= size) {
            throw EspfleetException.badInput("esp_bootloader_desc_t field '" + value + "' is longer than " + (size - 1)
                    + " bytes");
        }
        b.put(offset, s);
    }
}
