package dev.espfleet.flasher.job;

import dev.espfleet.common.EspfleetException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An ESP-IDF binary partition table (ESP-IDF "Partition Tables"): 32-byte entries, each starting with
 * magic 0xAA50 (little-endian 50 AA... as bytes AA 50), then type, subtype, offset, size, a 16-byte
 * NUL-padded label and flags; an MD5 entry (EB EB) or erased bytes end it.
 */
public record PartitionTable(List<Entry> entries) {
    static final int ENTRY_SIZE = 32;
    static final int MAX_ENTRIES = 95;

    public record Entry(String label, int type, int subtype, int offset, int size) {
    }

    public static PartitionTable parse(byte[] table, String source) {
        List<Entry> entries = new ArrayList<>();
        for (int at = 0; at + ENTRY_SIZE <= table.length && entries.size() < MAX_ENTRIES; at += ENTRY_SIZE) {
            int b0 = table[at] & 0xFF;
            int b1 = table[at + 1] & 0xFF;
            if (b0 == 0xAA && b1 == 0x50) {
                ByteBuffer b = ByteBuffer.wrap(table, at, ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                b.getShort();
                int type = b.get() & 0xFF;
                int subtype = b.get() & 0xFF;
                int offset = b.getInt();
                int size = b.getInt();
                byte[] label = new byte[16];
                b.get(label);
                int len = 0;
                while (len < 16 && label[len] != 0) {
                    len++;
                }
                entries.add(new Entry(new String(label, 0, len, StandardCharsets.UTF_8), type, subtype, offset, size));
            } else if ((b0 == 0xEB && b1 == 0xEB) || (b0 == 0xFF && b1 == 0xFF)) {
                break;
            } else {
                throw EspfleetException.badInput(String.format(
                        "%s: entry %d at byte %d starts with %02x %02x, expected AA 50 (not a partition table?)",
                        source, entries.size(), at, b0, b1));
            }
        }
        if (entries.isEmpty()) {
            throw EspfleetException.badInput(source + ": no partitions (not a partition table?)");
        }
        return new PartitionTable(List.copyOf(entries));
    }

    public Optional<Entry> find(String label) {
        return entries.stream().filter(e -> e.label().equals(label)).findFirst();
    }

    public String labels() {
        return String.join(", ", entries.stream().map(Entry::label).toList());
    }
}
