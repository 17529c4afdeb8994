package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * ESP-IDF partition tables ("Partition Tables" in the ESP-IDF programming guide; gen_esp32part.py): the
 * {@code partitions.csv} text form and the binary form flashed at {@link #DEFAULT_OFFSET} (32-byte entries with magic
 * 0xAA50, then an MD5 entry 0xEBEB, padded with 0xFF to 0xC00 bytes). Checks follow ESP-IDF 5: app offsets
 * aligned to 64 KiB, data to 4 KiB, no overlaps, unique names, at most one 0x2000-byte otadata, NVS at
 * least 0x3000 bytes unless read-only, and the table within its 0xC00 bytes.
 */
public record PartitionTable(List<PartitionEntry> entries) {
    /** ESP-IDF's default CONFIG_PARTITION_TABLE_OFFSET: where the bootloader looks for the table. */
    public static final int DEFAULT_OFFSET = 0x8000;
    public static final int TABLE_SECTOR_SIZE = 0x1000;
    /** Entries and MD5 fit in 0xC00 bytes; the rest of the 4 KiB sector is for a signature. */
    public static final int MAX_TABLE_LENGTH = 0xC00;
    public static final int ENTRY_SIZE = 32;
    private static final byte[] MAGIC = {(byte) 0xAA, (byte) 0x50};
    private static final byte[] MD5_MAGIC = {(byte) 0xEB, (byte) 0xEB};
    private static final int MD5_OFFSET = 16;
    private static final int NAME_OFFSET = 12;
    private static final int NAME_SIZE = PartitionLabel.MAX_BYTES;
    private static final int TYPE_OFFSET = 2;
    private static final int SUBTYPE_OFFSET = 3;
    private static final int OFFSET_OFFSET = 4;
    private static final int SIZE_OFFSET = 8;
    private static final int FLAGS_OFFSET = 28;
    private static final int FLAG_ENCRYPTED = 1 << 0;
    private static final int FLAG_READONLY = 1 << 1;
    private static final long APP_ALIGNMENT = 0x10000;
    private static final long DATA_ALIGNMENT = 0x1000;
    private static final long OTADATA_SIZE = 0x2000;

    private static final Map<String, Integer> TYPES = Map.of("app", PartitionEntry.TYPE_APP, "data", PartitionEntry.TYPE_DATA);
    private static final Map<Integer, Map<String, Integer>> SUBTYPES = new HashMap<>();

    static {
        Map<String, Integer> app = new LinkedHashMap<>();
        app.put("factory", 0x00);
        for (int slot = 0; slot < 16; slot++) {
            app.put("ota_" + slot, 0x10 + slot);
        }
        app.put("test", 0x20);
        Map<String, Integer> data = new LinkedHashMap<>();
        data.put("ota", 0x00);
        data.put("phy", 0x01);
        data.put("nvs", 0x02);
        data.put("coredump", 0x03);
        data.put("nvs_keys", 0x04);
        data.put("efuse", 0x05);
        data.put("undefined", 0x06);
        data.put("esphttpd", 0x80);
        data.put("fat", 0x81);
        data.put("spiffs", 0x82);
        data.put("littlefs", 0x83);
        SUBTYPES.put(PartitionEntry.TYPE_APP, app);
        SUBTYPES.put(PartitionEntry.TYPE_DATA, data);
    }

    public PartitionTable {
        entries = List.copyOf(entries);
    }

