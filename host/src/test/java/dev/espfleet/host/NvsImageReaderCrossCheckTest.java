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

    /**
     * What the runtime writes back into a flash file (nvs_image_write) is an NVS image the Java reader, an
     * implementation of its own, reads item for item, with no problem, and the C reader reads back the same.
     */
    @Test
    void imagesTheRuntimeWritesBackAreReadByTheJavaReader() throws Exception {
        List<NvsEntry> entries = everyKindOfItem();
        Path original = Files.createTempFile(dir, "original", ".bin");
        Files.write(original, NvsPartitionWriter.write(entries, 0x6000, NvsVersion.V2));
        Path rewritten = dir.resolve("rewritten.bin");
        Process p = new ProcessBuilder(dump.toString(), "--rewrite", original.toString(), rewritten.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        byte[] image = Files.readAllBytes(rewritten);
        dev.espfleet.nvs.NvsImage read = dev.espfleet.nvs.NvsPartitionReader.read(image);
        assertEquals(List.of(), read.problems());
        java.util.Comparator<NvsEntry> byName = java.util.Comparator.comparing((NvsEntry e) -> e.namespace() + "/" + e.key());
        assertEquals(entries.stream().filter(e -> !e.isNamespaceDeclaration()).sorted(byName).toList(),
                read.items().stream().sorted(byName).toList());
        assertEquals(readWithC(Files.readAllBytes(original)), readWithC(image));
    }

    /**
     * The runtime over a flash file (what a simulated chip's app runs with): a string written through nvs.h goes
     * back into the file at the partition's offset, where the Java reader finds it beside what was flashed.
     */
    @Test
    void runtimeWritesNvsBackIntoTheFlashFile() throws Exception {
        Path writer = dir.resolve("flash_nvs_write");
        List<String> sources = List.of("shared/nvs_image.c", "shared/nvs_store.c", "shared/esp_err.c",
                "shared/nvs_sec.c", "runtime/nvs_runtime.c", "tests/flash_nvs_write.c");
        List<String> gcc = new ArrayList<>(List.of("gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror", "-O1", "-g",
                "-pthread", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-I",
                HOST.resolve("include").toString(), "-I", HOST.resolve("shared").toString(), "-I",
                HOST.resolve("runtime").toString()));
        sources.forEach(s -> gcc.add(HOST.resolve(s).toString()));
        gcc.addAll(List.of("-lcrypto", "-o", writer.toString()));
        Process build = new ProcessBuilder(gcc).redirectErrorStream(true).start();
        String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, build.waitFor(), log);

        int certsOffset = 0x12000;
        byte[] flash = new byte[0x20000];
        java.util.Arrays.fill(flash, (byte) 0xFF);
        byte[] table = new dev.espfleet.nvs.PartitionTable(List.of(
                new dev.espfleet.nvs.PartitionEntry("nvs", 1, 2, 0x9000, 0x6000, false, false, 0),
                new dev.espfleet.nvs.PartitionEntry("certs", 1, 2, certsOffset, 0x6000, false, false, 0))).toBinary();
        System.arraycopy(table, 0, flash, 0x8000, table.length);
        List<NvsEntry> flashed = List.of(NvsEntry.namespace("identity"), NvsEntry.string("identity", "thing_name",
                "dev-001"));
        byte[] certs = NvsPartitionWriter.write(flashed, 0x6000, NvsVersion.V2);
        System.arraycopy(certs, 0, flash, certsOffset, certs.length);
        Path file = dir.resolve("flash.bin");
        Files.write(file, flash);

        Process run = new ProcessBuilder(writer.toString(), file.toString(), "certs", "wifi", "ssid", "written-by-app")
                .redirectErrorStream(true).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, run.waitFor(), out);
        byte[] after = Files.readAllBytes(file);
        dev.espfleet.nvs.NvsImage image = dev.espfleet.nvs.NvsPartitionReader.read(
                java.util.Arrays.copyOfRange(after, certsOffset, certsOffset + 0x6000));
        assertEquals(List.of(), image.problems());
        assertTrue(image.items().contains(NvsEntry.string("identity", "thing_name", "dev-001")), image.items().toString());
        assertTrue(image.items().contains(NvsEntry.string("wifi", "ssid", "written-by-app")), image.items().toString());
        // nothing outside the partition changed
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(after, certsOffset), java.util.Arrays.copyOf(flash,
                certsOffset)));
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
