package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.InputFiles;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsLayout;
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
            return NvsEncryptionKeys.fromKeyPartition(readKeyFile(inputKey, "key file"));
        }
        if (hmacKey != null) {
            return NvsEncryptionKeys.fromHmacKey(readKeyFile(hmacKey, "HMAC key file"));
        }
        return NvsEncryptionKeys.generate(new SecureRandom());
    }

    /** Where --keygen writes the key partition for {@code output}; null without --keygen. */
    Path generatedKeyFile(Path output) {
        if (!keygen) {
            return null;
        }
        return keyFile != null ? keyFile : output.toAbsolutePath().getParent().resolve("keys").resolve("nvs_keys.bin");
    }

    /** Refuses, before anything is written, a key file that exists or cannot be a file. */
    static void checkNewKeyFile(Path target) {
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "key file " + target + " already exists; not overwriting keys",
                    "give another --keyfile, or move the old keys away first");
        }
        AtomicFiles.checkTarget(target);
    }

    /** Writes a key partition: 0600 in folders created 0700, never over an existing one. */
    static void writeNewKeyFile(Path target, byte[] partition) {
        checkNewKeyFile(target);
        AtomicFiles.writeSecret(target, partition);
    }

    /** A key file: an nvs_keys partition (one 4096-byte page) or an HMAC key (32 bytes); larger is refused unread. */
    static byte[] readKeyFile(Path file, String what) {
        return InputFiles.read(file, NvsEncryptionKeys.KEY_PARTITION_SIZE, what);
    }

    /** An NVS image, at most the largest NVS partition; larger is refused unread. */
    static byte[] readImage(Path file) {
        return InputFiles.read(file, NvsLayout.MAX_PARTITION_SIZE, "NVS image");
    }
}
