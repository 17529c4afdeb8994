package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator defects listed in the vectors' README: refused, or done right (spellings: {@link NvsCsvSpellingTest}). */
class NvsCsvTest {
    @TempDir
    Path tmp;

    private Path csv(String body) throws IOException {
        Path p = tmp.resolve("in.csv");
        Files.writeString(p, "key,type,encoding,value\n" + body);
        return p;
    }

    private String refusal(String body) throws IOException {
        Path p = csv(body);
        return assertThrows(EspfleetException.class, () -> NvsCsv.generate(List.of(p), 0x3000, NvsVersion.V2, null))
                .getMessage();
    }

    private List<NvsEntry> items(String body) throws IOException {
        return NvsPartitionReader.read(NvsCsv.generate(List.of(csv(body)), 0x3000, NvsVersion.V2, null)).items();
    }

    @Test
    void reopenedNamespaceKeepsItsOwnIndex() throws IOException {
        List<NvsEntry> items = items("a,namespace,,\nx,data,u8,1\nb,namespace,,\ny,data,u8,2\na,namespace,,\nz,data,u8,3\n");
        assertEquals(List.of(NvsEntry.integer("a", "x", NvsType.U8, 1), NvsEntry.integer("b", "y", NvsType.U8, 2),
                NvsEntry.integer("a", "z", NvsType.U8, 3)), items);
    }

    @Test
    void rejectsDataRowBeforeAnyNamespace() throws IOException {
        assertTrue(refusal("x,data,u8,1\n").endsWith("in.csv:2: key 'x': comes before any namespace row;"
                + " start the CSV with e.g. 'storage,namespace,,'"));
    }

    @Test
    void rejectsUnknownType() throws IOException {
        assertTrue(refusal("n,namespace,,\nx,date,u8,1\n").endsWith("in.csv:3: key 'x': type 'date' is not namespace,"
                + " data or file"));
    }

    @Test
    void rejectsNonAsciiKey() throws IOException {
        assertTrue(refusal("n,namespace,,\nclé,data,u8,1\n").contains("in.csv:3: key 'clé' has the non-ASCII"));
    }

    @Test
    void rejectsStringOf3969BytesThatTheGeneratorCrashesOn() throws IOException {
        assertTrue(refusal("n,namespace,,\ns,data,string," + "x".repeat(3968) + "\n")
                .endsWith("in.csv:3: key 's': string of 3969 bytes including its NUL exceeds the 3968-byte limit of NVS version 2"));
    }

    @Test
    void acceptsStringOf3968Bytes() throws IOException {
        assertEquals(3968, items("n,namespace,,\ns,data,string," + "x".repeat(3967) + "\n").get(0).data().length);
    }

    @Test
    void rejectsKeyRepeatedInOneNamespace() throws IOException {
        assertTrue(refusal("n,namespace,,\nk,data,u8,1\nk,data,u8,2\n")
                .endsWith("in.csv:4: key 'k': is already set in namespace 'n' at " + tmp.resolve("in.csv") + ":3"));
    }

    @Test
    void rejectsHexWithNonHexDigit() throws IOException {
        assertTrue(refusal("n,namespace,,\nh,data,hex2bin,zz\n").endsWith("has a character that is not a hex digit"));
    }

    @Test
    void countsLinesAfterCommentsAndQuotedNewlines() throws IOException {
        assertTrue(refusal("# a comment\nn,namespace,,\ns,data,string,\"two\nlines\"\nv,data,u8,999\n")
                .endsWith("in.csv:6: key 'v': u8 value 999 is out of range 0..255"));
    }

    @Test
    void continuesNamespaceIntoTheNextCsv() throws IOException {
        Path first = tmp.resolve("first.csv");
        Files.writeString(first, "key,type,encoding,value\nn,namespace,,\na,data,u8,1\n");
        Path second = tmp.resolve("second.csv");
        Files.writeString(second, "key,type,encoding,value\nb,data,u8,2\n");
        byte[] image = NvsCsv.generate(List.of(first, second), 0x3000, NvsVersion.V2, null);
        assertEquals(List.of(NvsEntry.integer("n", "a", NvsType.U8, 1), NvsEntry.integer("n", "b", NvsType.U8, 2)),
                NvsPartitionReader.read(image).items());
    }

