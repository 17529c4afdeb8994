package dev.espfleet.nvs;

import java.util.zip.CRC32;

/**
 * The CRC32 of NVS headers and data: the IEEE polynomial (reflected, 0xEDB88320) with the register
 * starting at 0 and the result inverted, i.e. {@code zlib.crc32(data, 0xFFFFFFFF)} as ESP-IDF's generator
 * computes it and {@code esp_rom_crc32_le(0xFFFFFFFF, ...)} as the NVS library checks it. This is not
 * {@link CRC32} as it stands, whose register starts at 0xFFFFFFFF (see {@link #REGISTER_TO_ZERO}).
 */
public final class NvsCrc32 {
    /**
     * CRC32 starts its register at 0xFFFFFFFF; four 0xFF bytes bring it to 0, NVS's start, so the JDK's
     * intrinsic CRC32 (much faster than a table, even before the JIT compiles anything) computes NVS's CRC.
     */
    private static final byte[] REGISTER_TO_ZERO = {-1, -1, -1, -1};

    private NvsCrc32() {
    }

    public static int of(byte[] data, int offset, int length) {
        CRC32 crc = start();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    public static int of(byte[] data) {
        return of(data, 0, data.length);
    }

    /** CRC of an entry: bytes 0..3 and 8..31, skipping the CRC field itself. */
    public static int ofEntry(byte[] buf, int entryOffset) {
        CRC32 crc = start();
        crc.update(buf, entryOffset, NvsLayout.ENTRY_CRC_OFFSET);
        int afterCrc = NvsLayout.ENTRY_CRC_OFFSET + 4;
        crc.update(buf, entryOffset + afterCrc, NvsLayout.ENTRY_SIZE - afterCrc);
        return (int) crc.getValue();
    }

    private static CRC32 start() {
        CRC32 crc = new CRC32();
        crc.update(REGISTER_TO_ZERO);
        return crc;
    }
}
