package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class NvsCommandTest {
    private static final Path VECTORS = Path.of(System.getProperty("nvs.vectors", "../nvs/src/test/resources/nvs-vectors"));

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void generateWritesTheVectorImage() throws IOException {
        Path out = tmp.resolve("out.bin");
        Result r = run("nvs", "generate", VECTORS.resolve("blob_v1_max/input.csv").toString(), out.toString(), "0x3000",
                "--version", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("wrote " + out + ": 0x3000 bytes, NVS version 1"), r.out());
        assertArrayEquals(Files.readAllBytes(VECTORS.resolve("blob_v1_max/out.bin")), Files.readAllBytes(out));
    }

    @Test
    void generateTakesOptionsBetweenPositionals() throws IOException {
        Path out = tmp.resolve("out.bin");
        Result r = run("nvs", "generate", VECTORS.resolve("string_max_v1/input.csv").toString(), out.toString(),
                "--version", "1", "0x3000");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(VECTORS.resolve("string_max_v1/out.bin")), Files.readAllBytes(out));
    }

    @Test
    void generateWithTooFewArgumentsIsAUsageError() {
        Result r = run("nvs", "generate", "in.csv", "out.bin");
        assertEquals(2, r.exit());
        assertEquals("error: expected CSV... OUTPUT SIZE, got 2 argument(s)\nhint: see 'espfleet nvs generate --help'\n",
                r.err());
    }

    @Test
    void generateTakesDecimalSize() throws IOException {
        Path out = tmp.resolve("out.bin");
        assertEquals(0, run("nvs", "generate", VECTORS.resolve("size_0x6000/input.csv").toString(), out.toString(),
                "24576").exit());
        assertArrayEquals(Files.readAllBytes(VECTORS.resolve("size_0x6000/out.bin")), Files.readAllBytes(out));
    }

    @Test
    void refusedCsvExitsTwoWithOneErrorLineAndNoFile() {
        Path out = tmp.resolve("bad.bin");
        Result r = run("nvs", "generate", VECTORS.resolve("reject/err_u64_2pow64/input.csv").toString(), out.toString(),
                "0x3000");
        assertEquals(2, r.exit());
        assertEquals("error: " + VECTORS.resolve("reject/err_u64_2pow64/input.csv")
                + ":3: key 'v': u64 value 18446744073709551616 is out of range 0..18446744073709551615\n", r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void dumpListsTheCsvContent() {
        Result r = run("nvs", "dump", VECTORS.resolve("size_0x3000/out.bin").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                # NVS version 2, 0x3000 bytes, 1 page(s) in use
                key,type,encoding,value
                cfg,namespace,,
                serial,data,string,SN-000123
                boot_count,data,u32,0
                mac,data,hex2bin,240ac4001122
                """, r.out());
    }

    @Test
    void dumpJsonGivesTypedValues() {
        Result r = run("nvs", "dump", "--json", VECTORS.resolve("size_0x3000/out.bin").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                {
                  "version": 2,
                  "size": 12288,
                  "usedPages": 1,
                  "namespaces": ["cfg"],
                  "entries": [
                    {"namespace": "cfg", "key": "serial", "type": "string", "value": "SN-000123", "size": 10},
                    {"namespace": "cfg", "key": "boot_count", "type": "u32", "value": 0},
                    {"namespace": "cfg", "key": "mac", "type": "blob", "value": "240ac4001122", "size": 6}
                  ]
                }
                """, r.out());
    }

    @Test
    void dumpOutputGeneratesTheSameImage() throws IOException {
        Path csv = tmp.resolve("dump.csv");
        Files.writeString(csv, run("nvs", "dump", VECTORS.resolve("strings/out.bin").toString()).out());
        Path out = tmp.resolve("again.bin");
        assertEquals(0, run("nvs", "generate", csv.toString(), out.toString(), "0x3000").exit());
        assertArrayEquals(Files.readAllBytes(VECTORS.resolve("strings/out.bin")), Files.readAllBytes(out));
    }

    @Test
    void encryptWithInputKeyMatchesVectorAndDumpsWithKey() throws IOException {
        Path dir = VECTORS.resolve("encrypted_inputkey");
        Path out = tmp.resolve("enc.bin");
        Result r = run("nvs", "encrypt", dir.resolve("input.csv").toString(), out.toString(), "0x6000",
                "--inputkey", dir.resolve("nvs_keys.bin").toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("out.bin")), Files.readAllBytes(out));
        Result plain = run("nvs", "dump", out.toString(), "--keyfile", dir.resolve("nvs_keys.bin").toString());
        assertEquals(0, plain.exit(), plain.err());
        assertTrue(plain.out().contains("thing_name,data,string,my-esp32-thing-0001\n"), plain.out());
    }

    @Test
    void dumpOfEncryptedImageWithoutKeyHintsAtTheKey() {
        Result r = run("nvs", "dump", VECTORS.resolve("encrypted_inputkey/out.bin").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("hint: is the image encrypted? give its key with --keyfile"), r.err());
    }

    @Test
    void decryptRestoresThePlainImage() throws IOException {
        Path dir = VECTORS.resolve("encrypted_inputkey");
        Path out = tmp.resolve("plain.bin");
        Result r = run("nvs", "decrypt", dir.resolve("out.bin").toString(), dir.resolve("nvs_keys.bin").toString(),
                out.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("plain.bin")), Files.readAllBytes(out));
    }

    @Test
    void keygenWritesAPrivateKeyPartitionAndNeverOverwritesIt() throws IOException {
        Path keys = tmp.resolve("keys/nvs_keys.bin");
        assertEquals(0, run("nvs", "keygen", "--keyfile", keys.toString()).exit());
        assertEquals(4096, Files.size(keys));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)));
        byte[] first = Files.readAllBytes(keys);
        Result again = run("nvs", "keygen", "--keyfile", keys.toString());
        assertEquals(2, again.exit());
        assertArrayEquals(first, Files.readAllBytes(keys));
    }

    @Test
    void encryptWithKeygenWritesKeysThatDecryptTheImage() {
        Path out = tmp.resolve("enc.bin");
        Path keys = tmp.resolve("k.bin");
        Result r = run("nvs", "encrypt", VECTORS.resolve("size_0x3000/input.csv").toString(), out.toString(), "0x3000",
                "--keygen", "--keyfile", keys.toString());
        assertEquals(0, r.exit(), r.err());
        Result dump = run("nvs", "dump", out.toString(), "--keyfile", keys.toString());
        assertTrue(dump.out().contains("serial,data,string,SN-000123\n"), dump.out() + dump.err());
    }

    @Test
    void encryptWithoutKeySourceIsRefused() {
        Result r = run("nvs", "encrypt", VECTORS.resolve("size_0x3000/input.csv").toString(),
                tmp.resolve("x.bin").toString(), "0x3000");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: encryption needs --inputkey FILE, --keygen or --hmac-key FILE"), r.err());
    }

    @Test
    void mfgWritesTheExpectedImages() throws IOException {
        Path dir = VECTORS.resolve("mfg_small");
        Result r = run("nvs", "mfg", dir.resolve("config.csv").toString(), dir.resolve("values.csv").toString(), "dev",
                "0x6000", "--fileid", "thing_name", "--outdir", tmp.toString());
        assertEquals(0, r.exit(), r.err());
        for (String id : new String[] {"thing-0001", "thing-0002", "thing-0003"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("expected/dev-" + id + ".bin")),
                    Files.readAllBytes(tmp.resolve("dev-" + id + ".bin")), id);
        }
    }

    @Test
    void benchWritesImagesAndPrintsFigures() throws IOException {
        Result r = run("nvs", "bench", "-n", "20", "--outdir", tmp.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("wrote 20 images of 0x6000 bytes to .* images/s, peak heap .* MB \\(1 thread\\(s\\)\\)\n"),
                r.out());
        try (var files = Files.list(tmp)) {
            assertEquals(20, files.count());
        }
    }
}
