package dev.espfleet.nvs;

import static dev.espfleet.nvs.NvsLayout.*;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an NVS partition image from entries, laid out exactly as Espressif's {@code nvs_partition_gen.py}
 * lays it out (so that images are byte-identical to it): items fill pages in order; a string or v1 blob
 * that does not fit before the page's last entry starts a new page; a v2 blob fills the rest of the page
 * with a BLOB_DATA chunk and continues on the next, followed by its BLOB_IDX; filled pages are marked FULL,
 * the last written page stays ACTIVE, the remaining pages and the reserved last page stay erased (0xFF).
 *
 * <p>Where the generator has defects this writer does the right thing: re-declaring a namespace reuses
 * its index instead of writing into the latest one; strings longer than one page are refused.
 *
 * <p>Pure: reads no files, prints nothing; bad entries raise {@link NvsEntryException}.
 */
public final class NvsPartitionWriter {
    private static final int VARLEN_RESERVED_OFFSET = 26;

    private final byte[] image;
    private final NvsVersion version;
    private final int dataPages;
    private final Map<String, Integer> namespaces = new HashMap<>();
    private int page;
    private int entryNum;
    private int entryIndex;
    private String entryKey;

    private NvsPartitionWriter(byte[] image, NvsVersion version) {
        this.image = image;
        int size = image.length;
        erase(image);
        this.version = version;
        this.dataPages = size / PAGE_SIZE - RESERVED_PAGES;
        openPage(0);
    }

    /** The image of {@code size} bytes holding {@code entries}, unencrypted. */
    public static byte[] write(List<NvsEntry> entries, int size, NvsVersion version) {
        return write(entries, size, version, null);
    }

    /** The image of {@code size} bytes holding {@code entries}, encrypted with {@code keys} if not null. */
    public static byte[] write(List<NvsEntry> entries, int size, NvsVersion version, NvsEncryptionKeys keys) {
        checkPartitionSize(size);
        return writeInto(new byte[size], entries, version, keys);
    }

    /**
     * As {@link #write}, into {@code image} (all of it overwritten; its length is the partition size): a
     * caller writing many images reuses one array instead of allocating one per image.
     */
    public static byte[] writeInto(byte[] image, List<NvsEntry> entries, NvsVersion version, NvsEncryptionKeys keys) {
        checkPartitionSize(image.length);
        NvsPartitionWriter writer = new NvsPartitionWriter(image, version);
        for (int i = 0; i < entries.size(); i++) {
            writer.add(i, entries.get(i));
        }
        if (keys != null) {
            NvsEncryption.encryptWrittenEntries(writer.image, keys);
        }
        return writer.image;
    }

