package dev.espfleet.nvs;

import static dev.espfleet.nvs.NvsLayout.*;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses an NVS partition image, checking every page header CRC, entry state, entry CRC and data CRC,
 * and returns its namespaces and items. Pages are read in sequence-number order and CORRUPT pages skipped,
 * as ESP-IDF reads them; erased entries are skipped; a v2 blob is returned whole, where its BLOB_IDX
 * stands. Namespace entries are gathered from every page first, so an item may stand before its
 * namespace's entry (as garbage collection on a device leaves them).
 *
 * <p>{@link #check} reads past damage: a page whose header is bad is skipped whole, an entry whose CRC is
 * bad is skipped (one entry, as ESP-IDF skips it, since its span cannot be trusted), an item whose data is
 * bad is skipped, and each is reported as an {@link NvsProblem}. {@link #read} refuses any damage.
 * Pure: takes bytes, returns {@link NvsImage}.
 */
public final class NvsPartitionReader {
    /** An entry whose header and data checked out, before namespaces and blobs are resolved. */
    private record Item(int page, int entry, int at, int ns, NvsType type, String key, int chunkIndex, byte[] data) {
        String where() {
            return String.format("page %d entry %d (offset 0x%x, key '%s')", page, entry, at, key);
        }
    }

    private final byte[] image;
    private final ByteBuffer buf;
    private final List<Item> items = new ArrayList<>();
    private final List<NvsProblem> problems = new ArrayList<>();
    private NvsVersion version;
    private int usedPages;
    private int entriesChecked;
    private int entriesWithGoodCrc;

    private NvsPartitionReader(byte[] image) {
        this.image = image;
        this.buf = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads an unencrypted image; any damage is refused. */
    public static NvsImage read(byte[] image) {
        return read(image, null);
    }

    /** Reads an image, decrypting it first with {@code keys} if not null; any damage is refused. */
    public static NvsImage read(byte[] image, NvsEncryptionKeys keys) {
        NvsImage result = check(image, keys);
        if (!result.problems().isEmpty()) {
            int more = result.problems().size() - 1;
            throw bad(result.problems().get(0).message() + (more == 0 ? "" : " (and " + more + " more problem(s))"));
        }
        return result;
    }

    /**
     * Reads what is sound in an image, decrypting it first with {@code keys} if not null, and lists what is
     * not in {@link NvsImage#problems()}. Refuses only an image it cannot read at all: not whole pages, or
     * not one written entry with a good CRC (encrypted, or the wrong key).
     */
    public static NvsImage check(byte[] image, NvsEncryptionKeys keys) {
        if (image.length == 0 || image.length % PAGE_SIZE != 0) {
            throw bad(String.format("image of %d bytes is not a whole number of %d-byte pages", image.length, PAGE_SIZE));
        }
        byte[] plain = image;
        if (keys != null) {
            plain = image.clone();
            NvsEncryption.decryptWrittenEntries(plain, keys);
        }
        NvsPartitionReader reader = new NvsPartitionReader(plain);
        reader.readPages();
        if (reader.entriesChecked > 0 && reader.entriesWithGoodCrc == 0) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                    "none of the image's %d written entries has a good CRC (the first: %s)", reader.entriesChecked,
                    reader.problems.get(0).message()),
                    keys != null ? "is this the right key?" : "is the image encrypted? give its key with --keyfile");
        }
        return reader.resolve();
    }

    /** The two-bit state of an entry in its page's bitmap. */
    public static int entryState(byte[] image, int page, int entry) {
        int bit = entry * 2;
        return (image[page * PAGE_SIZE + BITMAP_OFFSET + bit / 8] >> (bit % 8)) & 0b11;
    }

    private void readPages() {
        // ESP-IDF reads pages in sequence-number order, not in flash order (garbage collection reuses pages)
        List<Integer> pages = new ArrayList<>();
        for (int page = 0; page < image.length / PAGE_SIZE; page++) {
            int state = buf.getInt(page * PAGE_SIZE + PAGE_STATE_OFFSET);
            if (state != PAGE_STATE_EMPTY && state != PAGE_STATE_CORRUPT) {
                pages.add(page);
            }
        }
        pages.sort(Comparator.comparingLong(p -> Integer.toUnsignedLong(buf.getInt(p * PAGE_SIZE + PAGE_SEQUENCE_OFFSET))));
        usedPages = pages.size();
        for (int page : pages) {
            if (checkHeader(page)) {
                readPage(page);
            }
        }
        if (version == null) {
            version = NvsVersion.V2;
        }
    }

    private boolean checkHeader(int page) {
        int base = page * PAGE_SIZE;
        int state = buf.getInt(base + PAGE_STATE_OFFSET);
        if (state != PAGE_STATE_ACTIVE && state != PAGE_STATE_FULL && state != PAGE_STATE_FREEING) {
            return pageProblem(page, String.format("page %d (offset 0x%x) has state 0x%08x; expected ACTIVE 0x%08x or"
                    + " FULL 0x%08x", page, base, state, PAGE_STATE_ACTIVE, PAGE_STATE_FULL));
        }
        int stored = buf.getInt(base + PAGE_CRC_OFFSET);
        int computed = NvsCrc32.of(image, base + PAGE_CRC_START, PAGE_CRC_END - PAGE_CRC_START);
        if (stored != computed) {
            return pageProblem(page, String.format("page %d header CRC is 0x%08x at offset 0x%x, computed 0x%08x",
                    page, stored, base + PAGE_CRC_OFFSET, computed));
        }
        int versionByte = image[base + PAGE_VERSION_OFFSET] & 0xFF;
        NvsVersion v = NvsVersion.fromHeaderByte(versionByte);
        if (v == null) {
            return pageProblem(page, String.format("page %d has version byte 0x%02x; expected 0xff (v1) or 0xfe (v2)",
                    page, versionByte));
        }
        if (version != null && v != version) {
            return pageProblem(page, "page " + page + " is NVS version " + v.number() + " but earlier pages are version "
                    + version.number());
        }
        version = v;
        return true;
    }

    private void readPage(int page) {
        int entry = 0;
        while (entry < ENTRIES_PER_PAGE) {
            int state = entryState(image, page, entry);
            int at = entryOffset(page, entry);
            if (state != ENTRY_STATE_WRITTEN) {
                if (state != ENTRY_STATE_EMPTY && state != ENTRY_STATE_ERASED) {
                    problem(page, entry, at, String.format("page %d entry %d has the invalid state 0b01", page, entry));
                }
                entry++;
                continue;
            }
            entriesChecked++;
            int storedCrc = buf.getInt(at + ENTRY_CRC_OFFSET);
            int crc = NvsCrc32.ofEntry(image, at);
            if (storedCrc != crc) {
                problem(page, entry, at, String.format("page %d entry %d (offset 0x%x) has CRC 0x%08x, computed 0x%08x",
                        page, entry, at, storedCrc, crc));
                entry++;
                continue;
            }
            entriesWithGoodCrc++;
            int span = image[at + ENTRY_SPAN_OFFSET] & 0xFF;
            if (span < 1 || entry + span > ENTRIES_PER_PAGE) {
                problem(page, entry, at, String.format("page %d entry %d (offset 0x%x) spans %d entries; only %d are left"
                        + " on the page", page, entry, at, span, ENTRIES_PER_PAGE - entry));
                entry++;
                continue;
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
            problem(page, entry, at, String.format("%s has the unknown type 0x%02x", where, typeByte));
            return;
        }
        byte[] data = null;
        if (type == NvsType.STRING || type == NvsType.BLOB || type == NvsType.BLOB_DATA) {
            data = varlenData(where, page, entry, at, span);
            if (data == null) {
                return;
            }
        }
        items.add(new Item(page, entry, at, ns, type, key, image[at + ENTRY_CHUNK_INDEX_OFFSET] & 0xFF, data));
    }

    /** The data of a string or blob item, or null (and a problem) if it does not check out. */
    private byte[] varlenData(String where, int page, int entry, int at, int span) {
        int size = Short.toUnsignedInt(buf.getShort(at + VARLEN_SIZE_OFFSET));
        int capacity = (span - 1) * ENTRY_SIZE;
        if (size > capacity) {
            problem(page, entry, at, String.format("%s holds %d bytes but spans only %d data entries (%d bytes)",
                    where, size, span - 1, capacity));
            return null;
        }
        for (int i = 1; i < span; i++) {
            if (entryState(image, page, entry + i) != ENTRY_STATE_WRITTEN) {
                problem(page, entry, at, String.format("%s: its data entry %d is not marked written", where, entry + i));
                return null;
            }
        }
        int dataAt = at + ENTRY_SIZE;
        int stored = buf.getInt(at + VARLEN_CRC_OFFSET);
        int crc = NvsCrc32.of(image, dataAt, size);
        if (stored != crc) {
            problem(page, entry, at, String.format("%s data CRC is 0x%08x, computed 0x%08x over %d bytes at 0x%x",
                    where, stored, crc, size, dataAt));
            return null;
        }
        byte[] data = new byte[size];
        System.arraycopy(image, dataAt, data, 0, size);
        return data;
    }

    /** Second pass: namespaces from every page, then items in order, blobs assembled from their chunks. */
    private NvsImage resolve() {
        Map<Integer, String> namespaces = new HashMap<>();
        Map<String, Item> chunks = new LinkedHashMap<>();
        for (Item item : items) {
            if (item.ns() == NAMESPACE_DEFINITIONS && item.type() == NvsType.U8) {
                namespaces.put(image[item.at() + ENTRY_DATA_OFFSET] & 0xFF, item.key());
            } else if (item.type() == NvsType.BLOB_DATA) {
                chunks.put(chunkKey(item.ns(), item.key(), item.chunkIndex()), item);
            }
        }
        List<NvsEntry> entries = new ArrayList<>();
        for (Item item : items) {
            if (item.ns() == NAMESPACE_DEFINITIONS) {
                if (item.type() == NvsType.U8) {
                    entries.add(NvsEntry.namespace(item.key()));
                } else {
                    problem(item, item.where() + " is in namespace 0 (namespace definitions) but is a "
                            + item.type().csvName());
                }
                continue;
            }
            String namespace = namespaces.get(item.ns());
            if (namespace == null) {
                problem(item, item.where() + " is in namespace index " + item.ns() + ", which no namespace entry defines");
                continue;
            }
            NvsType type = item.type();
            if (type.isInteger()) {
                entries.add(NvsEntry.integer(namespace, item.key(), type, integer(item.at(), type)));
            } else if (type == NvsType.STRING || type == NvsType.BLOB) {
                entries.add(new NvsEntry(namespace, item.key(), type, 0, item.data()));
            } else if (type == NvsType.BLOB_IDX) {
                byte[] blob = assembleBlob(item, chunks);
                if (blob != null) {
                    entries.add(new NvsEntry(namespace, item.key(), NvsType.BLOB, 0, blob));
                }
            }
        }
        for (Item chunk : chunks.values()) {
            if (namespaces.containsKey(chunk.ns())) { // else already reported above
                problem(chunk, chunk.where() + ": blob chunk " + chunk.chunkIndex() + " has no BLOB_IDX entry");
            }
        }
        problems.sort(Comparator.comparingInt(NvsProblem::offset));
        return new NvsImage(version, image.length, usedPages, entries, problems);
    }

    private long integer(int at, NvsType type) {
        long value = 0;
        for (int i = type.width() - 1; i >= 0; i--) {
            value = (value << 8) | (image[at + ENTRY_DATA_OFFSET + i] & 0xFF);
        }
        if (type.isSigned()) {
            int shift = 64 - 8 * type.width();
            value = (value << shift) >> shift;
        }
        return value;
    }

    /** The blob of a BLOB_IDX item, taking its chunks out of {@code chunks}; null (and a problem) if broken. */
    private byte[] assembleBlob(Item index, Map<String, Item> chunks) {
        int at = index.at();
        long size = Integer.toUnsignedLong(buf.getInt(at + BLOB_IDX_SIZE_OFFSET));
        int count = image[at + BLOB_IDX_COUNT_OFFSET] & 0xFF;
        int start = image[at + BLOB_IDX_START_OFFSET] & 0xFF;
        List<Item> parts = new ArrayList<>();
        for (int i = start; i < start + count; i++) {
            Item chunk = chunks.get(chunkKey(index.ns(), index.key(), i));
            if (chunk == null) {
                problem(index, String.format("%s: blob chunk %d of %d..%d is missing", index.where(), i, start,
                        start + count - 1));
                return null;
            }
            parts.add(chunk);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Item chunk : parts) {
            chunks.remove(chunkKey(index.ns(), index.key(), chunk.chunkIndex()));
            out.writeBytes(chunk.data());
        }
        if (out.size() != size) {
            problem(index, String.format("%s: blob index says %d bytes, its %d chunks hold %d", index.where(), size,
                    count, out.size()));
            return null;
        }
        return out.toByteArray();
    }

    private static String chunkKey(int ns, String key, int chunkIndex) {
        return ns + "/" + key + "#" + chunkIndex;
    }

    private String readKey(int at) {
        int end = at + ENTRY_KEY_OFFSET;
        while (end < at + ENTRY_KEY_OFFSET + ENTRY_KEY_SIZE && image[end] != 0) {
            end++;
        }
        return new String(image, at + ENTRY_KEY_OFFSET, end - at - ENTRY_KEY_OFFSET, StandardCharsets.US_ASCII);
    }

    private boolean pageProblem(int page, String message) {
        problems.add(new NvsProblem(page, -1, page * PAGE_SIZE, message));
        return false;
    }

    private void problem(int page, int entry, int at, String message) {
        problems.add(new NvsProblem(page, entry, at, message));
    }

    private void problem(Item item, String message) {
        problem(item.page(), item.entry(), item.at(), message);
    }

    private static EspfleetException bad(String message) {
        return new EspfleetException(ExitStatus.BAD_INPUT, message);
    }
}
