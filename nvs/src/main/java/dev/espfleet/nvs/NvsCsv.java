package dev.espfleet.nvs;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Espressif's NVS CSV format ({@code key,type,encoding,value}; types {@code namespace|data|file}; lines
 * starting with {@code #} are comments; {@code file} paths relative to the CSV) turned into
 * {@link NvsEntry NvsEntries}, each remembering the file and line it came from so that any refusal, here
 * or in the writer, names them.
 *
 * <p>Refused where Espressif's generator misbehaves: data rows before any namespace row, unknown types,
 * keys that are not ASCII, and a key repeated in one namespace. Encodings are case-insensitive (the
 * generator drops the NUL of {@code STRING}).
 */
public final class NvsCsv {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]*={0,2}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final List<String> COLUMNS = List.of("key", "type", "encoding", "value");

    /** An entry and where it came from ({@code file:line}). */
    public record Row(NvsEntry entry, String location) {
    }

    private NvsCsv() {
    }

    /** Reads CSVs in order into one list; a namespace opened in one file continues into the next. */
    public static List<Row> read(List<Path> csvs) {
        Reader reader = new Reader();
        for (Path csv : csvs) {
            reader.read(csv);
        }
        return reader.rows;
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

    /** Generates and writes the image atomically: nothing is left at {@code out} if anything is refused. */
    public static void generateFile(List<Path> csvs, Path out, int size, NvsVersion version, NvsEncryptionKeys keys) {
        AtomicFiles.write(out, generate(csvs, size, version, keys));
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
                        + " i64, string, hex2bin, base64, binary");
        }
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
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw fail(location, key, "file '" + value + "' not found (looked for " + file.toAbsolutePath().normalize() + ")");
        } catch (IOException e) {
            throw fail(location, key, "cannot read file '" + value + "': " + AtomicFiles.describe(e));
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

    /** Line numbers from character positions (commons-csv reports where a record starts). */
    static final class Lines {
        private final String text;
        private final int[] starts;

        Lines(String text) {
            this.text = text;
            List<Integer> s = new ArrayList<>();
            s.add(0);
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    s.add(i + 1);
                }
            }
            starts = s.stream().mapToInt(Integer::intValue).toArray();
        }

        /** 1-based line of the record at {@code position}, skipping comment and blank lines before it. */
        int lineOf(long position) {
            int line = Arrays.binarySearch(starts, (int) position);
            if (line < 0) {
                line = -line - 2;
            }
            while (line + 1 < starts.length) {
                int at = starts[line];
                char c = at < text.length() ? text.charAt(at) : '\n';
                if (c != '#' && c != '\n' && c != '\r') {
                    break;
                }
                line++;
            }
            return line + 1;
        }
    }

    /** Parses CSV text with commons-csv (quoting, embedded newlines), comments and a header row. */
    static List<Map.Entry<Integer, CSVRecord>> records(String text, String name) {
        CSVFormat.Builder format = CSVFormat.DEFAULT.builder().setCommentMarker('#').setIgnoreEmptyLines(true);
        Lines lines = new Lines(text);
        List<Map.Entry<Integer, CSVRecord>> out = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(text, format.get())) {
            for (CSVRecord r : parser) {
                out.add(Map.entry(lines.lineOf(r.getCharacterPosition()), r));
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, name + ": not valid CSV: " + e.getMessage());
        }
        return out;
    }

    static String readText(Path csv) {
        try {
            String text = Files.readString(csv, StandardCharsets.UTF_8);
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (NoSuchFileException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, csv + ": no such file");
        } catch (CharacterCodingException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, csv + ": not UTF-8 text", "save the CSV as UTF-8");
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, csv + ": cannot read: " + AtomicFiles.describe(e));
        }
    }

    private static final class Reader {
        final List<Row> rows = new ArrayList<>();
        final Map<String, String> seen = new HashMap<>();
        String namespace;

        void read(Path csv) {
            String name = csv.toString();
            List<Map.Entry<Integer, CSVRecord>> records = records(readText(csv), name);
            if (records.isEmpty()) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, name + ": empty; expected the header key,type,encoding,value");
            }
            CSVRecord head = records.get(0).getValue();
            Map<String, Integer> columns = new HashMap<>();
            for (int i = 0; i < head.size(); i++) {
                columns.put(head.get(i).strip().toLowerCase(Locale.ROOT), i);
            }
            for (String c : COLUMNS) {
                if (!columns.containsKey(c)) {
                    throw new EspfleetException(ExitStatus.BAD_INPUT, name + ":" + records.get(0).getKey()
                            + ": header has no '" + c + "' column; expected key,type,encoding,value");
                }
            }
            Path baseDir = csv.toAbsolutePath().getParent();
            for (Map.Entry<Integer, CSVRecord> rec : records.subList(1, records.size())) {
                String location = name + ":" + rec.getKey();
                CSVRecord r = rec.getValue();
                String key = cell(r, columns.get("key"));
                String type = cell(r, columns.get("type")).strip().toLowerCase(Locale.ROOT);
                if (key.isEmpty()) {
                    throw new EspfleetException(ExitStatus.BAD_INPUT, location + ": the key is empty");
                }
                if (type.equals("namespace")) {
                    namespace = key;
                    rows.add(new Row(NvsEntry.namespace(key), location));
                    continue;
                }
                if (namespace == null) {
                    throw fail(location, key, "comes before any namespace row; start the CSV with e.g. 'storage,namespace,,'");
                }
                String where = seen.putIfAbsent(namespace + "\0" + key, location);
                if (where != null) {
                    throw fail(location, key, "is already set in namespace '" + namespace + "' at " + where);
                }
                rows.add(new Row(entry(namespace, key, type, cell(r, columns.get("encoding")),
                        cell(r, columns.get("value")), baseDir, location), location));
            }
        }

        private static String cell(CSVRecord r, int column) {
            return column < r.size() ? r.get(column) : "";
        }
    }
}
