package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsMfg;
import dev.espfleet.nvs.NvsVersion;
import dev.espfleet.nvs.PartitionSize;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet nvs mfg CONFIG VALUES PREFIX SIZE [--fileid KEY] [--outdir DIR]}: as {@code mfg_gen.py generate}. */
@Command(name = "mfg", description = {
    "Mass manufacturing: one NVS image per device row of VALUES.",
    "mfg_gen.py-compatible config.csv + values.csv; REPEAT keys take the first row's value;",
    "images are named PREFIX-<fileid>.bin in --outdir, mode 0600."})
public final class NvsMfgCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "config.csv: key,type,encoding[,REPEAT] rows.")
    Path config;

    @Parameters(index = "1", paramLabel = "VALUES", description = "values.csv: a header of keys, one row per device.")
    Path values;

    @Parameters(index = "2", paramLabel = "PREFIX", description = "File name prefix of the images.")
    String prefix;

    @Parameters(index = "3", paramLabel = "SIZE", description = "Partition size (hex 0x6000 or decimal, no K/M).")
    String size;

    @Option(names = "--fileid", paramLabel = "KEY",
            description = "Column of VALUES whose value names each image (default: 1, 2, 3...).")
    String fileId;

    @Option(names = "--outdir", paramLabel = "DIR", defaultValue = ".", description = "Output directory (default: .).")
    Path outDir;

    @Option(names = "--version", paramLabel = "1|2", defaultValue = "2", description = "NVS format version (default 2).")
    int version;

    @Option(names = "--inputkey", paramLabel = "NVS_KEYS.BIN", description = "Encrypt every image with these keys.")
    Path inputKey;

    @Override
    public Integer call() {
        if (version != 1 && version != 2) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "--version must be 1 or 2, got " + version);
        }
        int bytes = PartitionSize.nvs(size);
        NvsEncryptionKeys keys = inputKey == null ? null
                : NvsEncryptionKeys.fromKeyPartition(NvsKeyOptions.readKeyFile(inputKey, "key file"));
        PrintWriter out = spec.commandLine().getOut();
        // the lines in blocks: the console writer flushes at every println
        StringBuilder report = new StringBuilder();
        // as outDir.resolve(name) prints, without building a path per image
        String folder = outDir.toString().isEmpty() || outDir.toString().endsWith(java.io.File.separator)
                ? outDir.toString() : outDir + java.io.File.separator;
        long count = NvsMfg.generate(config, values, prefix, fileId, outDir, bytes, NvsVersion.of(version), keys, name -> {
            report.append("wrote ").append(folder).append(name).append(System.lineSeparator());
            if (report.length() >= 1 << 16) {
                out.print(report);
                report.setLength(0);
            }
        });
        report.append(String.format("%d image(s) of 0x%x bytes%n", count, bytes));
        out.print(report);
        out.flush();
        return 0;
    }
}
