package dev.espfleet.cli;

import dev.espfleet.nvs.NvsDump;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsPartitionReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet nvs dump IMAGE [--json] [--keyfile F]}: checks every CRC and lists the image's items. */
@Command(name = "dump", description = {
    "Check an NVS image (every CRC and entry state) and list its items.",
    "Prints Espressif CSV (blobs as hex2bin; 'nvs generate' takes it back) or JSON."})
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
                : NvsEncryptionKeys.fromKeyPartition(NvsKeyOptions.readFile(keyFile, "key file"));
        NvsImage parsed = NvsPartitionReader.read(NvsKeyOptions.readFile(image, "image"), keys);
        spec.commandLine().getOut().print(json ? NvsDump.json(parsed, showSecrets) : NvsDump.csv(parsed, showSecrets));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
