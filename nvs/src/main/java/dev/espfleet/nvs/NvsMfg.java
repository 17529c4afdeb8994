package dev.espfleet.nvs;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Mass manufacturing as ESP-IDF's {@code mfg_gen.py} does it: {@code config.csv} lists
 * {@code key,type,encoding[,REPEAT]} (namespace rows as {@code name,namespace,}), {@code values.csv} has a
 * header naming the keys and one row per device; each row becomes one image named
 * {@code <prefix>-<fileid>.bin}. A {@code REPEAT} key takes its value from the first device row. A key
 * listed in several namespaces takes the columns of that name in order, as mfg_gen.py pairs them; a key
 * listed twice in one namespace is refused. {@code file} values are relative to {@code values.csv}.
 *
 * <p>Each device's rows become entries as {@code nvs_partition_gen.py} makes them from mfg_gen.py's
 * intermediate CSV ({@link NvsCsv.RowBuilder}, Wi-Fi driver records included).
 */
public final class NvsMfg {
    private static final Pattern SAFE_FILE_ID = Pattern.compile("[A-Za-z0-9._-]+");
    /** A prefix names files inside the output folder: no separators, no leading dot (no "..", no hidden files). */
    private static final Pattern SAFE_PREFIX = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

    /** One device: its file id and its entries with their values.csv locations. */
    public record Device(String fileId, List<NvsCsv.Row> rows) {
    }

    /**
     * A config row; {@code occurrence} counts earlier listings of its key (in other namespaces): it takes
     * the values.csv column of that name with this index (-1 for namespace rows).
     */
    private record ConfigRow(String key, String type, String encoding, boolean repeat, String location, int occurrence) {
    }

    private NvsMfg() {
    }

    /** The devices of a config/values pair; {@code fileIdKey} null numbers them 1, 2, 3... */
    public static List<Device> read(Path config, Path values, String fileIdKey) {
        List<ConfigRow> configRows = readConfig(config);
        String valuesName = values.toString();
        List<PythonCsv.Record> records = NvsCsv.records(values, PythonCsv.LineFilter.BLANK_LINES);
        if (records.isEmpty()) {
            throw bad(valuesName + ": empty; expected a header row naming the keys, then one row per device");
        }
        PythonCsv.Record header = records.get(0);
        Map<String, List<Integer>> columns = new HashMap<>();
        for (int i = 0; i < header.cells().size(); i++) {
            columns.computeIfAbsent(header.cells().get(i), k -> new ArrayList<>()).add(i);
        }
        for (ConfigRow c : configRows) {
            if (c.type().equals("namespace")) {
                continue;
            }
            int found = columns.getOrDefault(c.key(), List.of()).size();
            if (found == 0) {
                String bom = header.cells().get(0).startsWith("\uFEFF") ? " (it starts with a byte order mark, which"
                        + " mfg_gen.py reads as part of the first column name; save it as UTF-8 without one)" : "";
                throw bad(c.location() + ": key '" + c.key() + "' has no column in " + valuesName + bom);
            }
            if (c.occurrence() >= found) {
                throw bad(c.location() + ": key '" + c.key() + "' is listed again (in another namespace), but "
                        + valuesName + " has " + found + " column(s) '" + c.key() + "'; mfg_gen.py takes one column"
                        + " per listing, in order");
            }
        }
        if (fileIdKey != null && !columns.containsKey(fileIdKey)) {
            throw bad("--fileid '" + fileIdKey + "' is not a column of " + valuesName + "; columns: " + columns.keySet());
        }
        Path baseDir = values.toAbsolutePath().getParent();
        List<Device> devices = new ArrayList<>();
        Set<String> fileIds = new HashSet<>();
        PythonCsv.Record first = records.size() > 1 ? records.get(1) : null;
        for (PythonCsv.Record r : records.subList(1, records.size())) {
            String location = valuesName + ":" + r.line();
            if (r.cells().size() != header.cells().size()) {
                throw bad(location + ": " + r.cells().size() + " values for " + header.cells().size() + " columns");
            }
            String fileId = fileIdKey == null ? String.valueOf(devices.size() + 1)
                    : r.cells().get(columns.get(fileIdKey).get(0)).strip();
            if (!SAFE_FILE_ID.matcher(fileId).matches()) {
                throw bad(location + ": file id '" + fileId + "' (column " + fileIdKey
                        + ") must be letters, digits, '.', '_' or '-' to name a file");
            }
            if (!fileIds.add(fileId)) {
                throw bad(location + ": file id '" + fileId + "' repeats an earlier device's");
            }
            devices.add(new Device(fileId, deviceRows(configRows, columns, r, first, baseDir, location)));
        }
        return devices;
    }

