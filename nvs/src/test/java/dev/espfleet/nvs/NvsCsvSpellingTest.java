package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spellings of the header, the type and the encoding as nvs_partition_gen.py 0.2.0 reads them
 * ({@code generate}: {@code csv.DictReader} over the file opened with encoding utf8; module function
 * {@code write_entry}: {@code type == 'file'}, {@code type == 'namespace'}, anything else is data;
 * {@code NVS.write_entry}: {@code blob_fill}/{@code blob_sz_fill} by prefix, {@code hex2bin}, {@code base64}
 * and {@code string} compared as written, then the name lower-cased and looked up). Where the tool would store
 * other bytes than the lower-case spelling says, or stop, espfleet refuses with the file, line and difference;
 * where it stores the same bytes, espfleet does too.
 */
class NvsCsvSpellingTest {
    @TempDir
    Path tmp;

    private Path write(String text) throws IOException {
        Path p = tmp.resolve("in.csv");
        Files.writeString(p, text);
        return p;
    }

    private byte[] generate(String text) throws IOException {
        return NvsCsv.generate(List.of(write(text)), 0x3000, NvsVersion.V2, null);
    }

    private String refusal(String text) throws IOException {
        Path p = write(text);
        String message = assertThrows(EspfleetException.class,
                () -> NvsCsv.generate(List.of(p), 0x3000, NvsVersion.V2, null)).getMessage();
        return message.replace(p.toString(), "in.csv");
    }

    private static String rows(String body) {
        return "key,type,encoding,value\nn,namespace,,\n" + body;
    }

    @Test
    void upperCaseStringIsRefusedBecauseTheGeneratorWouldDropTheNul() throws IOException {
        assertEquals("in.csv:3: key 's': encoding 'STRING': nvs_partition_gen.py reads only lower-case 'string' (it"
                + " would store the string without its NUL); write it in lower case",
                refusal(rows("s,data,STRING,abc\n")));
        assertEquals("in.csv:3: key 's': encoding 'String': nvs_partition_gen.py reads only lower-case 'string' (it"
                + " would store the string without its NUL); write it in lower case",
                refusal(rows("s,data,String,abc\n")));
    }

    @Test
    void upperCaseHex2binAndBase64AreRefusedBecauseTheGeneratorWouldStoreTheText() throws IOException {
        assertEquals("in.csv:3: key 'h': encoding 'HEX2BIN': nvs_partition_gen.py reads only lower-case 'hex2bin' (it"
                + " would store the text as is); write it in lower case", refusal(rows("h,data,HEX2BIN,0a0b\n")));
        assertEquals("in.csv:3: key 'b': encoding 'Base64': nvs_partition_gen.py reads only lower-case 'base64' (it"
                + " would store the text as is); write it in lower case", refusal(rows("b,data,Base64,QUJD\n")));
        Files.writeString(tmp.resolve("v.hex"), "0a0b");
        assertEquals("in.csv:3: key 'h': encoding 'HEX2BIN': nvs_partition_gen.py reads only lower-case 'hex2bin' (it"
                + " would store the file's bytes as is); write it in lower case", refusal(rows("h,file,HEX2BIN,v.hex\n")));
    }

    /** The tool lower-cases these names before it looks them up, so their bytes are those of the lower case. */
    @Test
    void binaryAndIntegerEncodingsInAnyCaseAreStoredAsInLowerCase() throws IOException {
        assertArrayEquals(generate(rows("b,data,binary,abc\nv,data,u8,7\nw,data,i64,-9\n")),
                generate(rows("b,data,BINARY,abc\nv,data,U8,7\nw,data,I64,-9\n")));
    }

    /** ' u8' or 'string ' is no encoding the tool knows: it stops with "Unsupported encoding". */
    @Test
    void encodingWithSpacesAroundIsRefusedAsTheGeneratorRefusesIt() throws IOException {
        assertEquals("in.csv:3: key 'v': encoding ' u8': nvs_partition_gen.py does not know it with spaces around it"
                + " (it stops: unsupported encoding); write 'u8'", refusal(rows("v,data, u8,7\n")));
        assertEquals("in.csv:3: key 's': encoding 'string ': nvs_partition_gen.py does not know it with spaces around"
                + " it (it stops: unsupported encoding); write 'string'", refusal(rows("s,data,string ,x\n")));
    }

