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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Espressif's NVS CSV format ({@code key,type,encoding,value}; types {@code namespace|data|file}; lines
 * starting with {@code #} are comments; {@code file} paths relative to the CSV) turned into
 * {@link NvsEntry NvsEntries}, each remembering the file and line it came from so that any refusal, here
 * or in the writer, names them. The text is read as the Python tool reads it ({@link PythonCsv}), and the
 * entries the tool adds by itself for Wi-Fi driver keys are added too ({@link WifiDriverRecords}).
 *
 * <p>Refused where Espressif's generator misbehaves: data rows before any namespace row, unknown types,
 * keys that are not ASCII, and a key repeated in one namespace. Encodings are case-insensitive (the
 * generator drops the NUL of {@code STRING}).
 */
public final class NvsCsv {
    /** The largest CSV read; far above any NVS partition's worth of rows. */
    public static final long MAX_CSV_BYTES = 8L << 20;
    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]*={0,2}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    /** {@code blob_fill(LENGTH;0xPP)} and {@code blob_sz_fill(LENGTH;0xPP)}, as nvs_partition_gen.py 0.2.0 takes them. */
    private static final Pattern BLOB_FILL = Pattern.compile("(blob_fill|blob_sz_fill)\\(([0-9]+);0x([0-9a-f]{2})\\)");
    private static final List<String> COLUMNS = List.of("key", "type", "encoding", "value");

    /** An entry and where it came from ({@code file:line}). */
    public record Row(NvsEntry entry, String location) {
    }

    private NvsCsv() {
    }

    /** Reads CSVs in order into one list; a namespace opened in one file continues into the next. */
    public static List<Row> read(List<Path> csvs) {
        RowBuilder rows = new RowBuilder();
        for (Path csv : csvs) {
            read(csv, rows);
        }
        return rows.rows();
    }

    /** The image holding the CSVs' entries; refusals name the CSV file, line and key. */
    public static byte[] generate(List<Path> csvs, int size, NvsVersion version, NvsEncryptionKeys keys) {
        return write(read(csvs), size, version, keys);
    }

    /** Writes rows, turning the writer's refusal into one naming the row's file and line. */
    public static byte[] write(List<Row> rows, int size, NvsVersion version, NvsEncryptionKeys keys) {
        List<NvsEntry> entries = rows.stream().map(Row::entry).toList();
        try {
            return NvsPartitionWriter.write(entries, size, version, keys);
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
     * One entry from the cells of a row, as {@code mfg} builds them too. {@code location} prefixes errors;
     * {@code baseDir} resolves {@code file} values.
     */
    public static NvsEntry entry(String namespace, String key, String type, String encoding, String value,
            Path baseDir, String location) {
        String enc = encoding.strip().toLowerCase(Locale.ROOT);
        byte[] raw;
        if (type.equals("file")) {
            raw = readValueFile(baseDir, value, key, location);
        } else if (type.equals("data")) {
            raw = null;
            checkNoCommentLine(value, key, location);
        } else {
            throw fail(location, key, "type '" + type + "' is not namespace, data or file");
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
        if (enc.startsWith("blob_fill") || enc.startsWith("blob_sz_fill")) {
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
                return NvsEntry.blob(namespace, key, bytes);
            case "hex2bin":
                return NvsEntry.blob(namespace, key, hex(new String(bytes, StandardCharsets.US_ASCII), location, key));
            case "base64":
                return NvsEntry.blob(namespace, key, base64(new String(bytes, StandardCharsets.US_ASCII), location, key));
            default:
                throw fail(location, key, "encoding '" + encoding + "' is not one of u8, i8, u16, i16, u32, i32, u64,"
                        + " i64, string, hex2bin, base64, binary, blob_fill(N;0xPP), blob_sz_fill(N;0xPP)");
        }
    }

    /**
     * {@code blob_fill(N;0xPP)}: the value's UTF-8 bytes padded with PP to N bytes; {@code blob_sz_fill}:
     * the same after a little-endian u32 holding the value's length (N + 4 bytes in all). A value longer
     * than N is refused, as the Python tool refuses it.
     */
    private static byte[] blobFill(String encoding, String value, String location, String key) {
        Matcher m = BLOB_FILL.matcher(encoding);
        if (!m.matches()) {
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
        if (!Files.exists(file)) {
            throw fail(location, key, "file '" + value + "' not found (looked for " + file.toAbsolutePath().normalize() + ")");
        }
        try {
            return InputFiles.read(file, NvsLayout.MAX_VALUE_BYTES, "value file");
        } catch (EspfleetException e) {
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
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(raw));
        } catch (CharacterCodingException e) {
            throw fail(location, key, "file for a string is not UTF-8 text; use encoding binary");
        }
    }

    static EspfleetException fail(String location, String key, String detail) {
        return new EspfleetException(ExitStatus.BAD_INPUT, location + ": key '" + key + "': " + detail);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /**
     * A CSV's text as the Python tools get it: UTF-8 (a leading BOM dropped), newlines translated as
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
        return PythonCsv.universalNewlines(text.startsWith("\uFEFF") ? text.substring(1) : text);
    }

    private static void read(Path csv, RowBuilder rows) {
        String name = csv.toString();
        List<PythonCsv.Record> records = PythonCsv.parse(readText(csv), name, PythonCsv.LineFilter.COMMENTS);
        if (records.isEmpty()) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, name + ": empty; expected the header key,type,encoding,value");
        }
        PythonCsv.Record head = records.get(0);
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < head.cells().size(); i++) {
            columns.put(head.cells().get(i).strip().toLowerCase(Locale.ROOT), i);
        }
        for (String c : COLUMNS) {
            if (!columns.containsKey(c)) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, name + ":" + head.line()
                        + ": header has no '" + c + "' column; expected key,type,encoding,value");
            }
        }
        Path baseDir = csv.toAbsolutePath().getParent();
        for (PythonCsv.Record r : records.subList(1, records.size())) {
            String location = name + ":" + r.line();
            String key = cell(r, columns.get("key"));
            String type = cell(r, columns.get("type")).strip().toLowerCase(Locale.ROOT);
            if (key.isEmpty()) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, location + ": the key is empty");
            }
            if (type.equals("namespace")) {
                rows.namespace(key, location);
            } else {
                rows.item(key, type, cell(r, columns.get("encoding")), cell(r, columns.get("value")), baseDir, location);
            }
        }
    }

    private static String cell(PythonCsv.Record r, int column) {
        return column < r.cells().size() ? r.cells().get(column) : "";
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

        void item(String key, String type, String encoding, String value, Path baseDir, String location) {
            if (namespace == null) {
                throw fail(location, key, "comes before any namespace row; start the CSV with e.g. 'storage,namespace,,'");
            }
            if (WifiDriverRecords.isWifiKey(key) && type.equals("file")) {
                throw fail(location, key, "is a Wi-Fi driver record, which Espressif's generator takes from the CSV text"
                        + " whatever the type (with type file it would store the path); give it as type data");
            }
            NvsEntry entry = entry(namespace, key, type, encoding, value, baseDir, location);
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

    /** Package-private for {@link NvsMfg}: the records of a CSV the Python tools read with {@code filter}. */
    static List<PythonCsv.Record> records(Path csv, PythonCsv.LineFilter filter) {
        return PythonCsv.parse(readText(csv), csv.toString(), filter);
    }
}
