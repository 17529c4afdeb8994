package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dumps of images as devices leave them: interleaved namespaces, reordered pages, damage. */
class NvsDumpTest {
    @TempDir
    Path tmp;

    /** Items of two namespaces interleaved, as an application writing both leaves them. */
    private static List<NvsEntry> interleaved() {
        return List.of(NvsEntry.namespace("app"), NvsEntry.namespace("wifi"),
                NvsEntry.integer("app", "boots", NvsType.U32, 7),
                NvsEntry.string("wifi", "ssid", "MyNet"),
                NvsEntry.string("app", "name", "unit-1"),
                NvsEntry.blob("wifi", "bssid", new byte[] {1, 2, 3, 4, 5, 6}));
    }

    private byte[] regenerate(String csv, int size) throws IOException {
        Path p = tmp.resolve("dump.csv");
        Files.writeString(p, csv);
        return NvsCsv.generate(List.of(p), size, NvsVersion.V2, null);
    }

    @Test
    void dumpOfInterleavedNamespacesGeneratesTheSameImage() throws IOException {
        byte[] image = NvsPartitionWriter.write(interleaved(), 0x3000, NvsVersion.V2);
        String csv = NvsDump.csv(NvsPartitionReader.read(image));
        assertEquals("""
                # NVS version 2, 0x3000 bytes, 1 page(s) in use
                key,type,encoding,value
                app,namespace,,
                wifi,namespace,,
                app,namespace,,
                boots,data,u32,7
                wifi,namespace,,
                ssid,data,string,MyNet
                app,namespace,,
                name,data,string,unit-1
                wifi,namespace,,
                bssid,data,hex2bin,010203040506
                """, csv);
        Vectors.assertSameBytes(image, regenerate(csv, 0x3000), "image regenerated from its dump");
    }

    /**
     * A device that rewrote pages: the page with the items (sequence 0) is read before the page holding
     * their namespace's entry (sequence 1). ESP-IDF finds the namespace anyway; so does the reader.
     */
    @Test
    void readsItemsThatStandBeforeTheirNamespaceEntry() throws IOException {
        List<NvsEntry> entries = new ArrayList<>();
        entries.add(NvsEntry.namespace("a"));
        for (int i = 0; i < 100; i++) { // two pages
            entries.add(NvsEntry.string("a", "k" + i, "value " + i));
        }
        byte[] image = NvsPartitionWriter.write(entries, 0x4000, NvsVersion.V2);
        setSequence(image, 0, 1);
        setSequence(image, 1, 0);
        NvsImage read = NvsPartitionReader.read(image);
        assertEquals(entries.subList(1, entries.size()).stream().map(NvsEntry::key).sorted().toList(),
                read.items().stream().map(NvsEntry::key).sorted().toList());
        List<NvsEntry> again = NvsPartitionReader.read(regenerate(NvsDump.csv(read), 0x4000)).items();
        assertEquals(read.items(), again);
    }

