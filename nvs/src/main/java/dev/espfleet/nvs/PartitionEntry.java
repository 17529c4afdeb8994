package dev.espfleet.nvs;

/**
 * One row of an ESP-IDF partition table.
 *
 * @param line the CSV line it came from, 0 when read from a binary table
 */
public record PartitionEntry(String name, int type, int subtype, long offset, long size, boolean encrypted,
        boolean readonly, int line) {

    public static final int TYPE_APP = 0x00;
    public static final int TYPE_DATA = 0x01;
    public static final int SUBTYPE_DATA_OTA = 0x00;
    public static final int SUBTYPE_DATA_NVS = 0x02;

    public boolean isApp() {
        return type == TYPE_APP;
    }

    public long end() {
        return offset + size;
    }
}
