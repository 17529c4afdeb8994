package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NvsCrc32Test {
    /** Python: {@code hex(zlib.crc32(b'123456789', 0xFFFFFFFF))}, the call nvs_partition_gen.py makes. */
    @Test
    void matchesZlibCrc32StartedAtAllOnes() {
        assertEquals(0xd202d277, NvsCrc32.of("123456789".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0xffffffff, NvsCrc32.of(new byte[0]));
    }

    @Test
    void entryCrcSkipsItsOwnField() {
        byte[] entry = new byte[NvsLayout.ENTRY_SIZE];
        for (int i = 0; i < entry.length; i++) {
            entry[i] = (byte) (i * 7 + 1);
        }
        byte[] without = new byte[NvsLayout.ENTRY_SIZE - 4];
        System.arraycopy(entry, 0, without, 0, 4);
        System.arraycopy(entry, 8, without, 4, NvsLayout.ENTRY_SIZE - 8);
        assertEquals(NvsCrc32.of(without), NvsCrc32.ofEntry(entry, 0));
    }
}
