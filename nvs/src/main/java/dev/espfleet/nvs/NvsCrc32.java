package dev.espfleet.nvs;

/**
 * The CRC32 of NVS headers and data: the IEEE polynomial (reflected, 0xEDB88320) with the register
 * starting at 0 and the result inverted, i.e. {@code zlib.crc32(data, 0xFFFFFFFF)} as ESP-IDF's generator
 * computes it and {@code esp_rom_crc32_le(0xFFFFFFFF, ...)} as the NVS library checks it. This is not
 * {@link java.util.zip.CRC32}, whose register starts at 0xFFFFFFFF.
 */
public final class NvsCrc32 {
    private static final int POLYNOMIAL = 0xEDB88320;
    private static final int[] TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
            }
            TABLE[n] = c;
        }
    }

    private NvsCrc32() {
    }

    public static int of(byte[] data, int offset, int length) {
        return ~update(0, data, offset, length);
    }

    public static int of(byte[] data) {
        return of(data, 0, data.length);
    }

    /** CRC of an entry: bytes 0..3 and 8..31, skipping the CRC field itself. */
    public static int ofEntry(byte[] buf, int entryOffset) {
        int reg = update(0, buf, entryOffset, NvsLayout.ENTRY_CRC_OFFSET);
        int afterCrc = NvsLayout.ENTRY_CRC_OFFSET + 4;
        reg = update(reg, buf, entryOffset + afterCrc, NvsLayout.ENTRY_SIZE - afterCrc);
        return ~reg;
    }

    private static int update(int reg, byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            reg = TABLE[(reg ^ data[i]) & 0xFF] ^ (reg >>> 8);
        }
        return reg;
    }
}
