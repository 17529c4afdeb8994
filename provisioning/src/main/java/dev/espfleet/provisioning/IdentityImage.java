package dev.espfleet.provisioning;

import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsVersion;
import java.util.Map;

/**
 * The identity partition's NVS image, built from the unit's identity CSV (and the PEM files it names) by
 * nvs generate's own path ({@link NvsCsv#read(String, String, Map)}): the same rows give the same bytes as
 * {@code espfleet nvs generate identity.csv} and as Espressif's generator, the entries it adds for Wi-Fi
 * driver keys and its limits included. Built in memory before anything is written, so a refusal (a value
 * too long, an image too large for the partition) leaves nothing behind.
 */
final class IdentityImage {
    private IdentityImage() {
    }

    /** The PEM files identity.csv names, by the names it gives them. */
    record Contents(byte[] certPem, byte[] keyPem, byte[] serverCaPem) {
        Map<String, byte[]> files() {
            return Map.of(UnitProvisioner.CERT_FILE, certPem, UnitProvisioner.KEY_FILE, keyPem,
                    UnitProvisioner.SERVER_CA_FILE, serverCaPem);
        }
    }

    /** {@code csvName} names the CSV in refusals (the identity.csv the unit will have). */
    static byte[] build(String csvName, String csv, Contents c, int partitionSize) {
        return NvsCsv.write(NvsCsv.read(csvName, csv, c.files()), partitionSize, NvsVersion.V2, null);
    }
}