    /** The tool's pattern is (blob_fill|blob_sz_fill)\((\d+);(0x[0-9a-fA-F]{2})\), matched from the start. */
    @Test
    void blobFillIsReadOnlyInLowerCaseWithALowerCaseX() throws IOException {
        assertEquals("in.csv:3: key 'b': encoding 'BLOB_FILL(4;0x00)': nvs_partition_gen.py reads only lower-case"
                + " 'blob_fill(4;0x00)' (it stops: unsupported encoding); write it in lower case",
                refusal(rows("b,data,BLOB_FILL(4;0x00),ab\n")));
        assertEquals("in.csv:3: key 'b': encoding 'blob_fill(4;0XFF)' is not blob_fill(LENGTH;0xPP) or"
                + " blob_sz_fill(LENGTH;0xPP), e.g. blob_sz_fill(32;0x00)", refusal(rows("b,data,blob_fill(4;0XFF),ab\n")));
        assertEquals("in.csv:3: key 'b': encoding ' blob_fill(4;0x00)': nvs_partition_gen.py does not know it with"
                + " spaces around it (it stops: unsupported encoding); write 'blob_fill(4;0x00)'",
                refusal(rows("b,data, blob_fill(4;0x00),ab\n")));
        // hex digits of either case and trailing spaces match the tool's pattern: the same bytes
        assertArrayEquals(generate(rows("b,data,blob_fill(4;0xaf),ab\n")), generate(rows("b,data,blob_fill(4;0xAf) ,ab\n")));
    }

    /** Only the exact 'file' reads a file; 'FILE' or ' file' is data to the tool, which stores the path. */
    @Test
    void typeFileSpelledOtherwiseIsRefusedBecauseTheGeneratorWouldStoreThePath() throws IOException {
        Files.writeString(tmp.resolve("v.txt"), "content");
        assertEquals("in.csv:3: key 'f': type 'FILE': nvs_partition_gen.py reads only 'file', in lower case without"
                + " spaces (it would take the row as data and store the path 'v.txt' as the value); write it as file",
                refusal(rows("f,FILE,string,v.txt\n")));
        assertEquals("in.csv:3: key 'f': type ' file': nvs_partition_gen.py reads only 'file', in lower case without"
                + " spaces (it would take the row as data and store the path 'v.txt' as the value); write it as file",
                refusal(rows("f, file,string,v.txt\n")));
    }

    @Test
    void typeNamespaceSpelledOtherwiseIsRefusedBecauseTheGeneratorWouldTakeItAsData() throws IOException {
        assertEquals("in.csv:2: key 'n': type 'Namespace': nvs_partition_gen.py reads only 'namespace', in lower case"
                + " without spaces (it would take the row as data); write it as namespace",
                refusal("key,type,encoding,value\nn,Namespace,,\n"));
    }

    /** Every type but the exact 'file' and 'namespace' is data to the tool: 'DATA' stores what 'data' stores. */
    @Test
    void typeDataInAnyCaseIsData() throws IOException {
        assertArrayEquals(generate(rows("s,data,string,x\n")), generate(rows("s,DATA,string,x\n")));
        assertArrayEquals(generate(rows("s,data,string,x\n")), generate(rows("s, Data ,string,x\n")));
    }

    /** csv.DictReader looks the columns up by their exact names: row['key'] fails on a header 'Key'. */
    @Test
    void headerNamesAreExactAsDictReaderLooksThemUp() throws IOException {
        assertEquals("in.csv:1: header column 'Key' is not 'key': nvs_partition_gen.py looks the columns up by their"
                + " exact names and stops without a 'key' column; write the header as key,type,encoding,value",
                refusal("Key,Type,Encoding,Value\nn,namespace,,\n"));
        assertEquals("in.csv:1: header column 'value ' is not 'value': nvs_partition_gen.py looks the columns up by"
                + " their exact names and stops without a 'value' column; write the header as key,type,encoding,value",
                refusal("key,type,encoding,value \nn,namespace,,\n"));
    }

