package dev.espfleet.nvs;

import static dev.espfleet.nvs.NvsLayout.*;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses an NVS partition image, checking every page header CRC, entry state, entry CRC and data CRC,
 * and returns its namespaces and items. Erased entries are skipped; a v2 blob is returned whole, where its
 * BLOB_IDX stands. Pure: takes bytes, returns {@link NvsImage}.
 */
public final class NvsPartitionReader {
    private final byte[] image;
    private final ByteBuffer buf;
    private final Map<Integer, String> namespaces = new HashMap<>();
    private final Map<String, byte[]> chunks = new HashMap<>();
    private final List<NvsEntry> entries = new ArrayList<>();
    private final boolean encrypted;
    private NvsVersion version;

    private NvsPartitionReader(byte[] image, boolean encrypted) {
        this.image = image;
        this.buf = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        this.encrypted = encrypted;
    }

    /** Reads an unencrypted image. */
    public static NvsImage read(byte[] image) {
        return read(image, null);
    }

    /** Reads an image, decrypting it first with {@code keys} if not null. */
    public static NvsImage read(byte[] image, NvsEncryptionKeys keys) {
        if (image.length == 0 || image.length % PAGE_SIZE != 0) {
            throw bad(String.format("image of %d bytes is not a whole number of %d-byte pages", image.length, PAGE_SIZE));
        }
        byte[] plain = image;
        if (keys != null) {
            plain = image.clone();
            NvsEncryption.decryptWrittenEntries(plain, keys);
        }
        return new NvsPartitionReader(plain, keys != null).parse();
    }

    /** The two-bit state of an entry in its page's bitmap. */
    public static int entryState(byte[] image, int page, int entry) {
        int bit = entry * 2;
        return (image[page * PAGE_SIZE + BITMAP_OFFSET + bit / 8] >> (bit % 8)) & 0b11;
    }

    private NvsImage parse() {
        int used = 0;
        // ESP-IDF reads pages in sequence-number order, not in flash order (garbage collection reuses pages)
        java.util.List<Integer> pages = new java.util.ArrayList<>();
        for (int page = 0; page < image.length / PAGE_SIZE; page++) {
            int state = buf.getInt(page * PAGE_SIZE + PAGE_STATE_OFFSET);
            if (state != PAGE_STATE_EMPTY && state != PAGE_STATE_CORRUPT) {
                pages.add(page);
            }
        }
        pages.sort(java.util.Comparator.comparingLong(
                p -> Integer.toUnsignedLong(buf.getInt(p * PAGE_SIZE + PAGE_SEQUENCE_OFFSET))));
        for (int page : pages) {
            int state = buf.getInt(page * PAGE_SIZE + PAGE_STATE_OFFSET);
            if (state != PAGE_STATE_ACTIVE && state != PAGE_STATE_FULL && state != PAGE_STATE_FREEING) {
                throw bad(String.format("page %d (offset 0x%x) has state 0x%08x; expected ACTIVE 0x%08x or FULL 0x%08x",
                        page, page * PAGE_SIZE, state, PAGE_STATE_ACTIVE, PAGE_STATE_FULL));
            }
            checkHeader(page);
            readPage(page);
            used++;
        }
        if (version == null) {
            version = NvsVersion.V2;
        }
        if (!chunks.isEmpty()) {
            String key = chunks.keySet().iterator().next();
            throw bad("blob chunk " + key + " has no BLOB_IDX entry");
        }
        return new NvsImage(version, image.length, used, entries);
    }

    private void checkHeader(int page) {
        int base = page * PAGE_SIZE;
        int stored = buf.getInt(base + PAGE_CRC_OFFSET);
        int computed = NvsCrc32.of(image, base + PAGE_CRC_START, PAGE_CRC_END - PAGE_CRC_START);
        if (stored != computed) {
            throw bad(String.format("page %d header CRC is 0x%08x at offset 0x%x, computed 0x%08x",
                    page, stored, base + PAGE_CRC_OFFSET, computed));
        }
        int versionByte = image[base + PAGE_VERSION_OFFSET] & 0xFF;
        NvsVersion v = NvsVersion.fromHeaderByte(versionByte);
        if (v == null) {
            throw bad(String.format("page %d has version byte 0x%02x; expected 0xff (v1) or 0xfe (v2)", page, versionByte));
        }
        if (version != null && v != version) {
            throw bad("page " + page + " is NVS version " + v.number() + " but earlier pages are version " + version.number());
        }
        version = v;
    }

