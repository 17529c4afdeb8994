package dev.espfleet.cli;

import dev.espfleet.nvs.NvsEncryptionKeys;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code espfleet nvs keygen [--keyfile F] [--hmac-key F]}: a new nvs_keys partition file. */
@Command(name = "keygen", description = {
    "Write a new nvs_keys partition file (NVS encryption keys).",
    "A new XTS-AES-256 key pair from a CSPRNG, or keys derived from an HMAC key (--hmac-key).",
    "The file is created mode 0600 and never overwritten."})
public final class NvsKeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Option(names = "--keyfile", paramLabel = "FILE", defaultValue = "keys/nvs_keys.bin",
            description = "Output key partition file (default: ${DEFAULT-VALUE}).")
    Path keyFile;

    @Option(names = "--hmac-key", paramLabel = "FILE", description = "Derive the keys from this 32-byte HMAC key.")
    Path hmacKey;

    @Override
    public Integer call() {
        NvsEncryptionKeys keys = hmacKey != null
                ? NvsEncryptionKeys.fromHmacKey(NvsKeyOptions.readKeyFile(hmacKey, "HMAC key file"))
                : NvsEncryptionKeys.generate(new SecureRandom());
        NvsKeyOptions.writeNewKeyFile(keyFile, keys.toKeyPartition());
        spec.commandLine().getOut().printf("wrote %s: NVS encryption keys (%d bytes, mode 0600)%n",
                keyFile, NvsEncryptionKeys.KEY_PARTITION_SIZE);
        return 0;
    }
}
