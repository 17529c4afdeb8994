package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.StagedSecretFiles;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
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

    /**
     * The devices of a config/values pair, in memory (for tests and small runs; {@link #generate} streams);
     * {@code fileIdKey} null numbers them 1, 2, 3...
     */
    public static List<Device> read(Path config, Path values, String fileIdKey) {
        List<ConfigRow> configRows = readConfig(config);
        List<Device> devices = new ArrayList<>();
        Set<String> fileIds = new HashSet<>();
        try (NvsCsv.RecordStream records = new NvsCsv.RecordStream(values, PythonCsv.LineFilter.BLANK_LINES)) {
            ValuesTable table = new ValuesTable(configRows, values, records.next(), fileIdKey);
            for (PythonCsv.Record r = records.next(); r != null; r = records.next()) {
                String fileId = table.admit(r);
                if (!fileIds.add(fileId)) {
                    throw bad(table.location(r) + ": file id '" + fileId + "' repeats an earlier device's");
                }
                devices.add(new Device(fileId, table.rows(r)));
            }
        }
        return devices;
    }

    /**
     * Writes one image per device into {@code outDir} (created 0700 if missing; images 0600, as they may
     * hold private keys), using every processor; see {@link #generate(Path, Path, String, String, Path, int,
     * NvsVersion, NvsEncryptionKeys, int, Consumer)}.
     */
    public static long generate(Path config, Path values, String prefix, String fileIdKey, Path outDir,
            int size, NvsVersion version, NvsEncryptionKeys keys, Consumer<String> written) {
        return generate(config, values, prefix, fileIdKey, outDir, size, version, keys,
                Runtime.getRuntime().availableProcessors(), written);
    }

    /**
     * Writes one image per device into {@code outDir}, streaming: values.csv is read a row at a time, and
     * each row's image is built (its files read) and written by one of {@code threads} workers and then
     * forgotten, so memory is that of a few images whatever the number of devices. Each image is created
     * in row order in a staging folder ({@link StagedSecretFiles}), which is how a file id that repeats an
     * earlier row's is found, and arrives in {@code outDir} only when every device has been written: on a
     * refusal nothing of this run is left, and the refusal is the first problem in row order, as a
     * sequential run finds it. {@code written} gets the images' file names (in {@code outDir}) in row order
     * once they are all in place; returns their number.
     */
    public static long generate(Path config, Path values, String prefix, String fileIdKey, Path outDir,
            int size, NvsVersion version, NvsEncryptionKeys keys, int threads, Consumer<String> written) {
        if (!SAFE_PREFIX.matcher(prefix).matches()) {
            throw bad("PREFIX '" + prefix + "' must be letters, digits, '.', '_' or '-', not starting with '.':"
                    + " it names the image files inside the output folder");
        }
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw bad("output folder " + outDir + " is a file, not a folder");
        }
        NvsPartitionWriter.checkPartitionSize(size);
        List<ConfigRow> configRows = readConfig(config);
        try (NvsCsv.RecordStream records = new NvsCsv.RecordStream(values, PythonCsv.LineFilter.BLANK_LINES)) {
            ValuesTable table = new ValuesTable(configRows, values, records.next(), fileIdKey);
            PythonCsv.Record firstRow = records.next();
            if (firstRow == null) {
                return 0;
            }
            // one image array per worker, reused: the garbage of a run does not grow with the image count
            ThreadLocal<byte[]> images = ThreadLocal.withInitial(() -> new byte[size]);
            try (StagedSecretFiles staged = new StagedSecretFiles(outDir);
                    Workers workers = new Workers(threads)) {
                int index = 0;
                List<Job> chunk = new ArrayList<>(Workers.CHUNK);
                try {
                    for (PythonCsv.Record r = firstRow; r != null && !workers.failed(); r = records.next()) {
                        // the loop's body is a method of its own: the JIT compiles a method called thousands of
                        // times early, a loop run in one call (on-stack replacement) only after 60,000 turns
                        chunk.add(job(index, r, table, staged, prefix, images, version, keys));
                        index++;
                        if (chunk.size() == Workers.CHUNK) {
                            workers.run(chunk);
                            chunk = new ArrayList<>(Workers.CHUNK);
                        }
                    }
                    workers.run(chunk);
                } catch (RuntimeException | Error e) {
                    // the rows admitted so far still run (each job writes or closes its file), then the failure
                    workers.run(chunk);
                    workers.fail(index, e);
                }
                workers.finish();
                return staged.commit(written);
            }
        }
    }

    /** Admits a device row (in row order) and creates its image's staged file; its job. */
    private static Job job(int index, PythonCsv.Record r, ValuesTable table, StagedSecretFiles staged, String prefix,
            ThreadLocal<byte[]> images, NvsVersion version, NvsEncryptionKeys keys) {
        String fileId = table.admit(r);
        StagedSecretFiles.Staged file = staged.create(prefix + "-" + fileId + ".bin");
        if (file == null) {
            throw bad(table.location(r) + ": file id '" + fileId + "' repeats an earlier device's");
        }
        return new Job(index, file, () -> file.write(NvsCsv.writeInto(images.get(), table.rows(r), version, keys)));
    }

    /** One device's work, its row index (0 for the first device) and the file it writes. */
    private record Job(int index, StagedSecretFiles.Staged file, Runnable work) {
    }

    /**
     * Runs the devices' jobs on {@code threads} workers (in the caller's thread for one), in chunks of
     * {@link #CHUNK} rows (one hand-over between threads per chunk, not per row), with a bounded number of
     * chunks queued or running (each job holds its open file), so memory stays that of a few images; keeps
     * the failure of the lowest row index, the one a sequential run would meet first.
     */
    private static final class Workers implements AutoCloseable {
        static final int CHUNK = 16;
        private static final int IN_FLIGHT_PER_THREAD = 4;
        /** At most this many chunks in flight: 512 open files. */
        private static final int MAX_IN_FLIGHT = 32;
        /** A worker writes one chunk of images at most: far less than this, even to a slow disk. */
        private static final long STOP_SECONDS = 60;
        private final ExecutorService pool;
        private final Semaphore slots;
        private final int permits;
        private volatile boolean failed;
        private int failedIndex = Integer.MAX_VALUE;
        private Throwable failure;

        Workers(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads " + threads);
            }
            AtomicInteger number = new AtomicInteger();
            pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "nvs-mfg-" + number.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            permits = Math.min(threads * IN_FLIGHT_PER_THREAD, MAX_IN_FLIGHT);
            slots = new Semaphore(permits);
        }

        boolean failed() {
            return failed;
        }

        /** Runs the jobs in order, stopping at the first that fails (the rest only close their files). */
        void run(List<Job> jobs) {
            if (jobs.isEmpty()) {
                return;
            }
            Runnable chunk = () -> {
                try {
                    boolean stopped = false;
                    for (Job job : jobs) {
                        if (stopped) {
                            job.file().discard();
                            continue;
                        }
                        try {
                            job.work().run();
                        } catch (RuntimeException | Error e) {
                            job.file().discard();
                            fail(job.index(), e);
                            stopped = true;
                        }
                    }
                } finally {
                    slots.release();
                }
            };
            slots.acquireUninterruptibly();
            if (pool == null) {
                chunk.run();
            } else {
                pool.execute(chunk);
            }
        }

        synchronized void fail(int index, Throwable e) {
            if (index < failedIndex) {
                failedIndex = index;
                failure = e;
            }
            failed = true;
        }

        /** Waits for every job; throws the first failure in row order. */
        void finish() {
            slots.acquireUninterruptibly(permits);
            slots.release(permits);
            synchronized (this) {
                if (failure instanceof RuntimeException e) {
                    throw e;
                }
                if (failure instanceof Error e) {
                    throw e;
                }
            }
        }

        /**
         * Stops the workers and waits for them (bounded), so that none writes a staged file after the batch has
         * been discarded; after {@link #finish} they are idle already.
         */
        @Override
        public void close() {
            if (pool != null) {
                pool.shutdownNow();
                try {
                    pool.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * values.csv's header checked against config.csv, and what each device row is read with. {@link #admit}
     * runs in row order in one thread; {@link #rows} may run in several at once.
     */
    private static final class ValuesTable {
        private final List<ConfigRow> config;
        private final String valuesName;
        private final Map<String, List<Integer>> columns = new HashMap<>();
        private final int width;
        private final String fileIdKey;
        private final Path baseDir;
        private int admitted;
        private PythonCsv.Record first;

        ValuesTable(List<ConfigRow> config, Path values, PythonCsv.Record header, String fileIdKey) {
            this.config = config;
            this.valuesName = values.toString();
            this.fileIdKey = fileIdKey;
            this.baseDir = values.toAbsolutePath().getParent();
            if (header == null) {
                throw bad(valuesName + ": empty; expected a header row naming the keys, then one row per device");
            }
            width = header.cells().size();
            for (int i = 0; i < width; i++) {
                columns.computeIfAbsent(header.cells().get(i), k -> new ArrayList<>()).add(i);
            }
            for (ConfigRow c : config) {
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
        }

        /** Checks a device row's shape and file id, in row order; its file id. */
        String admit(PythonCsv.Record r) {
            String location = location(r);
            if (r.cells().size() != width) {
                throw bad(location + ": " + r.cells().size() + " values for " + width + " columns");
            }
            String fileId = fileIdKey == null ? String.valueOf(admitted + 1)
                    : r.cells().get(columns.get(fileIdKey).get(0)).strip();
            if (!SAFE_FILE_ID.matcher(fileId).matches()) {
                throw bad(location + ": file id '" + fileId + "' (column " + fileIdKey
                        + ") must be letters, digits, '.', '_' or '-' to name a file");
            }
            admitted++;
            if (first == null) {
                first = r;
            }
            return fileId;
        }

        /** The entries of an admitted row ({@code REPEAT} keys from the first row), value files read. */
        List<NvsCsv.Row> rows(PythonCsv.Record r) {
            String location = location(r);
            NvsCsv.RowBuilder rows = new NvsCsv.RowBuilder();
            NvsCsv.ValueFiles files = NvsCsv.ValueFiles.relativeTo(baseDir);
            for (ConfigRow c : config) {
                if (c.type().equals("namespace")) {
                    rows.namespace(c.key(), c.location());
                    continue;
                }
                int column = columns.get(c.key()).get(c.occurrence());
                String value = (c.repeat() ? first : r).cells().get(column);
                rows.item(c.key(), c.type(), c.encoding(), value, files, location + " (column " + c.key() + ")");
            }
            return rows.rows();
        }

        String location(PythonCsv.Record r) {
            return valuesName + ":" + r.line();
        }
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
