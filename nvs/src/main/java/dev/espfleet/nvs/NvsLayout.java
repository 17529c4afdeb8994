package dev.espfleet.nvs;

/**
 * Offsets and sizes of the NVS flash layout (ESP-IDF "Non-Volatile Storage Library", section
 * "Internals"): 4096-byte pages, each a 32-byte header, a 32-byte entry-state bitmap and 126 entries of
 * 32 bytes.
 */
public final class NvsLayout {
    public static final int PAGE_SIZE = 4096;
    public static final int ENTRY_SIZE = 32;
    public static final int ENTRIES_PER_PAGE = 126;
    /** ESP-IDF keeps one page free for garbage collection; the generator leaves the last page erased. */
    public static final int RESERVED_PAGES = 1;
    /** Two data pages plus the reserved one: the smallest read/write NVS partition. */
    public static final int MIN_PARTITION_SIZE = 0x3000;

    // page header
    public static final int PAGE_STATE_OFFSET = 0;
    public static final int PAGE_SEQUENCE_OFFSET = 4;
    public static final int PAGE_VERSION_OFFSET = 8;
    /** CRC32 of header bytes 4..27 (sequence number, version, reserved). */
    public static final int PAGE_CRC_OFFSET = 28;
    public static final int PAGE_CRC_START = 4;
    public static final int PAGE_CRC_END = 28;
    public static final int BITMAP_OFFSET = 32;
    public static final int BITMAP_SIZE = 32;
    public static final int FIRST_ENTRY_OFFSET = 64;

    // page states (bits cleared as the page fills)
    public static final int PAGE_STATE_EMPTY = 0xFFFFFFFF;
    public static final int PAGE_STATE_ACTIVE = 0xFFFFFFFE;
    public static final int PAGE_STATE_FULL = 0xFFFFFFFC;
    public static final int PAGE_STATE_FREEING = 0xFFFFFFF8;
    /** ESP-IDF marks a page it found damaged CORRUPT and leaves it alone; so does the reader. */
    public static final int PAGE_STATE_CORRUPT = 0xFFFFFFF0;

    // entry states in the bitmap, two bits per entry
    public static final int ENTRY_STATE_EMPTY = 0b11;
    public static final int ENTRY_STATE_WRITTEN = 0b10;
    public static final int ENTRY_STATE_ERASED = 0b00;

    // entry fields
    public static final int ENTRY_NAMESPACE_OFFSET = 0;
    public static final int ENTRY_TYPE_OFFSET = 1;
    public static final int ENTRY_SPAN_OFFSET = 2;
    public static final int ENTRY_CHUNK_INDEX_OFFSET = 3;
    /** CRC32 of entry bytes 0..3 and 8..31. */
    public static final int ENTRY_CRC_OFFSET = 4;
    public static final int ENTRY_KEY_OFFSET = 8;
    public static final int ENTRY_KEY_SIZE = 16;
    public static final int ENTRY_DATA_OFFSET = 24;
    // variable-length data: size u16, reserved u16, data CRC32 (SZ, BLOB, BLOB_DATA)
    public static final int VARLEN_SIZE_OFFSET = 24;
    public static final int VARLEN_CRC_OFFSET = 28;
    // BLOB_IDX: total size u32, chunk count u8, chunk start u8
    public static final int BLOB_IDX_SIZE_OFFSET = 24;
    public static final int BLOB_IDX_COUNT_OFFSET = 28;
    public static final int BLOB_IDX_START_OFFSET = 29;

    /** Chunk index of every item that is not a BLOB_DATA chunk. */
    public static final int CHUNK_ANY = 0xFF;
    /** Namespace index of the entries that define namespaces. */
    public static final int NAMESPACE_DEFINITIONS = 0;
    /** Namespace indexes 1..254 (255 is "any" in ESP-IDF). */
    public static final int MAX_NAMESPACES = 254;
    /** Keys are NUL-terminated in a 16-byte field. */
    public static final int MAX_KEY_BYTES = 15;
    /** ESP-IDF versions blob chunks from 0 or from 128, so one blob has at most 128 chunks. */
    public static final int MAX_BLOB_CHUNKS = 128;
    /** No value is longer: 128 chunks of at most a page's 125 data entries (512,000 bytes). */
    public static final int MAX_VALUE_BYTES = MAX_BLOB_CHUNKS * (ENTRIES_PER_PAGE - 1) * ENTRY_SIZE;
    /**
     * The largest NVS partition espfleet writes or reads: 16 MiB, the whole flash of most ESP32 modules
     * (ESP-IDF's NVS partitions are a few pages). An input image larger than this is refused unread.
     */
    public static final int MAX_PARTITION_SIZE = 0x1000000;

    private NvsLayout() {
    }

    public static int entryOffset(int page, int entry) {
        return page * PAGE_SIZE + FIRST_ENTRY_OFFSET + entry * ENTRY_SIZE;
    }
}
