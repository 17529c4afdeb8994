package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.nvs.NvsDump;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.NvsProblem;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet nvs dump IMAGE [--json] [--keyfile F]}: checks every CRC and lists the image's items; a
 * damaged page or entry is reported (stderr, and in the output) and the rest still listed, exit 1.
 */
@Command(name = "dump", description = {
    "Check an NVS image (every CRC and entry state) and list its items.",
    "Prints Espressif CSV (blobs as hex2bin; 'nvs generate' takes it back) or JSON.",
    "Damaged pages and entries are listed, the good entries still dumped, and the exit status is 1."})
public final class NvsDumpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The NVS partition image.")
    Path image;

    @Option(names = "--json", description = "Print JSON instead of CSV.")
    boolean json;

    @Option(names = "--show-secrets", description = "Print private keys and passwords too (they are replaced by a "
            + "placeholder otherwise).")
    boolean showSecrets;

    @Option(names = {"--keyfile", "--inputkey"}, paramLabel = "NVS_KEYS.BIN",
            description = "Decrypt with the keys in this nvs_keys partition file.")
    Path keyFile;

    @Override
    public Integer call() {
        NvsEncryptionKeys keys = keyFile == null ? null
                : NvsEncryptionKeys.fromKeyPartition(NvsKeyOptions.readKeyFile(keyFile, "key file"));
        NvsImage parsed = NvsPartitionReader.check(NvsKeyOptions.readImage(image), keys);
        spec.commandLine().getOut().print(json ? NvsDump.json(parsed, showSecrets) : NvsDump.csv(parsed, showSecrets));
        spec.commandLine().getOut().flush();
        List<NvsProblem> problems = parsed.problems();
        if (!problems.isEmpty()) {
            throw new DamagedImage(image, problems);
        }
        return 0;
    }

    /** Exit 1 after the dump: one {@code IMAGE: problem} line per damaged page or entry, then the summary. */
    private static final class DamagedImage extends EspfleetException {
        private final List<String> lines;

        DamagedImage(Path image, List<NvsProblem> problems) {
            super(ExitStatus.JOB_FAILED, image + ": " + problems.size() + " damaged page(s) or entries skipped (listed"
                    + " above); the other entries are dumped");
            this.lines = problems.stream().map(p -> image + ": " + p.message()).toList();
        }

        @Override
        public List<String> details() {
            return lines;
        }
    }
}