    public Optional<PartitionEntry> find(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** Parses {@code partitions.csv} text, filling in missing offsets as ESP-IDF does, and verifies it. */
    public static PartitionTable fromCsv(String text, String fileName, long tableOffset) {
        List<PartitionEntry> entries = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        long lastEnd = tableOffset + TABLE_SECTOR_SIZE;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = fileName + ":" + (i + 1);
            String[] f = Arrays.copyOf((line + ",,,,,").split(",", -1), 6);
            for (int k = 0; k < f.length; k++) {
                f[k] = f[k] == null ? "" : f[k].strip();
            }
            String name = f[0];
            String at = where + ": partition '" + name + "'";
            if (name.isEmpty()) {
                throw bad(where + ": the partition name is empty");
            }
            int type = parseKeyword(f[1], TYPES, at, "type");
            int subtype;
            if (f[2].isEmpty()) {
                if (type == PartitionEntry.TYPE_APP) {
                    throw bad(at + ": an app partition needs a subtype (factory, ota_0..ota_15, test)");
                }
                subtype = SUBTYPES.get(PartitionEntry.TYPE_DATA).get("undefined");
            } else {
                subtype = parseKeyword(f[2], SUBTYPES.getOrDefault(type, Map.of()), at, "subtype");
            }
            if (f[4].isEmpty()) {
                throw bad(at + ": the size is empty");
            }
            long size = parseNumber(f[4], at, "size");
            long offset;
            if (f[3].isEmpty()) {
                long align = alignment(type);
                offset = (lastEnd + align - 1) / align * align;
            } else {
                offset = parseNumber(f[3], at, "offset");
                if (offset < lastEnd) {
                    throw bad(String.format("%s: offset 0x%x overlaps %s, which ends at 0x%x", at, offset,
                            entries.isEmpty() ? "the partition table" : "the previous partition", lastEnd));
                }
            }
            boolean encrypted = false;
            boolean readonly = false;
            for (String flag : f[5].split(":")) {
                switch (flag.strip()) {
                    case "" -> { }
                    case "encrypted" -> encrypted = true;
                    case "readonly" -> readonly = true;
                    default -> throw bad(at + ": unknown flag '" + flag + "'; known flags: encrypted, readonly");
                }
            }
            entries.add(new PartitionEntry(name, type, subtype, offset, size, encrypted, readonly, i + 1));
            lastEnd = offset + size;
        }
        PartitionTable table = new PartitionTable(entries);
        table.verify(fileName, tableOffset);
        return table;
    }

