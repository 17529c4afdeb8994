package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.nvs.NvsEncryptionKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import picocli.CommandLine.Option;

/** Where NVS encryption keys come from: {@code --inputkey}, {@code --keygen [--keyfile]} or {@code --hmac-key}. */
public final class NvsKeyOptions {
    @Option(names = "--inputkey", paramLabel = "NVS_KEYS.BIN",
            description = "Encrypt with the keys in this nvs_keys partition file.")
    Path inputKey;

    @Option(names = "--keygen", description = "Generate new keys (CSPRNG) and write them to --keyfile.")
    boolean keygen;

    @Option(names = "--keyfile", paramLabel = "FILE",
            description = "Where --keygen writes the nvs_keys partition (default: keys/nvs_keys.bin beside the output).")
    Path keyFile;

    @Option(names = "--hmac-key", paramLabel = "FILE",
            description = "Derive the keys from this 32-byte HMAC key (ESP-IDF HMAC-based key protection).")
    Path hmacKey;

    /** The keys, or null when no option asks for encryption; refuses contradicting options. */
    NvsEncryptionKeys resolve(boolean required) {
        int sources = (inputKey != null ? 1 : 0) + (keygen ? 1 : 0) + (hmacKey != null ? 1 : 0);
        if (sources > 1) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "give only one of --inputkey, --keygen and --hmac-key");
        }
        if (keyFile != null && !keygen) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "--keyfile names the file --keygen writes; add --keygen",
                    "to encrypt with an existing key file, use --inputkey FILE");
        }
        if (sources == 0) {
            if (required) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, "encryption needs --inputkey FILE, --keygen or --hmac-key FILE");
            }
            return null;
        }
        if (inputKey != null) {
            return NvsEncryptionKeys.fromKeyPartition(readFile(inputKey, "key file"));
        }
        if (hmacKey != null) {
            return NvsEncryptionKeys.fromHmacKey(readFile(hmacKey, "HMAC key file"));
        }
        return NvsEncryptionKeys.generate(new SecureRandom());
    }

    /** After a successful generation with --keygen: writes the key partition (0600, never over an existing one). */
    Path writeGeneratedKeys(NvsEncryptionKeys keys, Path output) {
        if (!keygen) {
            return null;
        }
        Path target = keyFile != null ? keyFile : output.toAbsolutePath().getParent().resolve("keys").resolve("nvs_keys.bin");
        writeNewKeyFile(target, keys.toKeyPartition());
        return target;
    }

    static void writeNewKeyFile(Path target, byte[] partition) {
        if (Files.exists(target)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "key file " + target + " already exists; not overwriting keys",
                    "give another --keyfile, or move the old keys away first");
        }
        AtomicFiles.writeSecret(target, partition);
    }

    static byte[] readFile(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "cannot read " + what + " " + file + ": " + AtomicFiles.describe(e));
        }
    }
}