    @Test
    void checkReportsEveryDamagedEntryAndPageAndKeepsTheRest() {
        List<NvsEntry> entries = new ArrayList<>();
        entries.add(NvsEntry.namespace("a"));
        for (int i = 0; i < 200; i++) { // three pages
            entries.add(NvsEntry.string("a", "k" + i, "value " + i));
        }
        byte[] image = NvsPartitionWriter.write(entries, 0x5000, NvsVersion.V2);
        List<NvsEntry> sound = NvsPartitionReader.read(image).items();
        // page 0: entry 0 the namespace, then k0, k1, ... of two entries each (header, data)
        image[NvsLayout.entryOffset(0, 5) + NvsLayout.ENTRY_KEY_OFFSET] ^= 1; // k2's header
        image[NvsLayout.entryOffset(0, 10) + 3] ^= 1;                         // k4's data
        image[NvsLayout.PAGE_SIZE + NvsLayout.PAGE_SEQUENCE_OFFSET] ^= 1;     // page 1's header

        NvsImage checked = NvsPartitionReader.check(image, null);
        // a bad header CRC makes its span untrustworthy: like ESP-IDF, the reader skips one entry and
        // then meets k2's data entry as a header, whose CRC is bad too
        assertEquals(List.of(
                "page 0 entry 5 (offset 0xe0) has CRC 0x" + hex(image, NvsLayout.entryOffset(0, 5)) + ", computed 0x"
                        + String.format("%08x", NvsCrc32.ofEntry(image, NvsLayout.entryOffset(0, 5))),
                "page 0 entry 6 (offset 0x100) has CRC 0x" + hex(image, NvsLayout.entryOffset(0, 6)) + ", computed 0x"
                        + String.format("%08x", NvsCrc32.ofEntry(image, NvsLayout.entryOffset(0, 6))),
                "page 0 entry 9 (offset 0x160, key 'k4') data CRC is 0x" + hex(image, NvsLayout.entryOffset(0, 9)
                        + NvsLayout.VARLEN_CRC_OFFSET) + ", computed 0x"
                        + String.format("%08x", NvsCrc32.of(image, NvsLayout.entryOffset(0, 10), 8))
                        + " over 8 bytes at 0x180",
                "page 1 header CRC is 0x" + hex(image, NvsLayout.PAGE_SIZE + NvsLayout.PAGE_CRC_OFFSET) + " at offset 0x101c,"
                        + " computed 0x" + String.format("%08x", NvsCrc32.of(image, NvsLayout.PAGE_SIZE + 4, 24))),
                checked.problems().stream().map(NvsProblem::message).toList());
        // 62 strings of two entries fit a page before its last entry: page 1 holds k62..k123
        List<NvsEntry> expected = sound.stream().filter(e -> !List.of("k2", "k4").contains(e.key()))
                .filter(e -> Integer.parseInt(e.key().substring(1)) < 62 || Integer.parseInt(e.key().substring(1)) >= 124)
                .toList();
        assertEquals(expected, checked.items());
        assertEquals(4, checked.usedPages(), "pages in use, the damaged one included");
        EspfleetException strict = assertThrows(EspfleetException.class, () -> NvsPartitionReader.read(image));
        assertTrue(strict.getMessage().startsWith("page 0 entry 5 (offset 0xe0) has CRC")
                && strict.getMessage().endsWith(" (and 3 more problem(s))"), strict.getMessage());
    }

    @Test
    void dumpListsProblemsAsCommentsAndInJson() {
        byte[] image = NvsPartitionWriter.write(interleaved(), 0x3000, NvsVersion.V2);
        image[NvsLayout.entryOffset(0, 2) + NvsLayout.ENTRY_KEY_OFFSET] ^= 1; // 'boots'
        NvsImage checked = NvsPartitionReader.check(image, null);
        String problem = "page 0 entry 2 (offset 0x80) has CRC 0x" + hex(image, NvsLayout.entryOffset(0, 2))
                + ", computed 0x" + String.format("%08x", NvsCrc32.ofEntry(image, NvsLayout.entryOffset(0, 2)));
        assertTrue(NvsDump.csv(checked).startsWith("# NVS version 2, 0x3000 bytes, 1 page(s) in use\n# problem: "
                + problem + "\nkey,type,encoding,value\n"), NvsDump.csv(checked));
        assertTrue(NvsDump.json(checked).endsWith("\"problems\": [\n    {\"page\": 0, \"entry\": 2, \"offset\": 128,"
                + " \"message\": \"" + problem + "\"}\n  ]\n}\n"), NvsDump.json(checked));
    }

    @Test
    void anImageWithNoGoodEntryIsRefusedAsEncryptedOrWrongKey() {
        byte[] image = NvsPartitionWriter.write(interleaved(), 0x3000, NvsVersion.V2,
                NvsEncryptionKeys.generate(new java.security.SecureRandom()));
        EspfleetException e = assertThrows(EspfleetException.class, () -> NvsPartitionReader.check(image, null));
        assertTrue(e.getMessage().startsWith("none of the image's 10 written entries has a good CRC (the first: page 0"
                + " entry 0"), e.getMessage());
        assertEquals("is the image encrypted? give its key with --keyfile", e.hint().orElseThrow());
    }

    private static void setSequence(byte[] image, int page, int sequence) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int base = page * NvsLayout.PAGE_SIZE;
        b.putInt(base + NvsLayout.PAGE_SEQUENCE_OFFSET, sequence);
        b.putInt(base + NvsLayout.PAGE_CRC_OFFSET, NvsCrc32.of(image, base + NvsLayout.PAGE_CRC_START,
                NvsLayout.PAGE_CRC_END - NvsLayout.PAGE_CRC_START));
    }

    /** The stored CRC of the entry at {@code at}, or (at a CRC field's own offset) that field's value. */
    private static String hex(byte[] image, int at) {
        int field = (at - NvsLayout.FIRST_ENTRY_OFFSET) % NvsLayout.ENTRY_SIZE == 0 ? at + NvsLayout.ENTRY_CRC_OFFSET : at;
        return String.format("%08x", ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(field));
    }
}