    /**
     * Writes one image per device into {@code outDir} (created 0700 if missing; images 0600, as they may
     * hold private keys); on a refusal, the images of this run are removed.
     */
    public static List<Path> generate(Path config, Path values, String prefix, String fileIdKey, Path outDir,
            int size, NvsVersion version, NvsEncryptionKeys keys) {
        if (!SAFE_PREFIX.matcher(prefix).matches()) {
            throw bad("PREFIX '" + prefix + "' must be letters, digits, '.', '_' or '-', not starting with '.':"
                    + " it names the image files inside the output folder");
        }
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw bad("output folder " + outDir + " is a file, not a folder");
        }
        NvsPartitionWriter.checkPartitionSize(size);
        List<Device> devices = read(config, values, fileIdKey);
        List<Path> targets = devices.stream().map(d -> outDir.resolve(prefix + "-" + d.fileId() + ".bin")).toList();
        targets.forEach(AtomicFiles::checkTarget);
        List<Path> written = new ArrayList<>();
        try {
            for (int i = 0; i < targets.size(); i++) {
                AtomicFiles.writeSecret(targets.get(i), NvsCsv.write(devices.get(i).rows(), size, version, keys));
                written.add(targets.get(i));
            }
        } catch (RuntimeException e) {
            for (Path p : written) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the refusal is the error worth reporting
                }
            }
            throw e;
        }
        return written;
    }

    private static List<NvsCsv.Row> deviceRows(List<ConfigRow> config, Map<String, List<Integer>> columns,
            PythonCsv.Record r, PythonCsv.Record first, Path baseDir, String location) {
        NvsCsv.RowBuilder rows = new NvsCsv.RowBuilder();
        for (ConfigRow c : config) {
            if (c.type().equals("namespace")) {
                rows.namespace(c.key(), c.location());
                continue;
            }
            int column = columns.get(c.key()).get(c.occurrence());
            String value = (c.repeat() ? first : r).cells().get(column);
            rows.item(c.key(), c.type(), c.encoding(), value, NvsCsv.ValueFiles.relativeTo(baseDir),
                    location + " (column " + c.key() + ")");
        }
        return rows.rows();
    }

    private static List<ConfigRow> readConfig(Path config) {
        String name = config.toString();
        List<ConfigRow> rows = new ArrayList<>();
        Map<String, Integer> occurrences = new HashMap<>();
        Map<String, String> listed = new HashMap<>();
        String namespace = null;
        for (PythonCsv.Record rec : NvsCsv.records(config, PythonCsv.LineFilter.COMMENTS_AND_BLANK_LINES)) {
            String location = name + ":" + rec.line();
            List<String> r = rec.cells();
            String key = r.get(0);
            String type = r.size() > 1 ? r.get(1) : "";
            if (type.equals("namespace")) {
                namespace = key;
                rows.add(new ConfigRow(key, type, "", false, location, -1));
                continue;
            }
            if (r.size() < 3 || r.size() > 4) {
                throw bad(location + ": " + r.size() + " cells; expected key,type,encoding[,REPEAT]");
            }
            boolean repeat = r.size() == 4;
            if (repeat && !r.get(3).equals("REPEAT")) {
                throw bad(location + ": fourth cell '" + r.get(3) + "' is not REPEAT (mfg_gen.py reads only the exact"
                        + " word and stops on a row of four cells without it)");
            }
            checkSpelling(location, key, "type", type, List.of("data", "file", "namespace"));
            if (!type.equals("data") && !type.equals("file")) {
                throw bad(location + ": key '" + key + "': type '" + r.get(1) + "' is not namespace, data or file");
            }
            String encoding = r.get(2);
            checkSpelling(location, key, "encoding", encoding, NvsCsv.ENCODING_NAMES);
            NvsCsv.encoding(encoding, type.equals("file"), key, location);
            if (namespace == null) {
                throw NvsCsv.fail(location, key, "comes before any namespace row");
            }
            String before = listed.putIfAbsent(namespace + "\0" + key, location);
            if (before != null) {
                throw bad(location + ": key '" + key + "' is already listed in namespace '" + namespace + "' at " + before
                        + "; a key is set once per namespace");
            }
            int occurrence = occurrences.merge(key, 1, Integer::sum) - 1;
            rows.add(new ConfigRow(key, type, encoding, repeat, location, occurrence));
        }
        return rows;
    }

    /**
     * mfg_gen.py checks types and encodings as written ({@code verify_datatype_encoding}): another case, or
     * spaces around, make it refuse the config; so does espfleet, naming the spelling it reads.
     */
    private static void checkSpelling(String location, String key, String what, String cell,
            Collection<String> names) {
        String folded = cell.strip().toLowerCase(Locale.ROOT);
        if (!cell.equals(folded) && names.contains(folded)) {
            throw bad(location + ": key '" + key + "': " + what + " '" + cell + "': mfg_gen.py reads only '" + folded
                    + "', in lower case without spaces (it refuses the config); write it as " + folded);
        }
    }

    private static EspfleetException bad(String message) {
        return new EspfleetException(ExitStatus.BAD_INPUT, message);
    }
}