    @Test
    void readsCrlfLinesAndCountsThem() throws IOException {
        Path p = tmp.resolve("crlf.csv");
        Files.writeString(p, "key,type,encoding,value\r\nn,namespace,,\r\ns,data,string,ab\r\nv,data,i8,200\r\n");
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> NvsCsv.generate(List.of(p), 0x3000, NvsVersion.V2, null));
        assertTrue(e.getMessage().endsWith("crlf.csv:4: key 'v': i8 value 200 is out of range -128..127"), e.getMessage());
    }

    @Test
    void rejectsCsvThatIsNotUtf8() throws IOException {
        Path p = tmp.resolve("latin1.csv");
        Files.write(p, "key,type,encoding,value\nn,namespace,,\ns,data,string,caf\u00e9\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> NvsCsv.generate(List.of(p), 0x3000, NvsVersion.V2, null));
        assertEquals(p + ": not UTF-8 text", e.getMessage());
    }

    @Test
    void readsTableAndFlashSizesInHexDecimalAndWithSuffix() {
        assertEquals(0x6000, PartitionSize.parse("0x6000", "size"));
        assertEquals(24576, PartitionSize.parse("24576", "size"));
        assertEquals(4L << 20, PartitionSize.parse("4MB", "size"));
        assertEquals(24576, PartitionSize.parse("24K", "size"));
        assertTrue(assertThrows(EspfleetException.class, () -> PartitionSize.parse("0x6g00", "partition size"))
                .getMessage().startsWith("partition size '0x6g00' is not a size"));
    }

    /** nvs_partition_gen.py reads its size with Python's int(size, 0): 0x-hex or decimal, no suffix. */
    @Test
    void takesAnNvsPartitionSizeInHexOrDecimalOnly() {
        assertEquals(0x6000, PartitionSize.nvs("0x6000"));
        assertEquals(0x6000, PartitionSize.nvs("0X6000"));
        assertEquals(24576, PartitionSize.nvs("24576"));
        for (String form : List.of("24K", "24k", "0x3000k", "6MB", "024576", "0x", "")) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> PartitionSize.nvs(form), form);
            assertEquals("partition size '" + form + "' is not a number of bytes; give hex (0x6000) or decimal (24576),"
                    + " as nvs_partition_gen.py takes it (no K/M suffix)", e.getMessage());
        }
    }

    @Test
    void refusesAnNvsPartitionAbove16MiB() {
        assertEquals("partition size 0x1001000 is above espfleet's limit of 0x1000000 (16 MiB) for an NVS partition",
                assertThrows(EspfleetException.class, () -> PartitionSize.nvs("0x1001000")).getMessage());
        assertTrue(assertThrows(EspfleetException.class, () -> PartitionSize.nvs("99999999999999999999"))
                .getMessage().contains("above espfleet's limit"));
    }

    /**
     * Espressif opens the CSV in Python's text mode (universal newlines): CR LF and a lone CR are LF before
     * the csv module sees them, so a PEM pasted into a CSV saved on Windows is stored with LF line ends.
     */
    @Test
    void storesCrlfInsideAQuotedValueAsLfAsEspressifDoes() throws IOException {
        Path p = tmp.resolve("windows.csv");
        Files.writeString(p, "key,type,encoding,value\r\nn,namespace,,\r\n"
                + "pem,data,string,\"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n\"\r\n");
        assertEquals(List.of(NvsEntry.string("n", "pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")),
                NvsPartitionReader.read(NvsCsv.generate(List.of(p), 0x3000, NvsVersion.V2, null)).items());
    }

    @Test
    void storesALoneCrAsLfAndCountsItAsALineEnd() throws IOException {
        Path p = tmp.resolve("cr.csv");
        Files.writeString(p, "key,type,encoding,value\rn,namespace,,\rs,data,string,\"a\rb\"\rv,data,u8,300\r");
        assertTrue(assertThrows(EspfleetException.class, () -> NvsCsv.generate(List.of(p), 0x3000, NvsVersion.V2, null))
                .getMessage().endsWith("cr.csv:5: key 'v': u8 value 300 is out of range 0..255"));
        Files.writeString(p, "key,type,encoding,value\rn,namespace,,\rs,data,string,\"a\rb\"\r");
        assertEquals(List.of(NvsEntry.string("n", "s", "a\nb")), NvsCsv.read(List.of(p)).stream()
                .map(NvsCsv.Row::entry).filter(e -> !e.isNamespaceDeclaration()).toList());
    }

    /** Espressif drops every physical line starting with '#', even inside a quoted value: refused, not altered. */
    @Test
    void refusesALineStartingWithHashInsideAQuotedValue() throws IOException {
        assertEquals(tmp.resolve("in.csv") + ":4: this line starts with '#' inside the quoted value that starts on"
                + " line 3; Espressif's generator drops such lines as comments, so the value would not be stored as"
                + " written", refusal("n,namespace,,\ns,data,string,\"one\n# two\"\n"));
    }

    @Test
    void unterminatedQuoteIsOneLineNamingFileAndLine() throws IOException {
        assertEquals(tmp.resolve("in.csv") + ":3: the quoted value that starts on this line has no closing quote (\")",
                refusal("n,namespace,,\ns,data,string,\"-----BEGIN\nabc\nv,data,u8,1\n"));
    }

    /** Python's csv (non-strict) keeps what follows a closing quote: "ab" followed by a space is "ab ". */
    @Test
    void keepsTextAfterAClosingQuoteAsPythonsCsvDoes() throws IOException {
        assertEquals(List.of(NvsEntry.string("n", "s", "ab "), NvsEntry.string("n", "t", "abc")),
                items("n,namespace,,\ns,data,string,\"ab\" \nt,data,string,\"ab\"c\n"));
    }

    /** blob_fill(N;0xPP): the text padded with PP to N bytes (nvs_partition_gen.py 0.2.0, NVS.write_entry). */
    @Test
    void blobFillPadsTheTextToItsLength() throws IOException {
        assertEquals(List.of(NvsEntry.blob("n", "b", new byte[] {'a', 'b', 'c', -1, -1, -1, -1, -1}),
                NvsEntry.blob("n", "e", new byte[] {0x5a, 0x5a, 0x5a})),
                items("n,namespace,,\nb,data,blob_fill(8;0xff),abc\ne,data,blob_fill(3;0x5A),\n"));
    }

    /** blob_sz_fill(N;0xPP): a little-endian u32 of the text's length, the text, padding: N + 4 bytes. */
    @Test
    void blobSzFillPrefixesTheLength() throws IOException {
        assertEquals(List.of(NvsEntry.blob("n", "s", new byte[] {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 0}),
                NvsEntry.blob("n", "e", new byte[] {0, 0, 0, 0, 0x20, 0x20})),
                items("n,namespace,,\ns,data,blob_sz_fill(8;0x00),abc\ne,data,blob_sz_fill(2;0x20),\n"));
    }

    @Test
    void refusesBlobFillTheGeneratorRefusesOrCrashesOn() throws IOException {
        assertTrue(refusal("n,namespace,,\nb,data,blob_fill(2;0xff),abc\n")
                .endsWith("in.csv:3: key 'b': value of 3 bytes is longer than the 2 of blob_fill(2;0xff)"));
        assertTrue(refusal("n,namespace,,\nb,data,blob_fill(2;ff),ab\n")
                .endsWith("in.csv:3: key 'b': encoding 'blob_fill(2;ff)' is not blob_fill(LENGTH;0xPP) or"
                        + " blob_sz_fill(LENGTH;0xPP), e.g. blob_sz_fill(32;0x00)"));
        assertTrue(refusal("n,namespace,,\nb,data,blob_fill(2;0xff)x,ab\n").contains("is not blob_fill(LENGTH;0xPP)"));
        Files.writeString(tmp.resolve("v.txt"), "ab");
        assertTrue(refusal("n,namespace,,\nb,file,blob_fill(2;0xff),v.txt\n")
                .endsWith("in.csv:3: key 'b': encoding blob_fill(2;0xff) takes its value from the CSV, not from a file"
                        + " (Espressif's generator fails on type file with it)"));
        assertTrue(refusal("n,namespace,,\nb,data,blob_fill(999999999999;0x00),\n").contains("no NVS value holds more"));
    }

    @Test
    void rejectsPartitionBelow0x3000() {
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> NvsPartitionWriter.write(List.of(), 0x2000, NvsVersion.V2));
        assertEquals("partition size 0x2000 is below the NVS minimum of 0x3000 (two data pages and the reserved page)",
                e.getMessage());
    }

    /** Every printable-ASCII key, written with {@link NvsCsv#cell}, reads back as itself. */
    @Test
    void aKeyWrittenAsACellReadsBackUnchanged() throws IOException {
        List<String> keys = List.of("plain", "thing-name", "a,b", "\"q\"", "#hash", "x#", " lead", "trail ", "a\"\"b",
                "\"", ",", "#");
        StringBuilder body = new StringBuilder(NvsCsv.cell("#ns,1") + ",namespace,,\n");
        for (String k : keys) {
            body.append(NvsCsv.cell(k)).append(",data,string,").append(NvsCsv.cell(k + "=v")).append('\n');
        }
        List<NvsEntry> items = items(body.toString());
        assertEquals(keys.stream().map(k -> NvsEntry.string("#ns,1", k, k + "=v")).toList(), items);
    }

    @Test
    void aCellCannotHoldALineBreakOrNul() {
        for (String bad : List.of("a\nb", "a\rb", "a\0b")) {
            assertThrows(IllegalArgumentException.class, () -> NvsCsv.cell(bad));
        }
    }
}
