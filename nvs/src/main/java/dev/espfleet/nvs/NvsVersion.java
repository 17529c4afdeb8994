package dev.espfleet.nvs;

/** NVS format versions as the page header's version byte stores them. */
public enum NvsVersion {
    /** Blobs in one BLOB item on one page, at most 1984 bytes. */
    V1(1, 0xFF, 1984, 1984),
    /** Blobs as BLOB_DATA chunks over several pages plus a BLOB_IDX item (ESP-IDF 4.0+). */
    V2(2, 0xFE, 3968, Integer.MAX_VALUE);

    private final int number;
    private final int headerByte;
    private final int maxStringBytes;
    private final int maxBlobBytes;

    NvsVersion(int number, int headerByte, int maxStringBytes, int maxBlobBytes) {
        this.number = number;
        this.headerByte = headerByte;
        this.maxStringBytes = maxStringBytes;
        this.maxBlobBytes = maxBlobBytes;
    }

    public int number() {
        return number;
    }

    public int headerByte() {
        return headerByte;
    }

    /**
     * Longest string including its NUL. A string never spans pages; v2's 3968 = 124 data entries, as the
     * generator leaves the last entry of a page free for it. v1 keeps the old 1984-byte item limit.
     */
    public int maxStringBytes() {
        return maxStringBytes;
    }

    /** Longest single blob: v1 stores it in one item; v2 splits it over pages (bounded by the partition). */
    public int maxBlobBytes() {
        return maxBlobBytes;
    }

    public static NvsVersion of(int number) {
        for (NvsVersion v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        throw new IllegalArgumentException("NVS version must be 1 or 2, got " + number);
    }

    public static NvsVersion fromHeaderByte(int b) {
        for (NvsVersion v : values()) {
            if (v.headerByte == b) {
                return v;
            }
        }
        return null;
    }
}
