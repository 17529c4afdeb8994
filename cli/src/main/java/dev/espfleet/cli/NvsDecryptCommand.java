package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.nvs.NvsEncryption;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsPartitionReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet nvs decrypt INPUT KEYFILE OUTPUT}: Espressif's argument order. */
@Command(name = "decrypt", description = "Decrypt an encrypted NVS image with its nvs_keys partition file.")
public final class NvsDecryptCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(index = "0", paramLabel = "INPUT", description = "The encrypted image.")
    Path input;

    @Parameters(index = "1", paramLabel = "KEYFILE", description = "The nvs_keys partition file.")
    Path keyFile;

    @Parameters(index = "2", paramLabel = "OUTPUT", description = "Where to write the decrypted image.")
    Path output;

    @Override
    public Integer call() {
        AtomicFiles.checkTarget(output);
        NvsEncryptionKeys keys = NvsEncryptionKeys.fromKeyPartition(NvsKeyOptions.readKeyFile(keyFile, "key file"));
        byte[] image = NvsKeyOptions.readImage(input);
        NvsPartitionReader.read(image, keys); // refuses a wrong key before anything is written
        byte[] plain = image.clone();
        NvsEncryption.decryptWrittenEntries(plain, keys);
        // the plain image shows whatever secrets the encryption protected: owner-only, whatever the umask
        AtomicFiles.writeSecret(output, plain);
        spec.commandLine().getOut().printf("wrote %s: decrypted, 0x%x bytes%n", output, plain.length);
        return 0;
    }
}
