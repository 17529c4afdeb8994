package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsVersion;
import dev.espfleet.nvs.PartitionSize;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet nvs generate CSV... OUTPUT SIZE}: an NVS image, encrypted if a key option is given. */
@Command(name = "generate", description = {
    "Create an NVS partition image from Espressif-format CSV files.",
    "Rows are key,type,encoding,value; several CSVs go into one image in order.",
    "The image is written mode 0600 (it may hold private keys); nothing is written if any row is refused."})
public class NvsGenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    // no arity: picocli then takes positionals between options too (argparse habit: OUT --version 1 SIZE)
    @Parameters(paramLabel = "CSV... OUTPUT SIZE", hideParamSyntax = true,
            description = "Input CSV file(s), the output image, and the partition size (hex 0x6000 or decimal, no K/M).")
    List<String> args;

    @Option(names = "--version", paramLabel = "1|2", defaultValue = "2",
            description = "NVS format: 2 (multi-page blobs, default) or 1 (blobs up to 1984 bytes).")
    int version;

    @Option(names = "--outdir", paramLabel = "DIR",
            description = "Directory a relative OUTPUT is written to (default: the current directory).")
    Path outDir;

    @Mixin
    NvsKeyOptions keyOptions;

    boolean encryptionRequired() {
        return false;
    }

    @Override
    public Integer call() {
        if (args == null || args.size() < 3) {
            throw new ParameterException(spec.commandLine(), "expected CSV... OUTPUT SIZE, got "
                    + (args == null ? 0 : args.size()) + " argument(s)");
        }
        if (version != 1 && version != 2) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "--version must be 1 or 2, got " + version);
        }
        int size = PartitionSize.nvs(args.get(args.size() - 1));
        Path out = Path.of(args.get(args.size() - 2));
        if (outDir != null) {
            out = outDir.resolve(out);
        }
        List<Path> csvs = args.subList(0, args.size() - 2).stream().map(Path::of).toList();
        NvsEncryptionKeys keys = keyOptions.resolve(encryptionRequired());
        Path keyFile = keyOptions.generatedKeyFile(out);
        AtomicFiles.checkTarget(out);
        if (keyFile != null) {
            NvsKeyOptions.checkNewKeyFile(keyFile);
        }
        byte[] image = NvsCsv.generate(csvs, size, NvsVersion.of(version), keys);
        if (keyFile != null) {
            NvsKeyOptions.writeNewKeyFile(keyFile, keys.toKeyPartition());
        }
        // an image may hold private keys: owner-only, whatever the umask
        AtomicFiles.writeSecret(out, image);
        NvsImage written = NvsPartitionReader.read(image, keys);
        spec.commandLine().getOut().printf("wrote %s: 0x%x bytes, NVS version %d, %d entries on %d page(s)%s%n",
                out, size, version, written.items().size(), written.usedPages(), keys == null ? "" : ", encrypted");
        if (keyFile != null) {
            spec.commandLine().getOut().printf("wrote %s: NVS encryption keys (flash them to the nvs_keys partition)%n", keyFile);
        }
        return 0;
    }
}
