package dev.espfleet.nvs;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.InputFiles;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Espressif's NVS CSV format ({@code key,type,encoding,value}; types {@code namespace|data|file}; lines
 * starting with {@code #} are comments; {@code file} paths relative to the CSV) turned into
 * {@link NvsEntry NvsEntries}, each remembering the file and line it came from so that any refusal, here
 * or in the writer, names them. The text is read as the Python tool reads it ({@link PythonCsv}), and the
 * entries the tool adds by itself for Wi-Fi driver keys are added too ({@link WifiDriverRecords}).
 *
 * <p>Header, type and encoding are read with the spellings nvs_partition_gen.py 0.2.0 reads: header names
 * exactly; type {@code namespace} and {@code file} exactly (any other type is data to the tool, so only
 * spellings of {@code data} are taken as data); {@code string}, {@code hex2bin} and {@code base64} only in
 * lower case (in another case the tool stores the value undecoded, a {@code STRING} without its NUL),
 * {@code binary} and the integer types in any case (the tool lower-cases them), {@code blob_fill} and
 * {@code blob_sz_fill} as its pattern takes them. Every other spelling is refused, naming the difference.
 *
 * <p>Refused where Espressif's generator misbehaves or stops: data rows before any namespace row, unknown
 * types, keys that are not ASCII, a key repeated in one namespace, a row without a value cell, non-ASCII
 * text as {@code binary}.
 */
public final class NvsCsv {
    /** The largest CSV read; far above any NVS partition's worth of rows. */
    public static final long MAX_CSV_BYTES = 8L << 20;
    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]*={0,2}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    /**
     * {@code blob_fill(LENGTH;0xPP)} and {@code blob_sz_fill(LENGTH;0xPP)}, as nvs_partition_gen.py 0.2.0's
     * pattern takes them: a lower-case {@code 0x}, hex digits of either case.
     */
    private static final Pattern BLOB_FILL = Pattern.compile("(blob_fill|blob_sz_fill)\\(([0-9]+);0x([0-9a-fA-F]{2})\\)");
    private static final List<String> COLUMNS = List.of("key", "type", "encoding", "value");
    /** Encodings the tool lower-cases before it looks them up: any case stores what the lower case stores. */
    private static final Set<String> CASE_FOLDED_ENCODINGS = Set.of("binary", "u8", "i8", "u16", "i16", "u32", "i32",
            "u64", "i64");
    /** Encodings the tool decodes only when written in lower case. */
    private static final Set<String> LOWER_CASE_ENCODINGS = Set.of("string", "hex2bin", "base64");
    /** Every encoding name but blob_fill and blob_sz_fill, in lower case. */
    static final Set<String> ENCODING_NAMES = Stream.concat(CASE_FOLDED_ENCODINGS.stream(),
            LOWER_CASE_ENCODINGS.stream()).collect(Collectors.toUnmodifiableSet());
    private static final String DATA = "data";
    private static final String FILE = "file";
    private static final String NAMESPACE = "namespace";

    /** An entry and where it came from ({@code file:line}). */
    public record Row(NvsEntry entry, String location) {
    }

    private NvsCsv() {
    }

    /**
     * Where the content of a {@code file} row comes from: the row's value names it. {@link #relativeTo} reads
     * files beside the CSV; an in-memory CSV gives its files' contents.
     */
    @FunctionalInterface
    interface ValueFiles {
        byte[] read(String value, String key, String location);

        static ValueFiles relativeTo(Path dir) {
            return (value, key, location) -> readValueFile(dir, value, key, location);
        }
    }

    /** Reads CSVs in order into one list; a namespace opened in one file continues into the next. */
    public static List<Row> read(List<Path> csvs) {
        RowBuilder rows = new RowBuilder();
        for (Path csv : csvs) {
            read(csv.toString(), readText(csv), ValueFiles.relativeTo(csv.toAbsolutePath().getParent()), rows);
        }
        return rows.rows();
    }

    /**
     * The rows of a CSV held in memory, read exactly as a CSV file is read ({@code name} names it in
     * refusals); {@code files} maps the value of each {@code file} row to the content of that file (a value
     * missing from it is refused as a missing file). So an image built from a CSV before it is written
     * holds what {@code nvs generate} of the written CSV holds.
     */
    public static List<Row> read(String name, String text, Map<String, byte[]> files) {
        RowBuilder rows = new RowBuilder();
        read(name, PythonCsv.universalNewlines(text), (value, key, location) -> {
            byte[] content = files.get(value);
            if (content == null) {
                throw fail(location, key, "file '" + value + "' not found");
            }
            return content.clone();
        }, rows);
        return rows.rows();
    }

    /**
     * {@code text} as one cell of a CSV that nvs_partition_gen.py reads back unchanged (Python's csv module,
     * lines starting with '#' dropped first): quoted, quotes doubled, when it holds a comma or a quote or starts
     * with '#'; as it is otherwise. Line breaks and NUL cannot be carried (Python's text mode turns CR into LF):
     * callers refuse them first, naming what holds them.
     */
    public static String cell(String text) {
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a CSV cell for nvs_partition_gen.py cannot hold a line break or NUL");
        }
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && !text.startsWith("#")) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    /** The image holding the CSVs' entries; refusals name the CSV file, line and key. */
    public static byte[] generate(List<Path> csvs, int size, NvsVersion version, NvsEncryptionKeys keys) {
        return write(read(csvs), size, version, keys);
    }

    /** Writes rows, turning the writer's refusal into one naming the row's file and line. */
    public static byte[] write(List<Row> rows, int size, NvsVersion version, NvsEncryptionKeys keys) {
        NvsPartitionWriter.checkPartitionSize(size);
        return writeInto(new byte[size], rows, version, keys);
    }

    /** As {@link #write}, into {@code image} ({@link NvsPartitionWriter#writeInto}). */
    static byte[] writeInto(byte[] image, List<Row> rows, NvsVersion version, NvsEncryptionKeys keys) {
        List<NvsEntry> entries = rows.stream().map(Row::entry).toList();
        try {
            return NvsPartitionWriter.writeInto(image, entries, version, keys);
        } catch (NvsEntryException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, rows.get(e.entryIndex()).location() + ": " + e.detail());
        }
    }

    /**
     * Generates and writes the image atomically, mode 0600 (an image may hold private keys): nothing is
     * left at {@code out} if anything is refused.
     */
    public static void generateFile(List<Path> csvs, Path out, int size, NvsVersion version, NvsEncryptionKeys keys) {
        AtomicFiles.checkTarget(out);
        AtomicFiles.writeSecret(out, generate(csvs, size, version, keys));
    }

    /**
     * One entry from the cells of a row, as {@code mfg} builds them too: {@code type} is {@code data} or
     * {@code file} (see {@link #itemType}), {@code encoding} the cell as written. {@code location} prefixes
     * errors; {@code files} gives the content of {@code file} values.
     */
    static NvsEntry entry(String namespace, String key, String type, String encoding, String value,
            ValueFiles files, String location) {
        boolean fromFile = type.equals(FILE);
        String enc = encoding(encoding, fromFile, key, location);
        byte[] raw;
        if (fromFile) {
            raw = files.read(value, key, location);
        } else {
            raw = null;
            checkNoCommentLine(value, key, location);
        }
        NvsType integer = NvsType.integerNamed(enc);
        if (integer != null) {
            String text = raw != null ? new String(raw, StandardCharsets.UTF_8).strip() : value.strip();
            if (!DECIMAL.matcher(text).matches()) {
                throw fail(location, key, enc + " value '" + text + "' is not a decimal integer");
            }
            BigInteger v = new BigInteger(text);
            if (v.compareTo(integer.min()) < 0 || v.compareTo(integer.max()) > 0) {
                throw fail(location, key, enc + " value " + v + " is out of range " + integer.min() + ".." + integer.max());
            }
            return NvsEntry.integer(namespace, key, integer, v.longValue());
        }
        if (isBlobFill(enc)) {
            if (raw != null) {
                throw fail(location, key, "encoding " + enc + " takes its value from the CSV, not from a file"
                        + " (Espressif's generator fails on type file with it)");
            }
            return NvsEntry.blob(namespace, key, blobFill(enc, value, location, key));
        }
        byte[] bytes = raw != null ? raw : value.getBytes(StandardCharsets.UTF_8);
        switch (enc) {
            case "string":
                if (raw != null) {
                    checkUtf8(raw, location, key);
                }
                return NvsEntry.stringBytes(namespace, key, bytes);
            case "binary":
                int characters = value.codePointCount(0, value.length());
                if (raw == null && bytes.length != characters) {
                    throw fail(location, key, "binary value '" + abbreviate(value) + "' is not ASCII: nvs_partition_gen.py"
                            + " 0.2.0 would record its size as " + characters + " characters but write "
                            + bytes.length + " UTF-8 bytes, a broken entry; give the bytes as hex2bin or in a file row");
                }
                return NvsEntry.blob(namespace, key, bytes);
            case "hex2bin":
                return NvsEntry.blob(namespace, key, hex(new String(bytes, StandardCharsets.US_ASCII), location, key));
            case "base64":
                return NvsEntry.blob(namespace, key, base64(new String(bytes, StandardCharsets.US_ASCII), location, key));
            default:
                throw new IllegalStateException("encoding " + enc);
        }
    }

    /**
     * The type of a row that is not a namespace row, as nvs_partition_gen.py 0.2.0 reads it (module function
     * {@code write_entry}): only the exact {@code file} reads a file, only the exact {@code namespace} opens a
     * namespace, and every other type is data. So {@code DATA} is data as the tool takes it; {@code FILE},
     * {@code " file"} and {@code Namespace} are refused (the tool would take them as data), and so is a type
     * that names nothing ({@code date}), which the tool would take as data without a word.
     */
    static String itemType(String type, String value, String key, String location) {
        if (type.equals(FILE)) {
            return FILE;
        }
        String folded = type.strip().toLowerCase(Locale.ROOT);
        if (folded.equals(DATA)) {
            return DATA;
        }
        if (folded.equals(FILE) || folded.equals(NAMESPACE)) {
            String stored = folded.equals(FILE) && value != null ? " and store the path '" + value + "' as the value" : "";
            throw fail(location, key, "type '" + type + "': nvs_partition_gen.py reads only '" + folded + "', in lower"
                    + " case without spaces (it would take the row as data" + stored + "); write it as " + folded);
        }
        throw fail(location, key, "type '" + type + "' is not namespace, data or file");
    }

    /**
     * The encoding as nvs_partition_gen.py 0.2.0 reads the cell ({@code NVS.write_entry}): it takes
     * {@code blob_fill}/{@code blob_sz_fill} by their prefix, decodes {@code hex2bin} and {@code base64} and
     * appends the NUL of {@code string} only when the cell is exactly that name, then lower-cases the name and
     * looks it up. So {@code U8} and {@code BINARY} store what {@code u8} and {@code binary} store and are
     * taken; {@code STRING}, {@code HEX2BIN} and {@code BASE64} would be stored otherwise, and spaces around a
     * name make it unknown to the tool: refused, naming the difference.
     */
    static String encoding(String cell, boolean fromFile, String key, String location) {
        if (isBlobFill(cell) || LOWER_CASE_ENCODINGS.contains(cell)) {
            return cell;
        }
        String lower = cell.toLowerCase(Locale.ROOT);
        if (CASE_FOLDED_ENCODINGS.contains(lower)) {
            return lower;
        }
        if (LOWER_CASE_ENCODINGS.contains(lower)) {
            String stored;
            if (lower.equals("string")) {
                stored = fromFile ? "stop on a file row" : "store the string without its NUL";
            } else {
                stored = fromFile ? "store the file's bytes as is" : "store the text as is";
            }
            throw fail(location, key, "encoding '" + cell + "': nvs_partition_gen.py reads only lower-case '" + lower
                    + "' (it would " + stored + "); write it in lower case");
        }
        if (isBlobFill(lower)) {
            throw fail(location, key, "encoding '" + cell + "': nvs_partition_gen.py reads only lower-case '" + lower
                    + "' (it stops: unsupported encoding); write it in lower case");
        }
        String folded = cell.strip().toLowerCase(Locale.ROOT);
        if (ENCODING_NAMES.contains(folded) || isBlobFill(folded)) {
            throw fail(location, key, "encoding '" + cell + "': nvs_partition_gen.py does not know it with spaces around"
                    + " it (it stops: unsupported encoding); write '" + folded + "'");
        }
        throw fail(location, key, "encoding '" + cell + "' is not one of u8, i8, u16, i16, u32, i32, u64,"
                + " i64, string, hex2bin, base64, binary, blob_fill(N;0xPP), blob_sz_fill(N;0xPP)");
    }

    private static boolean isBlobFill(String encoding) {
        return encoding.startsWith("blob_fill") || encoding.startsWith("blob_sz_fill");
    }

    /**
     * {@code blob_fill(N;0xPP)}: the value's UTF-8 bytes padded with PP to N bytes; {@code blob_sz_fill}:
     * the same after a little-endian u32 holding the value's length (N + 4 bytes in all). A value longer
     * than N is refused, as the Python tool refuses it.
     */
    private static byte[] blobFill(String encoding, String value, String location, String key) {
        Matcher m = BLOB_FILL.matcher(encoding);
        // the tool matches its pattern from the start and ignores what follows; spaces are all espfleet lets follow
        if (!m.lookingAt() || !encoding.substring(m.end()).isBlank()) {
            throw fail(location, key, "encoding '" + encoding + "' is not blob_fill(LENGTH;0xPP) or"
                    + " blob_sz_fill(LENGTH;0xPP), e.g. blob_sz_fill(32;0x00)");
        }
        boolean sized = m.group(1).equals("blob_sz_fill");
        long length = m.group(2).length() > 9 ? Long.MAX_VALUE : Long.parseLong(m.group(2));
        int header = sized ? Integer.BYTES : 0;
        if (length + header > NvsLayout.MAX_VALUE_BYTES) {
            throw fail(location, key, encoding + " asks for " + length + " bytes; no NVS value holds more than "
                    + NvsLayout.MAX_VALUE_BYTES);
        }
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        if (text.length > length) {
            throw fail(location, key, "value of " + text.length + " bytes is longer than the " + length + " of " + encoding);
        }
        ByteBuffer out = ByteBuffer.allocate((int) length + header).order(ByteOrder.LITTLE_ENDIAN);
        if (sized) {
            out.putInt(text.length);
        }
        out.put(text);
        byte pad = (byte) Integer.parseInt(m.group(3), 16);
        while (out.hasRemaining()) {
            out.put(pad);
        }
        return out.array();
    }

    private static byte[] hex(String text, String location, String key) {
        String hex = text.strip();
        if (hex.length() % 2 != 0) {
            throw fail(location, key, "hex2bin value has " + hex.length() + " hex digits; it needs an even number");
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw fail(location, key, "hex2bin value '" + abbreviate(hex) + "' has a character that is not a hex digit");
        }
    }

    private static byte[] base64(String text, String location, String key) {
        String b64 = WHITESPACE.matcher(text).replaceAll("");
        if (!BASE64.matcher(b64).matches()) {
            throw fail(location, key, "base64 value '" + abbreviate(b64) + "' has a character outside A-Z a-z 0-9 + / =");
        }
        if (b64.length() % 4 != 0) {
            throw fail(location, key, "base64 value '" + abbreviate(b64) + "' has " + b64.length()
                    + " characters; base64 comes in groups of 4 (padding '=' missing?)");
        }
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw fail(location, key, "base64 value '" + abbreviate(b64) + "' is not valid base64: " + e.getMessage());
        }
    }

    private static byte[] readValueFile(Path baseDir, String value, String key, String location) {
        Path file = baseDir.resolve(value);
        try {
            return InputFiles.read(file, NvsLayout.MAX_VALUE_BYTES, "value file");
        } catch (EspfleetException e) {
            // asked only on failure: one stat less per file of a mass-manufacturing run
            if (!Files.exists(file)) {
                throw fail(location, key, "file '" + value + "' not found (looked for " + file.toAbsolutePath().normalize() + ")");
            }
            throw fail(location, key, "file '" + value + "': " + e.getMessage());
        }
    }

    /**
     * A data value that goes through a CSV the Python tool filters (mfg_gen.py's intermediate CSV) must
     * not have a line starting with '#': the tool would drop that line.
     */
    private static void checkNoCommentLine(String value, String key, String location) {
        int at = value.indexOf("\n#");
        if (at >= 0) {
            long line = value.substring(0, at).chars().filter(c -> c == '\n').count() + 2;
            throw fail(location, key, "line " + line + " of the value starts with '#'; Espressif's generator drops"
                    + " such lines as comments, so the value would not be stored as written");
        }
    }

    private static void checkUtf8(byte[] raw, String location, String key) {
        if (isAscii(raw)) {
            return; // a PEM file: no decoder needed
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(raw));
        } catch (CharacterCodingException e) {
            throw fail(location, key, "file for a string is not UTF-8 text; use encoding binary");
        }
    }

    private static boolean isAscii(byte[] raw) {
        for (byte b : raw) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    static EspfleetException fail(String location, String key, String detail) {
        return new EspfleetException(ExitStatus.BAD_INPUT, location + ": key '" + key + "': " + detail);
    }

    private static String abbreviate(String s) {
        if (s.length() <= 40) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(36)) ? 36 : 37;
        return s.substring(0, end) + "...";
    }

    /**
     * A CSV's text as the Python tools get it: UTF-8 (a leading byte order mark kept, as Python's utf8 codec
     * keeps it, so that the header check names it), newlines translated as
     * Python's text mode translates them (CR LF and lone CR become LF). Refuses files over
     * {@link #MAX_CSV_BYTES}, devices and pipes before reading them.
     */
    static String readText(Path csv) {
        byte[] bytes = InputFiles.read(csv, MAX_CSV_BYTES, "CSV");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, csv + ": not UTF-8 text", "save the CSV as UTF-8");
        }
        return PythonCsv.universalNewlines(text);
    }

    /**
     * The rows of one CSV as nvs_partition_gen.py 0.2.0 reads them with {@code csv.DictReader}: the first
     * record (a blank line too) is the header, columns are looked up by their exact names, blank lines below
     * it are skipped, and a cell a row lacks is None to the tool.
     */
    private static void read(String name, String text, ValueFiles files, RowBuilder rows) {
        List<PythonCsv.Record> records = PythonCsv.parse(text, name, PythonCsv.LineFilter.COMMENTS);
        if (records.isEmpty()) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, name + ": empty; expected the header key,type,encoding,value");
        }
        PythonCsv.Record head = records.get(0);
        if (head.cells().isEmpty()) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, name + ":" + head.line() + ": blank line where"
                    + " nvs_partition_gen.py expects the header key,type,encoding,value (Python's csv.DictReader takes it"
                    + " as an empty header and the tool stops); remove it");
        }
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < head.cells().size(); i++) {
            columns.put(head.cells().get(i), i);
        }
        for (String c : COLUMNS) {
            if (!columns.containsKey(c)) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, name + ":" + head.line() + ": " + headerProblem(head, c));
            }
        }
        for (PythonCsv.Record r : records.subList(1, records.size())) {
            if (r.cells().isEmpty()) {
                continue;
            }
            String location = name + ":" + r.line();
            String key = cell(r, columns.get("key"));
            if (key == null || key.isEmpty()) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, location + ": the key is empty");
            }
            String type = cell(r, columns.get("type"));
            if (type == null) {
                throw missingCell(r, "type", key, location);
            }
            if (type.equals(NAMESPACE)) {
                rows.namespace(key, location);
                continue;
            }
            String value = cell(r, columns.get("value"));
            String itemType = itemType(type, value, key, location);
            String encoding = cell(r, columns.get("encoding"));
            if (encoding == null) {
                throw missingCell(r, "encoding", key, location);
            }
            if (value == null) {
                throw missingCell(r, "value", key, location);
            }
            rows.item(key, itemType, encoding, value, files, location);
        }
    }

    private static String headerProblem(PythonCsv.Record head, String column) {
        String first = head.cells().get(0);
        if (first.startsWith("\uFEFF")) {
            return "the file starts with a byte order mark (U+FEFF), which nvs_partition_gen.py reads as part of the"
                    + " first column name (so it finds no '" + column + "' column and stops); save the CSV as UTF-8"
                    + " without a byte order mark";
        }
        for (String cell : head.cells()) {
            if (cell.strip().toLowerCase(Locale.ROOT).equals(column)) {
                return "header column '" + cell + "' is not '" + column + "': nvs_partition_gen.py looks the columns up"
                        + " by their exact names and stops without a '" + column + "' column; write the header as"
                        + " key,type,encoding,value";
            }
        }
        return "header has no '" + column + "' column; expected key,type,encoding,value";
    }

    private static EspfleetException missingCell(PythonCsv.Record r, String column, String key, String location) {
        return fail(location, key, "the row has " + r.cells().size() + " cells and no " + column + " cell;"
                + " nvs_partition_gen.py stops on it (Python's csv.DictReader gives it None); end the row with ','"
                + " for an empty " + column);
    }

    /** The cell of {@code column}, or null where the row is shorter (csv.DictReader's None). */
    private static String cell(PythonCsv.Record r, int column) {
        return column < r.cells().size() ? r.cells().get(column) : null;
    }

    /**
     * Turns rows into entries in order, as the Python tool does for one image: namespace rows open (or
     * re-open) a namespace, item rows need one, a key may be set once per namespace, and Wi-Fi driver
     * keys bring the entries the tool adds for them.
     */
    static final class RowBuilder {
        private record Claim(String location, String addedFor) {
        }

        private final List<Row> rows = new ArrayList<>();
        private final Map<String, Claim> claims = new HashMap<>();
        private final WifiDriverRecords wifi = new WifiDriverRecords();
        private String namespace;

        List<Row> rows() {
            return rows;
        }

        void namespace(String name, String location) {
            if (WifiDriverRecords.isWifiKey(name)) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, location + ": namespace '" + name + "': Espressif's"
                        + " generator takes a row keyed " + name + " as a Wi-Fi driver record even on a namespace row;"
                        + " choose another name");
            }
            namespace = name;
            rows.add(new Row(NvsEntry.namespace(name), location));
        }

        /** An item row: {@code type} is data or file ({@link #itemType}), {@code encoding} the cell as written. */
        void item(String key, String type, String encoding, String value, ValueFiles files, String location) {
            if (namespace == null) {
                throw fail(location, key, "comes before any namespace row; start the CSV with e.g. 'storage,namespace,,'");
            }
            if (WifiDriverRecords.isWifiKey(key) && type.equals(FILE)) {
                throw fail(location, key, "is a Wi-Fi driver record, which Espressif's generator takes from the CSV text"
                        + " whatever the type (with type file it would store the path); give it as type data");
            }
            NvsEntry entry = entry(namespace, key, type, encoding, value, files, location);
            for (NvsEntry added : wifi.before(namespace, key, value)) {
                add(added, location, key);
            }
            add(entry, location, null);
            for (NvsEntry added : wifi.after(namespace, key)) {
                add(added, location, key);
            }
        }

        /** {@code addedFor}: the Wi-Fi key a tool-added entry comes with, null for the row's own entry. */
        private void add(NvsEntry e, String location, String addedFor) {
            Claim earlier = claims.putIfAbsent(e.namespace() + "\0" + e.key(), new Claim(location, addedFor));
            if (earlier != null) {
                String what = addedFor == null ? "" : " (which Espressif's generator adds for the Wi-Fi driver with "
                        + addedFor + ")";
                String before = earlier.addedFor() == null ? "" : " (added there for the Wi-Fi driver with "
                        + earlier.addedFor() + ")";
                throw new EspfleetException(ExitStatus.BAD_INPUT, location + ": key '" + e.key() + "'" + what
                        + ": is already set in namespace '" + e.namespace() + "' at " + earlier.location() + before);
            }
            rows.add(new Row(e, location));
        }
    }

    /**
     * The records of a CSV of any length, read one at a time as {@link #records} reads them (strict UTF-8,
     * newlines translated, {@code filter} applied, blank records skipped): {@code mfg}'s values.csv, one row
     * per device. The caller closes it.
     */
    static final class RecordStream implements AutoCloseable {
        private final Path csv;
        private final java.io.InputStream in;
        private final PythonCsv.Reader reader;

        RecordStream(Path csv, PythonCsv.LineFilter filter) {
            this.csv = csv;
            this.in = InputFiles.open(csv, "CSV");
            java.io.Reader text = new java.io.InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
            this.reader = new PythonCsv.Reader(text, csv.toString(), filter);
        }

        /** The next record with cells, or null at the end. */
        PythonCsv.Record next() {
            try {
                PythonCsv.Record r;
                do {
                    r = reader.nextOrThrow();
                } while (r != null && r.cells().isEmpty());
                return r;
            } catch (CharacterCodingException e) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, csv + ": not UTF-8 text", "save the CSV as UTF-8");
            } catch (java.io.IOException e) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, csv + ": cannot read: " + AtomicFiles.describe(e));
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (java.io.IOException ignored) {
                // read-only: nothing is lost
            }
        }
    }

    /** Package-private for {@link NvsMfg}: the records of a CSV the Python tools read with {@code filter}. */
    static List<PythonCsv.Record> records(Path csv, PythonCsv.LineFilter filter) {
        return PythonCsv.parse(readText(csv), csv.toString(), filter).stream().filter(r -> !r.cells().isEmpty()).toList();
    }
}
