package dev.espfleet.nvs;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVRecord;

/**
 * Mass manufacturing as ESP-IDF's {@code mfg_gen.py} does it: {@code config.csv} lists
 * {@code key,type,encoding[,REPEAT]} (namespace rows as {@code name,namespace,}), {@code values.csv} has a
 * header naming the keys and one row per device; each row becomes one image named
 * {@code <prefix>-<fileid>.bin}. A {@code REPEAT} key takes its value from the first device row.
 * {@code file} values are relative to {@code values.csv}.
 */
public final class NvsMfg {
    private static final Pattern SAFE_FILE_ID = Pattern.compile("[A-Za-z0-9._-]+");

    /** One device: its file id and its entries with their values.csv locations. */
    public record Device(String fileId, List<NvsCsv.Row> rows) {
    }

    private record ConfigRow(String key, String type, String encoding, boolean repeat, String location) {
    }

    private NvsMfg() {
    }

    /** The devices of a config/values pair; {@code fileIdKey} null numbers them 1, 2, 3... */
    public static List<Device> read(Path config, Path values, String fileIdKey) {
        List<ConfigRow> configRows = readConfig(config);
        String valuesName = values.toString();
        List<Map.Entry<Integer, CSVRecord>> records = NvsCsv.records(NvsCsv.readText(values), valuesName);
        if (records.isEmpty()) {
            throw bad(valuesName + ": empty; expected a header row naming the keys, then one row per device");
        }
        CSVRecord header = records.get(0).getValue();
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            columns.putIfAbsent(header.get(i).strip(), i);
        }
        for (ConfigRow c : configRows) {
            if (!c.type().equals("namespace") && !columns.containsKey(c.key())) {
                throw bad(c.location() + ": key '" + c.key() + "' has no column in " + valuesName);
            }
        }
        if (fileIdKey != null && !columns.containsKey(fileIdKey)) {
            throw bad("--fileid '" + fileIdKey + "' is not a column of " + valuesName + "; columns: " + columns.keySet());
        }
        Path baseDir = values.toAbsolutePath().getParent();
        List<Device> devices = new ArrayList<>();
        Set<String> fileIds = new HashSet<>();
        CSVRecord first = records.size() > 1 ? records.get(1).getValue() : null;
        for (Map.Entry<Integer, CSVRecord> rec : records.subList(1, records.size())) {
            String location = valuesName + ":" + rec.getKey();
            CSVRecord r = rec.getValue();
            if (r.size() != header.size()) {
                throw bad(location + ": " + r.size() + " values for " + header.size() + " columns");
            }
            String fileId = fileIdKey == null ? String.valueOf(devices.size() + 1) : r.get(columns.get(fileIdKey)).strip();
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

    /** Writes one image per device into {@code outDir}; on a refusal, the images of this run are removed. */
    public static List<Path> generate(Path config, Path values, String prefix, String fileIdKey, Path outDir,
            int size, NvsVersion version, NvsEncryptionKeys keys) {
        NvsPartitionWriter.checkPartitionSize(size);
        List<Device> devices = read(config, values, fileIdKey);
        List<Path> written = new ArrayList<>();
        try {
            for (Device d : devices) {
                Path out = outDir.resolve(prefix + "-" + d.fileId() + ".bin");
                AtomicFiles.write(out, NvsCsv.write(d.rows(), size, version, keys));
                written.add(out);
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

    private static List<NvsCsv.Row> deviceRows(List<ConfigRow> config, Map<String, Integer> columns, CSVRecord r,
            CSVRecord first, Path baseDir, String location) {
        List<NvsCsv.Row> rows = new ArrayList<>();
        String namespace = null;
        for (ConfigRow c : config) {
            if (c.type().equals("namespace")) {
                namespace = c.key();
                rows.add(new NvsCsv.Row(NvsEntry.namespace(namespace), c.location()));
                continue;
            }
            if (namespace == null) {
                throw NvsCsv.fail(c.location(), c.key(), "comes before any namespace row");
            }
            int column = columns.get(c.key());
            String value = (c.repeat() ? first : r).get(column);
            String where = location + " (column " + c.key() + ")";
            rows.add(new NvsCsv.Row(NvsCsv.entry(namespace, c.key(), c.type(), c.encoding(), value, baseDir, where),
                    where));
        }
        return rows;
    }

    private static List<ConfigRow> readConfig(Path config) {
        String name = config.toString();
        List<ConfigRow> rows = new ArrayList<>();
        for (Map.Entry<Integer, CSVRecord> rec : NvsCsv.records(NvsCsv.readText(config), name)) {
            String location = name + ":" + rec.getKey();
            CSVRecord r = rec.getValue();
            String key = r.get(0).strip();
            String type = r.size() > 1 ? r.get(1).strip().toLowerCase(Locale.ROOT) : "";
            if (type.equals("namespace")) {
                rows.add(new ConfigRow(key, type, "", false, location));
                continue;
            }
            if (r.size() < 3 || r.size() > 4) {
                throw bad(location + ": " + r.size() + " cells; expected key,type,encoding[,REPEAT]");
            }
            boolean repeat = r.size() == 4 && r.get(3).strip().equals("REPEAT");
            if (r.size() == 4 && !repeat && !r.get(3).isBlank()) {
                throw bad(location + ": fourth cell '" + r.get(3) + "' is not REPEAT");
            }
            if (!type.equals("data") && !type.equals("file")) {
                throw bad(location + ": key '" + key + "': type '" + r.get(1) + "' is not namespace, data or file");
            }
            rows.add(new ConfigRow(key, type, r.get(2), repeat, location));
        }
        return rows;
    }

    private static EspfleetException bad(String message) {
        return new EspfleetException(ExitStatus.BAD_INPUT, message);
    }
}