    private void readPage(int page) {
        int entry = 0;
        while (entry < ENTRIES_PER_PAGE) {
            int state = entryState(image, page, entry);
            if (state != ENTRY_STATE_WRITTEN) {
                if (state != ENTRY_STATE_EMPTY && state != ENTRY_STATE_ERASED) {
                    throw bad(String.format("page %d entry %d has the invalid state 0b01", page, entry));
                }
                entry++;
                continue;
            }
            int at = entryOffset(page, entry);
            int storedCrc = buf.getInt(at + ENTRY_CRC_OFFSET);
            int crc = NvsCrc32.ofEntry(image, at);
            if (storedCrc != crc) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                        "page %d entry %d (offset 0x%x) has CRC 0x%08x, computed 0x%08x", page, entry, at, storedCrc, crc),
                        encrypted ? "is this the right key?" : "is the image encrypted? give its key with --keyfile");
            }
            int span = image[at + ENTRY_SPAN_OFFSET] & 0xFF;
            if (span < 1 || entry + span > ENTRIES_PER_PAGE) {
                throw bad(String.format("page %d entry %d (offset 0x%x) spans %d entries; only %d are left on the page",
                        page, entry, at, span, ENTRIES_PER_PAGE - entry));
            }
            readItem(page, entry, at, span);
            entry += span;
        }
    }

    private void readItem(int page, int entry, int at, int span) {
        int ns = image[at + ENTRY_NAMESPACE_OFFSET] & 0xFF;
        int typeByte = image[at + ENTRY_TYPE_OFFSET] & 0xFF;
        NvsType type = NvsType.fromWire(typeByte);
        String key = readKey(at);
        String where = String.format("page %d entry %d (offset 0x%x, key '%s')", page, entry, at, key);
        if (type == null) {
            throw bad(String.format("%s has the unknown type 0x%02x", where, typeByte));
        }
        if (ns == NAMESPACE_DEFINITIONS) {
            if (type != NvsType.U8) {
                throw bad(where + " is in namespace 0 (namespace definitions) but is a " + type.csvName());
            }
            int index = image[at + ENTRY_DATA_OFFSET] & 0xFF;
            namespaces.put(index, key);
            entries.add(NvsEntry.namespace(key));
            return;
        }
        String namespace = namespaces.get(ns);
        if (namespace == null) {
            throw bad(where + " is in namespace index " + ns + ", which no namespace entry defines");
        }
        if (type.isInteger()) {
            long value = 0;
            for (int i = type.width() - 1; i >= 0; i--) {
                value = (value << 8) | (image[at + ENTRY_DATA_OFFSET + i] & 0xFF);
            }
            if (type.isSigned()) {
                int shift = 64 - 8 * type.width();
                value = (value << shift) >> shift;
            }
            entries.add(NvsEntry.integer(namespace, key, type, value));
            return;
        }
        switch (type) {
            case STRING -> entries.add(new NvsEntry(namespace, key, NvsType.STRING, 0, varlenData(where, page, entry, at, span)));
            case BLOB -> entries.add(new NvsEntry(namespace, key, NvsType.BLOB, 0, varlenData(where, page, entry, at, span)));
            case BLOB_DATA -> {
                int chunkIndex = image[at + ENTRY_CHUNK_INDEX_OFFSET] & 0xFF;
                chunks.put(ns + "/" + key + "#" + chunkIndex, varlenData(where, page, entry, at, span));
            }
            case BLOB_IDX -> entries.add(new NvsEntry(namespace, key, NvsType.BLOB, 0, assembleBlob(where, ns, key, at)));
            default -> throw new IllegalStateException(type.toString());
        }
    }

    private byte[] varlenData(String where, int page, int entry, int at, int span) {
        int size = Short.toUnsignedInt(buf.getShort(at + VARLEN_SIZE_OFFSET));
        int capacity = (span - 1) * ENTRY_SIZE;
        if (size > capacity) {
            throw bad(String.format("%s holds %d bytes but spans only %d data entries (%d bytes)",
                    where, size, span - 1, capacity));
        }
        for (int i = 1; i < span; i++) {
            if (entryState(image, page, entry + i) != ENTRY_STATE_WRITTEN) {
                throw bad(String.format("%s: its data entry %d is not marked written", where, entry + i));
            }
        }
        int dataAt = at + ENTRY_SIZE;
        int stored = buf.getInt(at + VARLEN_CRC_OFFSET);
        int crc = NvsCrc32.of(image, dataAt, size);
        if (stored != crc) {
            throw bad(String.format("%s data CRC is 0x%08x, computed 0x%08x over %d bytes at 0x%x",
                    where, stored, crc, size, dataAt));
        }
        byte[] data = new byte[size];
        System.arraycopy(image, dataAt, data, 0, size);
        return data;
    }

    private byte[] assembleBlob(String where, int ns, String key, int at) {
        int size = buf.getInt(at + BLOB_IDX_SIZE_OFFSET);
        int count = image[at + BLOB_IDX_COUNT_OFFSET] & 0xFF;
        int start = image[at + BLOB_IDX_START_OFFSET] & 0xFF;
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, size));
        for (int i = start; i < start + count; i++) {
            byte[] chunk = chunks.remove(ns + "/" + key + "#" + i);
            if (chunk == null) {
                throw bad(String.format("%s: blob chunk %d of %d..%d is missing", where, i, start, start + count - 1));
            }
            out.writeBytes(chunk);
        }
        if (out.size() != size) {
            throw bad(String.format("%s: blob index says %d bytes, its %d chunks hold %d", where, size, count, out.size()));
        }
        return out.toByteArray();
    }

    private String readKey(int at) {
        int end = at + ENTRY_KEY_OFFSET;
        while (end < at + ENTRY_KEY_OFFSET + ENTRY_KEY_SIZE && image[end] != 0) {
            end++;
        }
        return new String(image, at + ENTRY_KEY_OFFSET, end - at - ENTRY_KEY_OFFSET, StandardCharsets.US_ASCII);
    }

    private static EspfleetException bad(String message) {
        return new EspfleetException(ExitStatus.BAD_INPUT, message);
    }
}
