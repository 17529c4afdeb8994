package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvsMfgTest {
    @TempDir
    Path tmp;

    /** The images a run wrote, in the order it reported them. */
    private static List<Path> generate(Path config, Path values, String prefix, String fileIdKey, Path outDir, int size,
            NvsVersion version, NvsEncryptionKeys keys, int threads) {
        List<Path> written = new java.util.ArrayList<>();
        long count = NvsMfg.generate(config, values, prefix, fileIdKey, outDir, size, version, keys, threads,
                name -> written.add(outDir.resolve(name)));
        assertEquals(written.size(), count);
        return written;
    }

    private static List<Path> generate(Path config, Path values, String prefix, String fileIdKey, Path outDir, int size,
            NvsVersion version, NvsEncryptionKeys keys) {
        return generate(config, values, prefix, fileIdKey, outDir, size, version, keys, 2);
    }

    @Test
    void writesOneImagePerDeviceIdenticalToMfgGen() throws IOException {
        Path dir = Vectors.dir("mfg_small");
        List<Path> written = generate(dir.resolve("config.csv"), dir.resolve("values.csv"), "dev", "thing_name",
                tmp, 0x6000, NvsVersion.V2, null);
        List<String> expected;
        try (Stream<Path> s = Files.list(dir.resolve("expected"))) {
            expected = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(expected, written.stream().map(p -> p.getFileName().toString()).sorted().toList());
        for (String name : expected) {
            Vectors.assertSameBytes(Vectors.bytes(dir.resolve("expected").resolve(name)),
                    Vectors.bytes(tmp.resolve(name)), "mfg_small/expected/" + name);
        }
    }

    @Test
    void expectedImagesReadBackAsTheirDeviceRows() {
        Path dir = Vectors.dir("mfg_small");
        for (NvsMfg.Device d : NvsMfg.read(dir.resolve("config.csv"), dir.resolve("values.csv"), "thing_name")) {
            NvsImage image = NvsPartitionReader.read(Vectors.bytes(dir.resolve("expected/dev-" + d.fileId() + ".bin")));
            assertEquals(d.rows().stream().map(NvsCsv.Row::entry).toList(), image.entries(), d.fileId());
        }
    }

    @Test
    void repeatTakesTheFirstDevicesValue() {
        Path dir = Vectors.dir("mfg_small");
        List<NvsMfg.Device> devices = NvsMfg.read(dir.resolve("config.csv"), dir.resolve("values.csv"), null);
        assertEquals(List.of("1", "2", "3"), devices.stream().map(NvsMfg.Device::fileId).toList());
        for (NvsMfg.Device d : devices) {
            NvsEntry endpoint = d.rows().stream().map(NvsCsv.Row::entry)
                    .filter(e -> "endpoint".equals(e.key())).findFirst().orElseThrow();
            assertEquals("a1b2c3-ats.iot.us-east-1.amazonaws.com", endpoint.stringValue());
        }
    }

    @Test
    void refusesValueRowWithMissingCellNamingItsLine() throws IOException {
        Files.writeString(tmp.resolve("config.csv"), "app,namespace,\nserial,data,string\nslot,data,u8\n");
        Files.writeString(tmp.resolve("values.csv"), "id,serial,slot\n1,SN1,300\n");
        EspfleetException e = assertThrows(EspfleetException.class, () -> generate(tmp.resolve("config.csv"),
                tmp.resolve("values.csv"), "dev", null, tmp.resolve("out"), 0x3000, NvsVersion.V2, null));
        assertTrue(e.getMessage().endsWith("values.csv:2 (column slot): key 'slot': u8 value 300 is out of range 0..255"),
                e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("out")) || Files.list(tmp.resolve("out")).findAny().isEmpty());
    }

    private List<Path> mfg(String config, String values, String prefix) throws IOException {
        Files.writeString(tmp.resolve("config.csv"), config);
        Files.writeString(tmp.resolve("values.csv"), values);
        return generate(tmp.resolve("config.csv"), tmp.resolve("values.csv"), prefix, null, tmp.resolve("out"),
                0x3000, NvsVersion.V2, null);
    }

    private String mfgRefusal(String config, String values, String prefix) {
        return assertThrows(EspfleetException.class, () -> mfg(config, values, prefix)).getMessage();
    }

    /** mfg_gen.py would write both (values.csv listing k twice) or stop ("not found in values file"): refused. */
    @Test
    void refusesAKeyListedTwiceInOneNamespaceNamingBothLines() {
        assertEquals(tmp.resolve("config.csv") + ":3: key 'k' is already listed in namespace 'app' at "
                + tmp.resolve("config.csv") + ":2; a key is set once per namespace",
                mfgRefusal("app,namespace,\nk,data,u8\nk,data,u8\n", "id,k,k\n1,5,6\n", "dev"));
        assertTrue(Files.notExists(tmp.resolve("out")));
    }

    /** mfg_gen.py pairs config keys with values.csv columns in order: the second 'k' takes the second column. */
    @Test
    void aKeyInTwoNamespacesTakesTheColumnsOfThatNameInOrder() throws IOException {
        List<Path> written = mfg("a,namespace,\nk,data,u8\nb,namespace,\nk,data,u8\n", "id,k,k\n1,5,6\n", "dev");
        assertEquals(List.of(NvsEntry.integer("a", "k", NvsType.U8, 5), NvsEntry.integer("b", "k", NvsType.U8, 6)),
                NvsPartitionReader.read(Files.readAllBytes(written.get(0))).items());
        assertTrue(mfgRefusal("a,namespace,\nk,data,u8\nb,namespace,\nk,data,u8\n", "id,k\n1,5\n", "dev")
                .endsWith("config.csv:4: key 'k' is listed again (in another namespace), but " + tmp.resolve("values.csv")
                        + " has 1 column(s) 'k'; mfg_gen.py takes one column per listing, in order"));
    }

    /** mfg_gen.py reads values.csv with csv.reader, which knows no comments: a row starting with '#' is a device. */
    @Test
    void aValuesRowStartingWithHashIsADevice() throws IOException {
        assertEquals(2, mfg("app,namespace,\nk,data,string\n", "k\n#1\nx\n", "dev").size());
    }

    @Test
    void staSsidInConfigGetsTheWifiDriverRecords() throws IOException {
        List<Path> written = mfg("wifi,namespace,\nsta.ssid,data,string\n", "sta.ssid\nMyNet\n", "dev");
        assertEquals(List.of("sta.ssid", "sta.apinfo", "sta.pmk", "sta.apsw"), NvsPartitionReader
                .read(Files.readAllBytes(written.get(0))).items().stream().map(NvsEntry::key).toList());
    }

    @Test
    void imagesAreOwnerOnly() throws IOException {
        List<Path> written = mfg("app,namespace,\nk,data,u8\n", "k\n1\n", "dev");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(written.get(0))));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("out"))));
    }

    @Test
    void refusesAPrefixThatIsAPathAndAnOutputFolderThatIsAFile() throws IOException {
        for (String prefix : List.of("../evil", "a/b", "..", ".hidden", "")) {
            assertEquals("PREFIX '" + prefix + "' must be letters, digits, '.', '_' or '-', not starting with '.': it"
                    + " names the image files inside the output folder",
                    mfgRefusal("app,namespace,\nk,data,u8\n", "k\n1\n", prefix), prefix);
        }
        Files.writeString(tmp.resolve("out"), "a file");
        assertEquals("output folder " + tmp.resolve("out") + " is a file, not a folder",
                mfgRefusal("app,namespace,\nk,data,u8\n", "k\n1\n", "dev"));
    }

    /**
     * mfg_gen.py checks types and encodings as written (verify_datatype_encoding) and takes REPEAT only as the
     * exact fourth cell: another spelling makes it refuse the config, so espfleet refuses it too.
     */
    @Test
    void typesEncodingsAndRepeatAreReadAsMfgGenReadsThem() {
        assertTrue(mfgRefusal("app,namespace,\nk,Data,u8\n", "k\n1\n", "dev").endsWith("config.csv:2: key 'k': type"
                + " 'Data': mfg_gen.py reads only 'data', in lower case without spaces (it refuses the config); write it"
                + " as data"));
        assertTrue(mfgRefusal("app,Namespace,\nk,data,u8\n", "k\n1\n", "dev").endsWith("config.csv:1: key 'app': type"
                + " 'Namespace': mfg_gen.py reads only 'namespace', in lower case without spaces (it refuses the"
                + " config); write it as namespace"));
        assertTrue(mfgRefusal("app,namespace,\nk,data,U8\n", "k\n1\n", "dev").endsWith("config.csv:2: key 'k':"
                + " encoding 'U8': mfg_gen.py reads only 'u8', in lower case without spaces (it refuses the config);"
                + " write it as u8"));
        assertTrue(mfgRefusal("app,namespace,\nk,data,Foo\n", "k\n1\n", "dev").endsWith("config.csv:2:"
                + " key 'k': encoding 'Foo' is not one of u8, i8, u16, i16, u32, i32, u64, i64, string, hex2bin, base64,"
                + " binary, blob_fill(N;0xPP), blob_sz_fill(N;0xPP)"));
        assertTrue(mfgRefusal("app,namespace,\nk,data,u8, REPEAT\n", "k\n1\n", "dev").endsWith("config.csv:2:"
                + " fourth cell ' REPEAT' is not REPEAT (mfg_gen.py reads only the exact word and stops on a row of four"
                + " cells without it)"));
        assertTrue(mfgRefusal("app,namespace,\nk,data,u8,\n", "k\n1\n", "dev").endsWith("config.csv:2:"
                + " fourth cell '' is not REPEAT (mfg_gen.py reads only the exact word and stops on a row of four"
                + " cells without it)"));
    }

    /** mfg_gen.py pairs config keys and values.csv columns as written: a key with a space is that key. */
    @Test
    void keysAreTakenAsWrittenNotStripped() throws IOException {
        assertTrue(mfgRefusal("app,namespace,\nk ,data,u8\n", "k\n1\n", "dev")
                .endsWith("config.csv:2: key 'k ' has no column in " + tmp.resolve("values.csv")));
        List<Path> written = mfg("app,namespace,\nk ,data,u8\n", "k \n1\n", "dev");
        assertEquals(List.of(NvsEntry.integer("app", "k ", NvsType.U8, 1)),
                NvsPartitionReader.read(Files.readAllBytes(written.get(0))).items());
    }

    /** Devices of different sizes, so that an image array reused from a larger one would show. */
    private void writeVariedDevices(int count) throws IOException {
        Files.writeString(tmp.resolve("config.csv"), "aws,namespace,\nthing_name,data,string\nendpoint,data,string,REPEAT\n"
                + "slot,data,u16\ncert,file,string\nkey,file,binary\napp,namespace,\nblob,data,hex2bin\n");
        Files.createDirectories(tmp.resolve("files"));
        StringBuilder values = new StringBuilder("thing_name,endpoint,slot,cert,key,blob\n");
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < count; i++) {
            String pem = "-----BEGIN CERTIFICATE-----\n" + "A".repeat(random.nextInt(3000)) + "\n-----END CERTIFICATE-----\n";
            Files.writeString(tmp.resolve("files/c" + i + ".pem"), pem);
            byte[] key = new byte[random.nextInt(5000)];
            random.nextBytes(key);
            Files.write(tmp.resolve("files/k" + i + ".der"), key);
            values.append("thing-").append(i).append(",ep").append(i).append(".example.com,").append(random.nextInt(65536))
                    .append(",files/c").append(i).append(".pem,files/k").append(i).append(".der,")
                    .append(java.util.HexFormat.of().formatHex(new byte[random.nextInt(40)])).append('\n');
        }
        Files.writeString(tmp.resolve("values.csv"), values);
    }

    @Test
    void parallelStreamedImagesEqualSequentialOnes() throws IOException {
        writeVariedDevices(200);
        Path config = tmp.resolve("config.csv");
        Path values = tmp.resolve("values.csv");
        List<Path> sequential = generate(config, values, "dev", "thing_name", tmp.resolve("one"), 0x6000,
                NvsVersion.V2, null, 1);
        List<Path> parallel = generate(config, values, "dev", "thing_name", tmp.resolve("four"), 0x6000,
                NvsVersion.V2, null, 4);
        List<NvsMfg.Device> devices = NvsMfg.read(config, values, "thing_name");
        assertEquals(200, parallel.size());
        assertEquals(sequential.stream().map(Path::getFileName).toList(), parallel.stream().map(Path::getFileName).toList());
        try (Stream<Path> s = Files.list(tmp.resolve("four"))) {
            assertEquals(200, s.count(), "no temporary file left");
        }
        for (int i = 0; i < devices.size(); i++) {
            assertEquals("dev-" + devices.get(i).fileId() + ".bin", parallel.get(i).getFileName().toString());
            byte[] alone = NvsCsv.write(devices.get(i).rows(), 0x6000, NvsVersion.V2, null);
            Vectors.assertSameBytes(alone, Files.readAllBytes(sequential.get(i)), "sequential " + sequential.get(i));
            Vectors.assertSameBytes(alone, Files.readAllBytes(parallel.get(i)), "parallel " + parallel.get(i));
        }
    }

    /**
     * The first problem in row order is the one reported, however the rows were shared among workers, and
     * nothing of the run is left: images that were there before keep their content.
     */
    @Test
    void aRefusalNamesTheFirstBadRowAndLeavesTheFolderAsItWas() throws IOException {
        writeVariedDevices(120);
        Path values = tmp.resolve("values.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(values));
        lines.set(61, lines.get(61).replaceFirst("^(thing-60,[^,]*,)[0-9]+", "$170000"));
        lines.set(91, lines.get(91).replace("files/c90.pem", "files/missing.pem"));
        Files.write(values, lines);
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("dev-thing-1.bin"), "old image");
        for (int threads : new int[] {1, 2, 4}) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> generate(tmp.resolve("config.csv"),
                    values, "dev", "thing_name", out, 0x6000, NvsVersion.V2, null, threads));
            assertEquals(values + ":62 (column slot): key 'slot': u16 value 70000 is out of range 0..65535",
                    e.getMessage(), threads + " thread(s)");
            try (Stream<Path> s = Files.list(out)) {
                assertEquals(List.of(out.resolve("dev-thing-1.bin")), s.toList(), threads + " thread(s)");
            }
            assertEquals("old image", Files.readString(out.resolve("dev-thing-1.bin")));
        }
    }

    /**
     * A file id that repeats an earlier row's is found by the staging folder's exclusive creation in row
     * order: the row named is the second of the pair however many workers share the rows, and it is the
     * first problem in row order (a bad value in a later row is not the one reported).
     */
    @Test
    void aRepeatedFileIdNamesTheLaterRowWhateverTheWorkers() throws IOException {
        writeVariedDevices(150);
        Path values = tmp.resolve("values.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(values));
        lines.set(101, lines.get(101).replaceFirst("^thing-100,", "thing-7,"));
        lines.set(131, lines.get(131).replaceFirst("^(thing-130,[^,]*,)[0-9]+", "$170000"));
        Files.write(values, lines);
        for (int threads : new int[] {1, 2, 4}) {
            Path out = tmp.resolve("out" + threads);
            EspfleetException e = assertThrows(EspfleetException.class, () -> generate(tmp.resolve("config.csv"),
                    values, "dev", "thing_name", out, 0x6000, NvsVersion.V2, null, threads));
            assertEquals(values + ":102: file id 'thing-7' repeats an earlier device's", e.getMessage(), threads + " thread(s)");
            assertTrue(Files.notExists(out), "nothing of the run is left: " + threads + " thread(s)");
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList(),
                    "no staging folder or list left");
        }
    }

    /** A folder that did not exist arrives whole; one that did gets the images beside what it held. */
    @Test
    void writesIntoAFreshOrAnExistingFolderLeavingNoStagingBehind() throws IOException {
        writeVariedDevices(40);
        Path fresh = tmp.resolve("runs/first");
        List<Path> first = generate(tmp.resolve("config.csv"), tmp.resolve("values.csv"), "dev", "thing_name", fresh,
                0x6000, NvsVersion.V2, null);
        assertEquals(40, first.size());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        Path existing = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(existing.resolve("notes.txt"), "kept");
        Files.writeString(existing.resolve("dev-thing-3.bin"), "old image");
        List<Path> second = generate(tmp.resolve("config.csv"), tmp.resolve("values.csv"), "dev", "thing_name", existing,
                0x6000, NvsVersion.V2, null);
        assertEquals(first.stream().map(Path::getFileName).toList(), second.stream().map(Path::getFileName).toList());
        for (int i = 0; i < first.size(); i++) {
            Vectors.assertSameBytes(Files.readAllBytes(first.get(i)), Files.readAllBytes(second.get(i)), second.get(i).toString());
        }
        try (Stream<Path> s = Files.list(existing)) {
            assertEquals(41, s.count(), "the 40 images and notes.txt, nothing staged left");
        }
        assertEquals("kept", Files.readString(existing.resolve("notes.txt")));
        try (Stream<Path> s = Files.list(tmp.resolve("runs"))) {
            assertEquals(List.of(fresh), s.toList());
        }
    }
}