    /** Refuses a partition size ESP-IDF cannot use as read/write NVS. */
    public static void checkPartitionSize(long size) {
        if (size > MAX_PARTITION_SIZE) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                    "partition size 0x%x is above espfleet's limit of 0x%x (16 MiB) for an NVS partition", size,
                    MAX_PARTITION_SIZE));
        }
        if (size % PAGE_SIZE != 0) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                    "partition size 0x%x (%d bytes) is not a multiple of the %d-byte flash page", size, size, PAGE_SIZE));
        }
        if (size < MIN_PARTITION_SIZE) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                    "partition size 0x%x is below the NVS minimum of 0x%x (two data pages and the reserved page)",
                    size, MIN_PARTITION_SIZE));
        }
    }

    private void add(int index, NvsEntry entry) {
        entryIndex = index;
        entryKey = entry.isNamespaceDeclaration() ? null : entry.key();
        checkName("namespace", entry.namespace());
        int ns = namespaceIndex(entry.namespace());
        if (entry.isNamespaceDeclaration()) {
            return;
        }
        checkName("key", entry.key());
        NvsType type = entry.type();
        if (type.isInteger()) {
            writeInteger(ns, entry.key(), type, entry.number());
        } else if (type == NvsType.STRING) {
            checkLength("string", entry.data().length, version.maxStringBytes(), " including its NUL");
            writeSinglePageItem(ns, entry.key(), NvsType.STRING, entry.data());
        } else if (version == NvsVersion.V1) {
            checkLength("blob", entry.data().length, version.maxBlobBytes(), "");
            writeSinglePageItem(ns, entry.key(), NvsType.BLOB, entry.data());
        } else {
            writeMultiPageBlob(ns, entry.key(), entry.data());
        }
    }

    private int namespaceIndex(String name) {
        Integer known = namespaces.get(name);
        if (known != null) {
            return known;
        }
        int index = namespaces.size() + 1;
        if (index > MAX_NAMESPACES) {
            throw fail("namespace '" + name + "' would be namespace number " + index
                    + "; an NVS partition holds at most " + MAX_NAMESPACES);
        }
        namespaces.put(name, index);
        writeInteger(NAMESPACE_DEFINITIONS, name, NvsType.U8, index);
        return index;
    }

    private void writeInteger(int ns, String key, NvsType type, long value) {
        if (entryNum >= ENTRIES_PER_PAGE) {
            newPage();
        }
        ByteBuffer e = newEntry(ns, type, 1, CHUNK_ANY, key);
        for (int i = 0; i < type.width(); i++) {
            e.put(ENTRY_DATA_OFFSET + i, (byte) (value >>> (8 * i)));
        }
        writeEntry(e);
    }

    /** A string or a v1 blob: header and data on one page, which must keep its last entry free. */
    private void writeSinglePageItem(int ns, String key, NvsType type, byte[] data) {
        int span = 1 + entriesFor(data.length);
        if (entryNum + span >= ENTRIES_PER_PAGE) {
            newPage();
        }
        ByteBuffer e = newEntry(ns, type, span, CHUNK_ANY, key);
        putVarlenHeader(e, data, 0, data.length);
        writeEntry(e);
        writeData(data, 0, data.length);
    }

    /** A v2 blob: BLOB_DATA chunks filling each page up to its last entry, then the BLOB_IDX. */
    private void writeMultiPageBlob(int ns, String key, byte[] data) {
        if (entryNum >= ENTRIES_PER_PAGE) {
            newPage();
        }
        int chunkStart = 0;
        int chunkCount = 0;
        int offset = 0;
        int remaining = data.length;
        while (true) {
            int tailroom = (ENTRIES_PER_PAGE - entryNum - 1) * ENTRY_SIZE;
            int chunk = Math.min(tailroom, remaining);
            remaining -= chunk;
            if (chunkCount == MAX_BLOB_CHUNKS) {
                throw fail("blob of " + data.length + " bytes needs more than " + MAX_BLOB_CHUNKS + " chunks");
            }
            ByteBuffer e = newEntry(ns, NvsType.BLOB_DATA, 1 + entriesFor(chunk), chunkStart + chunkCount, key);
            putVarlenHeader(e, data, offset, chunk);
            writeEntry(e);
            writeData(data, offset, chunk);
            chunkCount++;
            offset += chunk;
            // the generator moves on when data remains or fewer than one entry is left on the page
            if (remaining > 0 || tailroom - chunk < ENTRY_SIZE) {
                newPage();
            }
            if (remaining == 0) {
                ByteBuffer idx = newEntry(ns, NvsType.BLOB_IDX, 1, CHUNK_ANY, key);
                idx.putInt(BLOB_IDX_SIZE_OFFSET, data.length);
                idx.put(BLOB_IDX_COUNT_OFFSET, (byte) chunkCount);
                idx.put(BLOB_IDX_START_OFFSET, (byte) chunkStart);
                writeEntry(idx);
                return;
            }
        }
    }

    private static void putVarlenHeader(ByteBuffer e, byte[] data, int offset, int length) {
        e.putShort(VARLEN_SIZE_OFFSET, (short) length);
        e.putShort(VARLEN_RESERVED_OFFSET, (short) 0xFFFF);
        e.putInt(VARLEN_CRC_OFFSET, NvsCrc32.of(data, offset, length));
    }

    private static ByteBuffer newEntry(int ns, NvsType type, int span, int chunkIndex, String key) {
        byte[] e = new byte[ENTRY_SIZE];
        Arrays.fill(e, (byte) 0xFF);
        e[ENTRY_NAMESPACE_OFFSET] = (byte) ns;
        e[ENTRY_TYPE_OFFSET] = (byte) type.wire();
        e[ENTRY_SPAN_OFFSET] = (byte) span;
        e[ENTRY_CHUNK_INDEX_OFFSET] = (byte) chunkIndex;
        Arrays.fill(e, ENTRY_KEY_OFFSET, ENTRY_KEY_OFFSET + ENTRY_KEY_SIZE, (byte) 0);
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(k, 0, e, ENTRY_KEY_OFFSET, k.length);
        return ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void writeEntry(ByteBuffer entry) {
        byte[] e = entry.array();
        entry.putInt(ENTRY_CRC_OFFSET, NvsCrc32.ofEntry(e, 0));
        System.arraycopy(e, 0, image, entryOffset(page, entryNum), ENTRY_SIZE);
        markWritten(1);
    }

    /** Data in whole entries; the tail of the last one stays 0xFF. */
    private void writeData(byte[] data, int offset, int length) {
        System.arraycopy(data, offset, image, entryOffset(page, entryNum), length);
        markWritten(entriesFor(length));
    }

    private void markWritten(int count) {
        for (int i = 0; i < count; i++) {
            int bit = entryNum * 2;
            int at = page * PAGE_SIZE + BITMAP_OFFSET + bit / 8;
            // 0b11 (empty) -> 0b10 (written): clear the low bit of the pair
            image[at] &= (byte) ~(1 << (bit % 8));
            entryNum++;
        }
    }

    private void openPage(int index) {
        ByteBuffer header = ByteBuffer.wrap(image, index * PAGE_SIZE, PAGE_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(PAGE_STATE_OFFSET, PAGE_STATE_ACTIVE);
        header.putInt(PAGE_SEQUENCE_OFFSET, index);
        header.put(PAGE_VERSION_OFFSET, (byte) version.headerByte());
        int base = index * PAGE_SIZE;
        header.putInt(PAGE_CRC_OFFSET, NvsCrc32.of(image, base + PAGE_CRC_START, PAGE_CRC_END - PAGE_CRC_START));
        page = index;
        entryNum = 0;
    }

    private void newPage() {
        if (page + 1 >= dataPages) {
            int size = image.length;
            throw fail(String.format("partition of 0x%x bytes is full: %d data pages of %d entries (plus the"
                    + " reserved page) are used; give a larger size", size, dataPages, ENTRIES_PER_PAGE));
        }
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(page * PAGE_SIZE + PAGE_STATE_OFFSET, PAGE_STATE_FULL);
        openPage(page + 1);
    }

    /** {@link NvsKey}'s rule, the one every part of espfleet holds keys and namespaces to. */
    private void checkName(String what, String name) {
        NvsKey.problem(name).ifPresent(p -> {
            throw new NvsEntryException(entryIndex, what + " " + p);
        });
    }

    private void checkLength(String what, int length, int max, String including) {
        if (length > max) {
            throw fail(what + " of " + length + " bytes" + including + " exceeds the " + max
                    + "-byte limit of NVS version " + version.number());
        }
    }

    /** "key 'k': detail" for an item; a namespace problem names the namespace in its detail. */
    private NvsEntryException fail(String detail) {
        return new NvsEntryException(entryIndex, entryKey == null ? detail : "key '" + entryKey + "': " + detail);
    }

    /**
     * Every byte to 0xFF, as erased flash reads: by doubling copies, which are the JDK's copy stub even before
     * the JIT's second tier compiles this (a byte loop, as Arrays.fill is then, costs ten times more).
     */
    private static void erase(byte[] image) {
        image[0] = (byte) 0xFF;
        for (int filled = 1; filled < image.length; filled *= 2) {
            System.arraycopy(image, 0, image, filled, Math.min(filled, image.length - filled));
        }
    }

    static int entriesFor(int bytes) {
        return (bytes + ENTRY_SIZE - 1) / ENTRY_SIZE;
    }
}
