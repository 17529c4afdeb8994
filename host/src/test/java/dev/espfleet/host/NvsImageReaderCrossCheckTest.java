package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsLayout;
import dev.espfleet.nvs.NvsPartitionWriter;
import dev.espfleet.nvs.NvsType;
import dev.espfleet.nvs.NvsVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two implementations of the NVS format check each other: images from espfleet's Java writer are read by
 * the independent C reader the host runtime serves images with (host/shared/nvs_image.c), which must find
 * every item with its exact value and refuse corrupted entries by their CRC.
 */
class NvsImageReaderCrossCheckTest {
    static final Path HOST = Path.of("").toAbsolutePath();

    @TempDir
    static Path dir;
    static Path dump;

    @BeforeAll
    static void buildTheCReader() throws Exception {
        dump = dir.resolve("nvs_image_dump");
        Process gcc = new ProcessBuilder("gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror", "-O1", "-g",
                "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-I", HOST.resolve("shared").toString(),
                HOST.resolve("shared/nvs_image.c").toString(), HOST.resolve("tests/nvs_image_dump.c").toString(),
                "-o", dump.toString()).redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), out);
    }

    private static List<String> readWithC(byte[] image) throws Exception {
        Path file = Files.createTempFile(dir, "image", ".bin");
        Files.write(file, image);
        Process p = new ProcessBuilder(dump.toString(), file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().toList();
    }

    /** What the C reader must print for an entry: primitives by value, strings with their NUL, blobs whole. */
    private static String expected(NvsEntry e) {
        HexFormat hex = HexFormat.of();
        if (e.type() == NvsType.STRING) {
            return e.namespace() + " " + e.key() + " 21 0 " + hex.formatHex(e.data());
        }
        if (e.type() == NvsType.BLOB) {
            return e.namespace() + " " + e.key() + " 41 0 " + hex.formatHex(e.data());
        }
        long bits = e.number() & (e.type().width() == 8 ? -1L : (1L << (8 * e.type().width())) - 1);
        return String.format("%s %s %02x %s -", e.namespace(), e.key(), e.type().wire(), Long.toUnsignedString(bits));
    }

    static List<NvsEntry> everyKindOfItem() {
        Random random = new Random(7);
        byte[] bigBlob = new byte[9000]; // three chunks on three pages
        random.nextBytes(bigBlob);
        byte[] smallBlob = {1, 2, 3, 0, (byte) 0xFF};
        List<NvsEntry> entries = new ArrayList<>(List.of(
                NvsEntry.namespace("identity"),
                NvsEntry.string("identity", "thing_name", "dev-001"),
                NvsEntry.string("identity", "device_cert", "-----BEGIN CERTIFICATE-----\n" + "A".repeat(700) + "\n"),
                NvsEntry.integer("identity", "u8", NvsType.U8, 255),
                NvsEntry.integer("identity", "i8", NvsType.I8, -128),
                NvsEntry.integer("identity", "u16", NvsType.U16, 65535),
                NvsEntry.integer("identity", "i16", NvsType.I16, -2),
                NvsEntry.integer("identity", "u32", NvsType.U32, 4_000_000_000L),
                NvsEntry.integer("identity", "i32", NvsType.I32, Integer.MIN_VALUE),
                NvsEntry.integer("identity", "u64", NvsType.U64, -1L),
                NvsEntry.integer("identity", "i64", NvsType.I64, Long.MIN_VALUE),
                NvsEntry.namespace("wifi"),
                NvsEntry.string("wifi", "ssid", "bench"),
                NvsEntry.string("wifi", "long", "x".repeat(3967)),
                NvsEntry.blob("wifi", "small_blob", smallBlob),
                NvsEntry.blob("wifi", "big_blob", bigBlob)));
        return entries;
    }

    @Test
    void cReaderFindsEveryItemTheJavaWriterWrote() throws Exception {
        List<NvsEntry> entries = everyKindOfItem();
        byte[] image = NvsPartitionWriter.write(entries, 0x6000, NvsVersion.V2);
        List<String> lines = readWithC(image);
        assertEquals("bad_page_headers=0 bad_entries=0", lines.get(lines.size() - 1));
        List<String> expected = entries.stream().filter(e -> !e.isNamespaceDeclaration())
                .map(NvsImageReaderCrossCheckTest::expected).sorted().toList();
        assertEquals(expected, lines.subList(0, lines.size() - 1).stream().sorted().toList());
    }

    @Test
    void cReaderSkipsAnEntryWhoseDataFailsItsCrc() throws Exception {
        List<NvsEntry> entries = List.of(NvsEntry.namespace("identity"),
                NvsEntry.string("identity", "thing_name", "dev-001"),
                NvsEntry.string("identity", "endpoint", "localhost"));
        byte[] image = NvsPartitionWriter.write(entries, 0x3000, NvsVersion.V2);
        // entries: 0 namespace, 1 thing_name header, 2 its data; corrupt the first data byte
        image[NvsLayout.entryOffset(0, 2)] ^= 0x01;
        List<String> lines = readWithC(image);
        assertEquals("bad_page_headers=0 bad_entries=1", lines.get(lines.size() - 1));
        assertEquals(1, lines.size() - 1, String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("identity endpoint 21 "), lines.get(0));
    }

    @Test
    void cReaderSkipsAPageWhoseHeaderFailsItsCrc() throws Exception {
        byte[] image = NvsPartitionWriter.write(List.of(NvsEntry.namespace("identity"),
                NvsEntry.string("identity", "thing_name", "dev-001")), 0x3000, NvsVersion.V2);
        image[NvsLayout.PAGE_SEQUENCE_OFFSET] ^= 0x01;
        List<String> lines = readWithC(image);
        assertEquals(List.of("bad_page_headers=1 bad_entries=0"), lines);
    }
}
