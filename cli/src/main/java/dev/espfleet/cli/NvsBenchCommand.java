package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionWriter;
import dev.espfleet.nvs.NvsVersion;
import dev.espfleet.nvs.PartitionSize;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet nvs bench}: writes N per-device identity images (thing name, endpoint, ~1.2 KB PEM
 * certificate, ~1.7 KB PEM key) to disk as {@code nvs generate} and {@code provision} write theirs
 * ({@link AtomicFiles#writeSecret}: mode 0600, temp file renamed, file and folder synced), and prints
 * images/s and peak heap; so the figure is what writing real images costs. {@code --in-memory} builds them
 * only, the figure of the writer alone. The PEM bodies are random base64 of real certificate/key sizes: the
 * writer does not parse them.
 */
@Command(name = "bench", description = "Write N per-device NVS identity images to disk as nvs generate writes them"
        + " (0600, synced); print images/s and peak heap.")
public final class NvsBenchCommand implements Callable<Integer> {
    /** DER sizes that give PEM files of about 1.2 KB (RSA-2048 certificate) and 1.7 KB (RSA-2048 key). */
    private static final int CERT_DER_BYTES = 860;
    private static final int KEY_DER_BYTES = 1218;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Option(names = {"-n", "--count"}, defaultValue = "10000", description = "Images to write (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--outdir", paramLabel = "DIR", defaultValue = "build/nvs-bench",
            description = "Output directory (default ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--size", defaultValue = "0x6000", description = "Partition size (default ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--threads", defaultValue = "1", description = "Worker threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--in-memory", description = "Build the images but write nothing (the writer alone, without the disk).")
    boolean inMemory;

    @Option(names = "--mfg-input", paramLabel = "DIR", description = {
        "Instead: write the input of an nvs mfg run of N devices to DIR (config.csv, values.csv, certs/, keys/:"
            + " thing name, endpoint, ~1.1 KB certificate and ~1.7 KB key files, as with mfg_gen.py), then time"
            + " 'espfleet nvs mfg DIR/config.csv DIR/values.csv dev 0x6000 --fileid thing_name --outdir OUT'."})
    Path mfgInput;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || threads < 1) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "--count and --threads must be at least 1");
        }
        if (mfgInput != null) {
            writeMfgInput();
            return 0;
        }
        int bytes = PartitionSize.nvs(size);
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            int per = (count + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                int from = t * per;
                int to = Math.min(count, from + per);
                jobs.add(pool.submit(() -> writeImages(from, to, bytes)));
            }
            for (Future<?> job : jobs) {
                job.get();
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s %d images of 0x%x bytes%s in %.2f s: %.0f images/s, peak heap %.1f MB (%d thread(s))%n",
                inMemory ? "built" : "wrote", count, bytes, inMemory ? " in memory (nothing written)" : " to " + outDir
                        + " (mode 0600, each synced to disk, as nvs generate and provision write them)", seconds,
                count / seconds, peak / 1048576.0, threads);
        return 0;
    }

    private Void writeImages(int from, int to, int size) {
        SplittableRandom random = new SplittableRandom(from);
        for (int i = from; i < to; i++) {
            String thing = String.format("bench-thing-%06d", i);
            List<NvsEntry> entries = List.of(
                    NvsEntry.namespace("aws"),
                    NvsEntry.string("aws", "thing_name", thing),
                    NvsEntry.string("aws", "endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"),
                    NvsEntry.stringBytes("aws", "cert", pem("CERTIFICATE", CERT_DER_BYTES, random)),
                    NvsEntry.stringBytes("aws", "priv_key", pem("PRIVATE KEY", KEY_DER_BYTES, random)));
            byte[] image = NvsPartitionWriter.write(entries, size, NvsVersion.V2);
            if (!inMemory) {
                AtomicFiles.writeSecret(outDir.resolve(thing + ".bin"), image);
            }
        }
        return null;
    }

    /** DER size of a ~1.1 KB PEM certificate, the size issue 21 times nvs mfg with. */
    private static final int MFG_CERT_DER_BYTES = 800;

    private void writeMfgInput() {
        AtomicFiles.createPrivateDirectories(mfgInput.resolve("certs"));
        AtomicFiles.createPrivateDirectories(mfgInput.resolve("keys"));
        AtomicFiles.write(mfgInput.resolve("config.csv"), ("aws,namespace,\nthing_name,data,string\nendpoint,data,string\n"
                + "cert,file,string\npriv_key,file,string\n").getBytes(StandardCharsets.US_ASCII));
        StringBuilder values = new StringBuilder("thing_name,endpoint,cert,priv_key\n");
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < count; i++) {
            String thing = String.format("thing-%06d", i);
            AtomicFiles.write(mfgInput.resolve("certs/" + thing + ".pem"), pem("CERTIFICATE", MFG_CERT_DER_BYTES, random));
            AtomicFiles.writeSecret(mfgInput.resolve("keys/" + thing + ".key"), pem("PRIVATE KEY", KEY_DER_BYTES, random));
            values.append(thing).append(",a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com,certs/").append(thing)
                    .append(".pem,keys/").append(thing).append(".key\n");
        }
        AtomicFiles.write(mfgInput.resolve("values.csv"), values.toString().getBytes(StandardCharsets.US_ASCII));
        String mfg = String.format("./espfleet nvs mfg %s %s dev 0x6000 --fileid thing_name --outdir OUT",
                mfgInput.resolve("config.csv"), mfgInput.resolve("values.csv"));
        spec.commandLine().getOut().printf("wrote the input of %d devices to %s; time it (median of 11 runs, then"
                + " wall time and peak RSS) with:%n  tools/median-time -n 11 --prepare 'rm -rf OUT' -- %s%n"
                + "  rm -rf OUT; /usr/bin/time -f '%%e s %%M KB' %s%n", count, mfgInput, mfg, mfg);
    }

    private static byte[] pem(String label, int derBytes, SplittableRandom random) {
        byte[] der = new byte[derBytes];
        random.nextBytes(der);
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }
}
