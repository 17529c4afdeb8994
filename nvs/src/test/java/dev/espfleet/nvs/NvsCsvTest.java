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

/** The generator defects listed in the vectors' README: refused, or done right. */
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
    void upperCaseStringEncodingKeepsItsNul() throws IOException {
        assertEquals(List.of(NvsEntry.string("n", "s", "abc")), items("n,namespace,,\ns,data,STRING,abc\n"));
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
    void readsSizesInHexDecimalAndWithSuffix() {
        assertEquals(0x6000, PartitionSize.parse("0x6000", "size"));
        assertEquals(24576, PartitionSize.parse("24576", "size"));
        assertEquals(4L << 20, PartitionSize.parse("4MB", "size"));
        assertEquals(24576, PartitionSize.parse("24K", "size"));
        assertTrue(assertThrows(EspfleetException.class, () -> PartitionSize.parse("0x6g00", "partition size"))
                .getMessage().startsWith("partition size '0x6g00' is not a size"));
    }

    @Test
    void rejectsPartitionBelow0x3000() {
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> NvsPartitionWriter.write(List.of(), 0x2000, NvsVersion.V2));
        assertEquals("partition size 0x2000 is below the NVS minimum of 0x3000 (two data pages and the reserved page)",
                e.getMessage());
    }
}
