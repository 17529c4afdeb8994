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
import java.util.List;
import java.util.concurrent.TimeUnit;
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
                  ],
                  "problems": []
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
        assertEquals("wrote " + tmp.resolve("dev-thing-0001.bin") + "\nwrote " + tmp.resolve("dev-thing-0002.bin")
                + "\nwrote " + tmp.resolve("dev-thing-0003.bin") + "\n3 image(s) of 0x6000 bytes\n",
                r.out().replace(System.lineSeparator(), "\n"), "the images in row order, as paths in the output folder");
        for (String id : new String[] {"thing-0001", "thing-0002", "thing-0003"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("expected/dev-" + id + ".bin")),
                    Files.readAllBytes(tmp.resolve("dev-" + id + ".bin")), id);
        }
    }

    /** The bench writes its images as generate and provision write theirs (0600, synced), so its figure is theirs. */
    @Test
    void benchWritesImagesAsTheRealCommandsDoAndPrintsFigures() throws IOException {
        Path out = tmp.resolve("bench");
        Result r = run("nvs", "bench", "-n", "20", "--outdir", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("wrote 20 images of 0x6000 bytes to .* \\(mode 0600, each synced to disk, as nvs"
                + " generate and provision write them\\) in .* images/s, peak heap .* MB \\(1 thread\\(s\\)\\)\n"), r.out());
        try (var files = Files.list(out)) {
            List<Path> images = files.toList();
            assertEquals(20, images.size());
            for (Path image : images) {
                assertEquals("rw-------", mode(image), image.toString());
            }
        }
        assertEquals("rwx------", mode(out));
    }

    /** nvs_partition_gen.py stores a HEX2BIN value as its text: refused in one line, nothing written. */
    @Test
    void generateRefusesAnUpperCaseEncodingTheGeneratorWouldStoreOtherwise() throws IOException {
        Path in = csv("in.csv", "key,type,encoding,value\nn,namespace,,\ncert,data,HEX2BIN,0a0b\n");
        Path out = tmp.resolve("o.bin");
        Result r = run("nvs", "generate", in.toString(), out.toString(), "0x3000");
        assertEquals(2, r.exit());
        assertEquals("error: " + in + ":3: key 'cert': encoding 'HEX2BIN': nvs_partition_gen.py reads only lower-case"
                + " 'hex2bin' (it would store the text as is); write it in lower case\n", r.err());
        assertFalse(Files.exists(out));
    }

    private Path csv(String name, String body) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, body);
        return p;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void unclosedQuoteIsOneErrorLineNamingFileAndLine() throws IOException {
        Path in = csv("in.csv", "key,type,encoding,value\nn,namespace,,\npem,data,string,\"-----BEGIN\nabc\n");
        Result r = run("nvs", "generate", in.toString(), tmp.resolve("o.bin").toString(), "0x3000");
        assertEquals(2, r.exit());
        assertEquals("error: " + in + ":3: the quoted value that starts on this line has no closing quote (\")\n", r.err());
    }

    @Test
    void sizeWithAUnitSuffixIsRefusedAsNvsPartitionGenRefusesIt() throws IOException {
        Path in = VECTORS.resolve("size_0x3000/input.csv");
        for (String size : new String[] {"12k", "0x3000k", "24K"}) {
            Result r = run("nvs", "generate", in.toString(), tmp.resolve("o.bin").toString(), size);
            assertEquals(2, r.exit(), size);
            assertEquals("error: partition size '" + size + "' is not a number of bytes; give hex (0x6000) or decimal"
                    + " (24576), as nvs_partition_gen.py takes it (no K/M suffix)\n", r.err());
        }
        assertFalse(Files.exists(tmp.resolve("o.bin")));
    }

    /** An application writing two namespaces by turns leaves their items interleaved, as this CSV does. */
    @Test
    void dumpOfAnInterleavedImageGeneratesTheSameImage() throws IOException {
        Path in = csv("in.csv", "key,type,encoding,value\napp,namespace,,\nwifi,namespace,,\napp,namespace,,\n"
                + "boots,data,u32,7\nwifi,namespace,,\nssid,data,string,MyNet\napp,namespace,,\nname,data,string,unit-1\n");
        Path image = tmp.resolve("image.bin");
        assertEquals(0, run("nvs", "generate", in.toString(), image.toString(), "0x3000").exit());
        Result dump = run("nvs", "dump", image.toString());
        assertEquals(0, dump.exit(), dump.err());
        Path again = tmp.resolve("again.bin");
        Result r = run("nvs", "generate", csv("dump.csv", dump.out()).toString(), again.toString(), "0x3000");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(again));
    }

    @Test
    void dumpOfADamagedImageListsEveryProblemDumpsTheRestAndExitsOne() throws IOException {
        Path image = tmp.resolve("damaged.bin");
        byte[] bytes = Files.readAllBytes(VECTORS.resolve("size_0x3000/out.bin"));
        bytes[0x40 + 32 + 8] ^= 1; // entry 1 ('serial' header): CRC
        bytes[0x40 + 3 * 32 + 8] ^= 1; // entry 3 ('boot_count'): CRC
        Files.write(image, bytes);
        Result r = run("nvs", "dump", image.toString());
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("\nkey,type,encoding,value\ncfg,namespace,,\nmac,data,hex2bin,240ac4001122\n"), r.out());
        String[] err = r.err().split("\n");
        assertEquals(4, err.length, r.err()); // serial's header, its data entry read as a header, boot_count, summary
        assertTrue(err[0].startsWith(image + ": page 0 entry 1 (offset 0x60) has CRC 0x"), r.err());
        assertTrue(err[1].startsWith(image + ": page 0 entry 2 (offset 0x80) has CRC 0x"), r.err());
        assertTrue(err[2].startsWith(image + ": page 0 entry 3 (offset 0xa0) has CRC 0x"), r.err());
        assertEquals("error: " + image + ": 3 damaged page(s) or entries skipped (listed above); the other entries are"
                + " dumped", err[3]);
        Result json = run("nvs", "dump", "--json", image.toString());
        assertEquals(1, json.exit());
        assertTrue(json.out().contains("\"problems\": [\n    {\"page\": 0, \"entry\": 1, \"offset\": 96, \"message\":"
                + " \"page 0 entry 1 (offset 0x60) has CRC 0x"), json.out());
        assertEquals(3, json.out().split("\"message\"").length - 1);
    }

    /** Images may hold private keys: 0600 in folders created 0700 even under umask 000 (a child JVM gets it). */
    @Test
    void keyBearingOutputsAreOwnerOnlyUnderUmask000() throws Exception {
        Path dir = VECTORS.resolve("encrypted_inputkey");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cli = "\"" + java + "\" -cp \"" + System.getProperty("java.class.path") + "\" " + Main.class.getName();
        Path out = tmp.resolve("out");
        String script = "umask 000 && " + cli + " nvs encrypt " + dir.resolve("input.csv") + " " + out.resolve("enc/e.bin")
                + " 0x6000 --keygen --keyfile " + out.resolve("keys/k.bin")
                + " && " + cli + " nvs decrypt " + out.resolve("enc/e.bin") + " " + out.resolve("keys/k.bin") + " "
                + out.resolve("plain/p.bin")
                + " && " + cli + " nvs mfg " + VECTORS.resolve("mfg_small/config.csv") + " "
                + VECTORS.resolve("mfg_small/values.csv") + " dev 0x6000 --outdir " + out.resolve("mfg")
                + " && touch " + out.resolve("umask-check");
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the CLI runs finish");
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("log")));
        assertEquals("rw-rw-rw-", mode(out.resolve("umask-check")), "the umask really was 000");
        for (String file : new String[] {"enc/e.bin", "keys/k.bin", "plain/p.bin", "mfg/dev-1.bin", "mfg/dev-3.bin"}) {
            assertEquals("rw-------", mode(out.resolve(file)), file);
        }
        for (String folder : new String[] {"enc", "keys", "plain", "mfg"}) {
            assertEquals("rwx------", mode(out.resolve(folder)), folder);
        }
    }

    @Test
    void anOutputThatIsAFolderIsRefusedWithNothingWritten() throws IOException {
        Path folder = Files.createDirectory(tmp.resolve("image.bin"));
        Result r = run("nvs", "encrypt", VECTORS.resolve("size_0x3000/input.csv").toString(), folder.toString(), "0x3000",
                "--keygen", "--keyfile", tmp.resolve("k.bin").toString());
        assertEquals(2, r.exit());
        assertEquals("error: " + folder + ": is a folder; give the path of the file to write\n", r.err());
        assertFalse(Files.exists(tmp.resolve("k.bin")), "no key file written either");
        Result decrypt = run("nvs", "decrypt", VECTORS.resolve("encrypted_inputkey/out.bin").toString(),
                VECTORS.resolve("encrypted_inputkey/nvs_keys.bin").toString(), folder.toString());
        assertEquals(2, decrypt.exit());
        try (var left = Files.list(tmp)) {
            assertEquals(1, left.count(), "nothing beside the folder");
        }
    }

    @Test
    void mfgRefusesAPathAsPrefixAndAFileAsOutputFolder() throws IOException {
        Path dir = VECTORS.resolve("mfg_small");
        Result r = run("nvs", "mfg", dir.resolve("config.csv").toString(), dir.resolve("values.csv").toString(),
                "../dev", "0x6000", "--outdir", tmp.resolve("out").toString());
        assertEquals(2, r.exit());
        assertEquals("error: PREFIX '../dev' must be letters, digits, '.', '_' or '-', not starting with '.': it names"
                + " the image files inside the output folder\n", r.err());
        Path file = csv("out", "a file");
        Result f = run("nvs", "mfg", dir.resolve("config.csv").toString(), dir.resolve("values.csv").toString(), "dev",
                "0x6000", "--outdir", file.toString());
        assertEquals(2, f.exit());
        assertEquals("error: output folder " + file + " is a file, not a folder\n", f.err());
    }

    @Test
    void mfgRefusesAKeyListedTwiceInOneNamespace() throws IOException {
        Path config = csv("config.csv", "app,namespace,\nk,data,u8\nk,data,u8\n");
        Path values = csv("values.csv", "id,k,k\n1,5,6\n");
        Result r = run("nvs", "mfg", config.toString(), values.toString(), "dev", "0x3000", "--outdir",
                tmp.resolve("out").toString());
        assertEquals(2, r.exit());
        assertEquals("error: " + config + ":3: key 'k' is already listed in namespace 'app' at " + config + ":2; a key is"
                + " set once per namespace\n", r.err());
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void endlessOrHugeInputsAreRefusedUnread() throws Exception {
        Result zero = run("nvs", "dump", "/dev/zero");
        assertEquals(2, zero.exit());
        assertEquals("error: /dev/zero: not a regular file (a device, pipe or socket); the NVS image must be a file\n",
                zero.err());
        Result csv = run("nvs", "generate", "/dev/zero", tmp.resolve("o.bin").toString(), "0x3000");
        assertEquals("error: /dev/zero: not a regular file (a device, pipe or socket); the CSV must be a file\n", csv.err());
        Result key = run("nvs", "decrypt", VECTORS.resolve("encrypted_inputkey/out.bin").toString(), "/dev/zero",
                tmp.resolve("p.bin").toString());
        assertEquals("error: /dev/zero: not a regular file (a device, pipe or socket); the key file must be a file\n",
                key.err());
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Result pipe = run("nvs", "dump", fifo.toString());
        assertEquals(2, pipe.exit());
        Path huge = tmp.resolve("huge.bin");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 40); // sparse: a terabyte that takes no disk
        }
        Result big = run("nvs", "dump", huge.toString());
        assertEquals(2, big.exit());
        assertEquals("error: " + huge + ": 1099511627776 bytes; a NVS image is at most 16777216 bytes (0x1000000)\n",
                big.err());
        Result bigCsv = run("nvs", "generate", huge.toString(), tmp.resolve("o.bin").toString(), "0x3000");
        assertEquals("error: " + huge + ": 1099511627776 bytes; a CSV is at most 8388608 bytes (0x800000)\n", bigCsv.err());
        assertFalse(Files.exists(tmp.resolve("o.bin")));
    }
}
