package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionTableTest {
    private static final String SINGLE_APP = """
            # Name,   Type, SubType, Offset,  Size, Flags
            nvs,      data, nvs,     ,        0x6000,
            phy_init, data, phy,     ,        0x1000,
            factory,  app,  factory, ,        1M,
            nvs_key,  data, nvs_keys,,        0x1000, encrypted
            """;

    private static PartitionTable parse(String csv) {
        return PartitionTable.fromCsv(csv, "partitions.csv", PartitionTable.DEFAULT_OFFSET);
    }

    private static String refusal(String csv) {
        return assertThrows(EspfleetException.class, () -> parse(csv)).getMessage();
    }

    @Test
    void fillsMissingOffsetsWithTypeAlignment() {
        PartitionTable t = parse(SINGLE_APP);
        assertEquals(List.of(0x9000L, 0xF000L, 0x10000L, 0x110000L),
                t.entries().stream().map(PartitionEntry::offset).toList());
        assertEquals(0x100000L, t.find("factory").orElseThrow().size());
        assertTrue(t.find("nvs_key").orElseThrow().encrypted());
        assertTrue(t.find("missing").isEmpty());
    }

    @Test
    void binaryEntriesAreLittleEndianWithMagicAndMd5() throws Exception {
        byte[] bin = parse(SINGLE_APP).toBinary();
        assertEquals(PartitionTable.MAX_TABLE_LENGTH, bin.length);
        assertEquals("aa50010200900000006000006e7673000000000000000000000000000000000000",
                HexFormat.of().formatHex(bin, 0, 32) + "00");
        byte[] md5 = MessageDigest.getInstance("MD5").digest(Arrays.copyOf(bin, 4 * 32));
        assertEquals("ebeb" + "ff".repeat(14) + HexFormat.of().formatHex(md5), HexFormat.of().formatHex(bin, 4 * 32, 5 * 32));
        for (int i = 5 * 32; i < bin.length; i++) {
            assertEquals((byte) 0xFF, bin[i], "padding at " + i);
        }
    }

    @Test
    void binaryRoundTripsToTheSameTableAndCsv() {
        PartitionTable t = parse(SINGLE_APP);
        PartitionTable back = PartitionTable.fromBinary(t.toBinary());
        assertArrayEquals(t.toBinary(), back.toBinary());
        assertEquals("""
                # ESP-IDF Partition Table
                # Name, Type, SubType, Offset, Size, Flags
                nvs,data,nvs,0x9000,24K,
                phy_init,data,phy,0xf000,4K,
                factory,app,factory,0x10000,1M,
                nvs_key,data,nvs_keys,0x110000,4K,encrypted
                """, back.toCsv());
    }

    @Test
    void rejectsCorruptMd5() {
        byte[] bin = parse(SINGLE_APP).toBinary();
        bin[4 * 32 + 20] ^= 1;
        assertTrue(assertThrows(EspfleetException.class, () -> PartitionTable.fromBinary(bin)).getMessage()
                .startsWith("partition table MD5 at offset 0x90 is "));
    }

    @Test
    void rejectsOverlapNamingTheLine() {
        assertEquals("partitions.csv:2: partition 'b': offset 0xa000 overlaps the previous partition, which ends at 0xf000",
                refusal("a,data,nvs,0x9000,0x6000\nb,data,phy,0xa000,0x1000\n"));
    }

    @Test
    void rejectsMisalignedApp() {
        assertEquals("partitions.csv:1: partition 'factory': offset 0x11000 is not aligned to 0x10000",
                refusal("factory,app,factory,0x11000,1M\n"));
    }

    @Test
    void rejectsDuplicateNames() {
        assertEquals("partitions.csv:2: partition 'nvs': the name is already used at line 1",
                refusal("nvs,data,nvs,,0x6000\nnvs,data,nvs,,0x6000\n"));
    }

    @Test
    void rejectsSmallWritableNvs() {
        assertTrue(refusal("nvs,data,nvs,,0x2000\n").contains("NVS partition of 0x2000 bytes is below the 0x3000 minimum"));
    }

    @Test
    void rejectsOtadataOfWrongSize() {
        assertEquals("partitions.csv:1: partition 'otadata': otadata must be 0x2000 bytes, got 0x1000",
                refusal("otadata,data,ota,,0x1000\n"));
    }

    @Test
    void rejectsUnknownSubtype() {
        assertTrue(refusal("x,data,nvram,,0x1000\n").startsWith("partitions.csv:1: partition 'x': subtype 'nvram' is not"));
    }

    @Test
    void rejectsPartitionBeyondFlash() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> parse(SINGLE_APP).checkFits(0x100000, "p.csv"));
        assertEquals("p.csv: partition 'factory' ends at 0x110000, beyond the 0x100000-byte flash", e.getMessage());
    }

    @Test
    void refusesAnEmptyTable() {
        assertEquals("partitions.csv: holds no partitions; expected lines name,type,subtype,offset,size[,flags]",
                assertThrows(EspfleetException.class, () -> PartitionTable.fromCsv("# only a comment\n\n",
                        "partitions.csv", PartitionTable.DEFAULT_OFFSET)).getMessage());
    }
}
