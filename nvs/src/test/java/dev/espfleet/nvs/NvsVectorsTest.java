package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Every reference vector reproduced byte for byte; every reject case refused with no file left behind. */
class NvsVectorsTest {
    @TempDir
    Path tmp;

    /** Parsed {@code generate [--version N] CSV... OUT SIZE}. */
    record Generate(NvsVersion version, List<Path> csvs, String out, int size) {
        static Generate parse(Path dir) {
            List<String> args = new ArrayList<>(Vectors.args(dir));
            args.remove(0); // generate / encrypt
            NvsVersion version = NvsVersion.V2;
            int v = args.indexOf("--version");
            if (v >= 0) {
                version = NvsVersion.of(Integer.parseInt(args.get(v + 1)));
                args.remove(v + 1);
                args.remove(v);
            }
            int k = args.indexOf("--inputkey");
            if (k >= 0) {
                args.remove(k + 1);
                args.remove(k);
            }
            int size = Integer.decode(args.get(args.size() - 1));
            String out = args.get(args.size() - 2);
            List<Path> csvs = args.subList(0, args.size() - 2).stream().map(dir::resolve).toList();
            return new Generate(version, csvs, out, size);
        }
    }

    @TestFactory
    Stream<DynamicTest> writesEachVectorByteForByte() {
        return Vectors.cases("").stream()
                .filter(d -> Vectors.args(d).get(0).equals("generate"))
                .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    Generate g = Generate.parse(dir);
                    byte[] image = NvsCsv.generate(g.csvs(), g.size(), g.version(), null);
                    Vectors.assertSameBytes(Vectors.bytes(dir.resolve(g.out())), image, dir.getFileName() + "/" + g.out());
                }));
    }

    @TestFactory
    Stream<DynamicTest> readsBackEachVectorAsItsCsv() {
        return Vectors.cases("").stream()
                .filter(d -> Vectors.args(d).get(0).equals("generate"))
                .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    Generate g = Generate.parse(dir);
                    List<NvsEntry> expected = NvsCsv.read(g.csvs()).stream().map(NvsCsv.Row::entry).toList();
                    NvsImage image = NvsPartitionReader.read(Vectors.bytes(dir.resolve(g.out())));
                    assertEquals(expected, image.entries());
                    assertEquals(g.version(), image.version());
                }));
    }

    @Test
    void writesPlainImageOfEncryptedVector() {
        Path dir = Vectors.dir("encrypted_inputkey");
        Generate g = Generate.parse(dir);
        byte[] image = NvsCsv.generate(g.csvs(), g.size(), g.version(), null);
        Vectors.assertSameBytes(Vectors.bytes(dir.resolve("plain.bin")), image, "encrypted_inputkey/plain.bin");
    }

    @Test
    void encryptsWithInputKeyByteForByte() {
        Path dir = Vectors.dir("encrypted_inputkey");
        Generate g = Generate.parse(dir);
        NvsEncryptionKeys keys = NvsEncryptionKeys.fromKeyPartition(Vectors.bytes(dir.resolve("nvs_keys.bin")));
        byte[] image = NvsCsv.generate(g.csvs(), g.size(), g.version(), keys);
        Vectors.assertSameBytes(Vectors.bytes(dir.resolve("out.bin")), image, "encrypted_inputkey/out.bin");
    }

    @Test
    void readsEncryptedVectorWithItsKey() {
        Path dir = Vectors.dir("encrypted_inputkey");
        NvsEncryptionKeys keys = NvsEncryptionKeys.fromKeyPartition(Vectors.bytes(dir.resolve("nvs_keys.bin")));
        List<NvsEntry> expected = NvsCsv.read(Generate.parse(dir).csvs()).stream().map(NvsCsv.Row::entry).toList();
        assertEquals(expected, NvsPartitionReader.read(Vectors.bytes(dir.resolve("out.bin")), keys).entries());
    }

    @Test
    void keyPartitionRoundTripsThroughItsCrc() {
        byte[] partition = Vectors.bytes(Vectors.dir("encrypted_inputkey").resolve("nvs_keys.bin"));
        Vectors.assertSameBytes(partition, NvsEncryptionKeys.fromKeyPartition(partition).toKeyPartition(), "nvs_keys.bin");
    }

    @TestFactory
    Stream<DynamicTest> refusesEachRejectCaseWithoutLeavingAFile() {
        return Vectors.cases("reject").stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Generate g = Generate.parse(dir);
            Path out = tmp.resolve(dir.getFileName() + ".bin");
            EspfleetException e = assertThrows(EspfleetException.class,
                    () -> NvsCsv.generateFile(g.csvs(), out, g.size(), g.version(), null));
            assertEquals(ExitStatus.BAD_INPUT, e.status());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            if (!dir.getFileName().toString().equals("err_size_not_multiple")) {
                assertTrue(e.getMessage().matches(".*input\\.csv:\\d+: (key|namespace) '[^']+'[: ].*"), e.getMessage());
            }
            assertFalse(Files.exists(out), "no output file");
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(0, left.count(), "no temporary file left");
            }
        }));
    }

    @Test
    void rejectMessagesNameLineKeyAndLimit() throws IOException {
        assertEquals(message("err_key_16chars"),
                Vectors.dir("reject/err_key_16chars/input.csv") + ":3: key 'sixteen_chars_xx' is 16 bytes; NVS keys and namespaces are at most 15 bytes");
        assertTrue(message("err_namespace_16chars").endsWith(":2: namespace 'namespace_16char' is 16 bytes;"
                + " NVS keys and namespaces are at most 15 bytes"), message("err_namespace_16chars"));
        assertTrue(message("err_u8_256").endsWith(":3: key 'v': u8 value 256 is out of range 0..255"));
        assertTrue(message("err_u8_negative").endsWith(":3: key 'v': u8 value -1 is out of range 0..255"));
        assertTrue(message("err_string_4000").contains(":3: key 's': string of 4001 bytes including its NUL exceeds"
                + " the 3968-byte limit"), message("err_string_4000"));
        assertTrue(message("err_partition_too_small").contains(":254: key 'onemore': partition of 0x3000 bytes is full"),
                message("err_partition_too_small"));
        assertTrue(message("err_size_not_multiple").contains("0x3100"));
    }

    private static String message(String reject) {
        Generate g = Generate.parse(Vectors.dir("reject/" + reject));
        return assertThrows(EspfleetException.class, () -> NvsCsv.generate(g.csvs(), g.size(), g.version(), null))
                .getMessage();
    }
}