    /** Parses a binary table, checking magic bytes and the MD5 entry. */
    public static PartitionTable fromBinary(byte[] b) {
        MessageDigest md5 = md5();
        List<PartitionEntry> entries = new ArrayList<>();
        for (int o = 0; o + ENTRY_SIZE <= b.length; o += ENTRY_SIZE) {
            byte[] e = Arrays.copyOfRange(b, o, o + ENTRY_SIZE);
            if (allFf(e)) {
                return new PartitionTable(entries);
            }
            if (e[0] == MD5_MAGIC[0] && e[1] == MD5_MAGIC[1]) {
                byte[] computed = md5.digest();
                byte[] stored = Arrays.copyOfRange(e, MD5_OFFSET, ENTRY_SIZE);
                if (!Arrays.equals(computed, stored)) {
                    throw bad(String.format("partition table MD5 at offset 0x%x is %s, computed %s", o + MD5_OFFSET,
                            hex(stored), hex(computed)));
                }
                continue;
            }
            if (e[0] != MAGIC[0] || e[1] != MAGIC[1]) {
                throw bad(String.format("partition table entry at offset 0x%x starts %02x %02x; expected magic aa 50",
                        o, e[0] & 0xFF, e[1] & 0xFF));
            }
            md5.update(e);
            ByteBuffer buf = ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN);
            int nameEnd = NAME_OFFSET;
            while (nameEnd < NAME_OFFSET + NAME_SIZE && e[nameEnd] != 0) {
                nameEnd++;
            }
            int flags = buf.getInt(FLAGS_OFFSET);
            entries.add(new PartitionEntry(new String(e, NAME_OFFSET, nameEnd - NAME_OFFSET, StandardCharsets.US_ASCII),
                    e[TYPE_OFFSET] & 0xFF, e[SUBTYPE_OFFSET] & 0xFF, Integer.toUnsignedLong(buf.getInt(OFFSET_OFFSET)),
                    Integer.toUnsignedLong(buf.getInt(SIZE_OFFSET)), (flags & FLAG_ENCRYPTED) != 0,
                    (flags & FLAG_READONLY) != 0, 0));
        }
        throw bad("partition table has no end marker (an entry of 32 bytes 0xFF)");
    }

    /** The 0xC00-byte binary table with its MD5 entry. */
    public byte[] toBinary() {
        int length = (entries.size() + 1) * ENTRY_SIZE;
        if (length > MAX_TABLE_LENGTH) {
            throw bad("partition table of " + entries.size() + " entries needs " + length + " bytes with its MD5; at most "
                    + MAX_TABLE_LENGTH + " fit");
        }
        byte[] out = new byte[MAX_TABLE_LENGTH];
        Arrays.fill(out, (byte) 0xFF);
        ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int o = 0;
        for (PartitionEntry e : entries) {
            buf.put(o, MAGIC[0]).put(o + 1, MAGIC[1]);
            buf.put(o + TYPE_OFFSET, (byte) e.type()).put(o + SUBTYPE_OFFSET, (byte) e.subtype());
            buf.putInt(o + OFFSET_OFFSET, (int) e.offset()).putInt(o + SIZE_OFFSET, (int) e.size());
            Arrays.fill(out, o + NAME_OFFSET, o + NAME_OFFSET + NAME_SIZE, (byte) 0);
            byte[] name = e.name().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, out, o + NAME_OFFSET, name.length);
            buf.putInt(o + FLAGS_OFFSET, (e.encrypted() ? FLAG_ENCRYPTED : 0) | (e.readonly() ? FLAG_READONLY : 0));
            o += ENTRY_SIZE;
        }
        MessageDigest md5 = md5();
        md5.update(out, 0, o);
        out[o] = MD5_MAGIC[0];
        out[o + 1] = MD5_MAGIC[1];
        System.arraycopy(md5.digest(), 0, out, o + MD5_OFFSET, ENTRY_SIZE - MD5_OFFSET);
        return out;
    }

    /** {@code partitions.csv} text, sizes as K/M where exact, as gen_esp32part.py prints it. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n");
        for (PartitionEntry e : entries) {
            List<String> flags = new ArrayList<>();
            if (e.encrypted()) {
                flags.add("encrypted");
            }
            if (e.readonly()) {
                flags.add("readonly");
            }
            sb.append(String.join(",", e.name(), keyword(e.type(), TYPES), keyword(e.subtype(), SUBTYPES.getOrDefault(e.type(), Map.of())),
                    String.format("0x%x", e.offset()), sizeText(e.size()), String.join(":", flags))).append('\n');
        }
        return sb.toString();
    }

    /** ESP-IDF's checks, naming the file and line of the partition at fault. */
    public void verify(String fileName, long tableOffset) {
        if (entries.isEmpty()) {
            throw bad(fileName + ": holds no partitions; expected lines name,type,subtype,offset,size[,flags]");
        }
        Map<String, PartitionEntry> names = new HashMap<>();
        PartitionEntry otadata = null;
        for (PartitionEntry e : entries) {
            String where = e.line() > 0 ? fileName + ":" + e.line() : fileName;
            String at = where + ": partition '" + e.name() + "'";
            PartitionLabel.problem(e.name()).ifPresent(p -> {
                throw bad(where + ": partition " + p);
            });
            PartitionEntry before = names.putIfAbsent(e.name(), e);
            if (before != null) {
                throw bad(at + ": the name is already used" + (before.line() > 0 ? " at line " + before.line() : ""));
            }
            long align = alignment(e.type());
            if (e.offset() % align != 0) {
                throw bad(String.format("%s: offset 0x%x is not aligned to 0x%x", at, e.offset(), align));
            }
            if (e.size() <= 0) {
                throw bad(at + ": size must be positive");
            }
            if (e.isApp() && e.size() % DATA_ALIGNMENT != 0) {
                throw bad(String.format("%s: app size 0x%x is not a multiple of 0x%x", at, e.size(), DATA_ALIGNMENT));
            }
            if (e.offset() + e.size() > 0x1_0000_0000L) {
                throw bad(String.format("%s: ends at 0x%x, beyond the 4 GiB the table can address", at, e.end()));
            }
            if (e.type() == PartitionEntry.TYPE_DATA && e.subtype() == PartitionEntry.SUBTYPE_DATA_OTA) {
                if (otadata != null) {
                    throw bad(at + ": a second otadata partition (data/ota); only one is allowed");
                }
                otadata = e;
                if (e.size() != OTADATA_SIZE) {
                    throw bad(String.format("%s: otadata must be 0x%x bytes, got 0x%x", at, OTADATA_SIZE, e.size()));
                }
            }
            if (e.type() == PartitionEntry.TYPE_DATA && e.subtype() == PartitionEntry.SUBTYPE_DATA_NVS && !e.readonly()
                    && e.size() < NvsLayout.MIN_PARTITION_SIZE) {
                throw bad(String.format("%s: NVS partition of 0x%x bytes is below the 0x%x minimum; flag it readonly"
                        + " or make it larger", at, e.size(), NvsLayout.MIN_PARTITION_SIZE));
            }
        }
        List<PartitionEntry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        PartitionEntry last = null;
        for (PartitionEntry e : sorted) {
            if (e.offset() < tableOffset + TABLE_SECTOR_SIZE) {
                throw bad(String.format("%s: partition '%s' at 0x%x is below the end of the partition table, 0x%x",
                        fileName, e.name(), e.offset(), tableOffset + TABLE_SECTOR_SIZE));
            }
            if (last != null && e.offset() < last.end()) {
                throw bad(String.format("%s: partition '%s' at 0x%x overlaps '%s' (0x%x-0x%x)", fileName, e.name(),
                        e.offset(), last.name(), last.offset(), last.end() - 1));
            }
            last = e;
        }
        if ((entries.size() + 1) * ENTRY_SIZE > MAX_TABLE_LENGTH) {
            throw bad(fileName + ": " + entries.size() + " partitions; at most " + (MAX_TABLE_LENGTH / ENTRY_SIZE - 1) + " fit");
        }
    }

    /** Refuses a table whose partitions end beyond {@code flashSize}. */
    public void checkFits(long flashSize, String fileName) {
        for (PartitionEntry e : entries) {
            if (e.end() > flashSize) {
                throw bad(String.format("%s: partition '%s' ends at 0x%x, beyond the 0x%x-byte flash", fileName,
                        e.name(), e.end(), flashSize));
            }
        }
    }

    private static long alignment(int type) {
        return type == PartitionEntry.TYPE_APP ? APP_ALIGNMENT : DATA_ALIGNMENT;
    }

    private static int parseKeyword(String text, Map<String, Integer> keywords, String at, String what) {
        if (text.isEmpty()) {
            throw bad(at + ": the " + what + " is empty");
        }
        Integer known = keywords.get(text.toLowerCase(Locale.ROOT));
        if (known != null) {
            return known;
        }
        try {
            long v = text.startsWith("0x") || text.startsWith("0X") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
            if (v < 0 || v > 0xFE) {
                throw bad(at + ": " + what + " " + text + " is out of range 0..0xfe");
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw bad(at + ": " + what + " '" + text + "' is not a number or one of " + String.join(", ", keywords.keySet()));
        }
    }

    private static long parseNumber(String text, String at, String what) {
        try {
            return PartitionSize.parse(text, what);
        } catch (EspfleetException e) {
            throw bad(at + ": " + e.getMessage());
        }
    }

    private static String keyword(int value, Map<String, Integer> keywords) {
        for (Map.Entry<String, Integer> k : keywords.entrySet()) {
            if (k.getValue() == value) {
                return k.getKey();
            }
        }
        return String.format("0x%x", value);
    }

    private static String sizeText(long size) {
        if (size % 0x100000 == 0) {
            return size / 0x100000 + "M";
        }
        if (size % 0x400 == 0) {
            return size / 0x400 + "K";
        }
        return String.format("0x%x", size);
    }

    private static boolean allFf(byte[] e) {
        for (byte b : e) {
            if (b != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "MD5 unavailable", null, e);
        }
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    private static EspfleetException bad(String message) {
        return new EspfleetException(ExitStatus.BAD_INPUT, message);
    }
}
