package dev.espfleet.cli;

import picocli.CommandLine.Command;

/** {@code espfleet nvs encrypt CSV... OUTPUT SIZE --inputkey|--keygen|--hmac-key}: as Espressif's {@code encrypt}. */
@Command(name = "encrypt", description = {
    "Create an encrypted NVS partition image (XTS-AES-256) from CSV files.",
    "Needs --inputkey FILE, --keygen [--keyfile FILE] or --hmac-key FILE."})
public final class NvsEncryptCommand extends NvsGenerateCommand {
    @Override
    boolean encryptionRequired() {
        return true;
    }
}