    /** The tool opens the CSV with encoding utf8, not utf-8-sig: a byte order mark is part of the first name. */
    @Test
    void byteOrderMarkIsRefusedBecauseTheGeneratorReadsItAsPartOfTheFirstColumnName() throws IOException {
        Path p = tmp.resolve("in.csv");
        Files.write(p, ("\uFEFFkey,type,encoding,value\nn,namespace,,\ns,data,string,x\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(p + ":1: the file starts with a byte order mark (U+FEFF), which nvs_partition_gen.py reads as part"
                + " of the first column name (so it finds no 'key' column and stops); save the CSV as UTF-8 without"
                + " a byte order mark", assertThrows(EspfleetException.class,
                        () -> NvsCsv.generate(List.of(p), 0x3000, NvsVersion.V2, null)).getMessage());
    }

    /** csv.DictReader takes the first line it is given as the header, even a blank one (then every row fails). */
    @Test
    void blankLineBeforeTheHeaderIsRefused() throws IOException {
        String expected = "in.csv:2: blank line where nvs_partition_gen.py expects the header key,type,encoding,value"
                + " (Python's csv.DictReader takes it as an empty header and the tool stops); remove it";
        assertEquals(expected, refusal("# comment\n\nkey,type,encoding,value\nn,namespace,,\n"));
        assertEquals(expected.replace("in.csv:2", "in.csv:1"), refusal("\nkey,type,encoding,value\nn,namespace,,\n"));
    }

    /** A row without a value cell gives the tool None as the value: it stops (None + '\0', int(None), ...). */
    @Test
    void dataRowWithoutAValueCellIsRefused() throws IOException {
        assertEquals("in.csv:3: key 's': the row has 3 cells and no value cell; nvs_partition_gen.py stops on it"
                + " (Python's csv.DictReader gives it None); end the row with ',' for an empty value",
                refusal(rows("s,data,string\n")));
        // a namespace row needs no value: the tool does not read it
        assertEquals(List.of(NvsEntry.string("n", "s", "")),
                NvsPartitionReader.read(generate("key,type,encoding,value\nn,namespace\ns,data,string,\n")).items());
    }

    /**
     * For a data row the tool takes the size of a binary value as its number of characters but writes its UTF-8
     * bytes: non-ASCII text would make a broken entry.
     */
    @Test
    void nonAsciiTextAsBinaryIsRefusedBecauseTheGeneratorWritesItsSizeInCharacters() throws IOException {
        assertEquals("in.csv:3: key 'b': binary value 'café' is not ASCII: nvs_partition_gen.py 0.2.0 would record"
                + " its size as 4 characters but write 5 UTF-8 bytes, a broken entry; give the bytes as hex2bin or in a"
                + " file row", refusal(rows("b,data,binary,café\n")));
        Files.write(tmp.resolve("v.bin"), "café".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(NvsEntry.blob("n", "b", "café".getBytes(StandardCharsets.UTF_8))),
                NvsPartitionReader.read(generate(rows("b,file,binary,v.bin\n"))).items());
    }

    /** Python's csv module stops on a field over csv.field_size_limit() (131,072 characters). */
    @Test
    void valueOver131072CharactersIsRefusedAsPythonsCsvStopsOnIt() throws IOException {
        Path p = write(rows("b,data,binary," + "x".repeat(131_073) + "\n"));
        assertEquals(p + ":3: a value of 131073 characters; Python's csv module, with which Espressif's tools read the"
                + " CSV, stops on a value over 131072 characters (field larger than field limit); give large data in a"
                + " file", assertThrows(EspfleetException.class,
                        () -> NvsCsv.generate(List.of(p), 0x30000, NvsVersion.V2, null)).getMessage());
        // the limit counts characters (code points), not UTF-16 units: 65,537 emoji are 131,074 Java chars
        Files.writeString(p, rows("b,data,binary," + "\uD83D\uDE00".repeat(65_537) + "\n"));
        assertEquals(p + ":3: key 'b': binary value '" + "\uD83D\uDE00".repeat(18) + "...' is not ASCII",
                assertThrows(EspfleetException.class, () -> NvsCsv.generate(List.of(p), 0x30000, NvsVersion.V2, null))
                        .getMessage().split(": nvs_partition_gen")[0]);
        Files.writeString(p, rows("b,data,binary," + "x".repeat(131_072) + "\n"));
        assertEquals(131_072, NvsPartitionReader.read(NvsCsv.generate(List.of(p), 0x30000, NvsVersion.V2, null))
                .items().get(0).data().length);
    }
}
