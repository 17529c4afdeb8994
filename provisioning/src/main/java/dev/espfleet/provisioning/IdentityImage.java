package dev.espfleet.provisioning;

import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The identity partition's NVS image: the same entries as the unit's identity CSV ({@code data,string}
 * and {@code file,string} rows become NUL-terminated strings, as nvs_partition_gen.py writes them) and,
 * when given, the Wi-Fi credentials in their own namespace. Built in memory, so a refusal (an entry too
 * large for the partition) leaves nothing behind.
 */
final class IdentityImage {
    private IdentityImage() {
    }

    record Contents(String thingName, String endpoint, byte[] certPem, byte[] keyPem, byte[] serverCaPem) {
    }

    static byte[] build(IdentityLayout layout, Contents c, int partitionSize, Optional<WifiCredentials> wifi) {
        String ns = layout.namespace();
        List<NvsCsv.Row> rows = new ArrayList<>(List.of(
                row(NvsEntry.namespace(ns), "identity namespace"),
                row(NvsEntry.string(ns, layout.thingNameKey(), c.thingName()), "thing name"),
                row(NvsEntry.string(ns, layout.endpointKey(), c.endpoint()), "endpoint"),
                row(NvsEntry.stringBytes(ns, layout.deviceCertKey(), c.certPem()), UnitProvisioner.CERT_FILE),
                row(NvsEntry.stringBytes(ns, layout.privateKeyKey(), c.keyPem()), UnitProvisioner.KEY_FILE),
                row(NvsEntry.stringBytes(ns, layout.serverCaKey(), c.serverCaPem()), UnitProvisioner.SERVER_CA_FILE)));
        wifi.ifPresent(w -> {
            rows.add(row(NvsEntry.namespace(w.namespace()), "Wi-Fi namespace"));
            rows.add(row(NvsEntry.string(w.namespace(), w.ssidKey(), w.ssid()), "--wifi-ssid"));
            rows.add(row(NvsEntry.string(w.namespace(), w.passwordKey(), w.password()), "--wifi-password"));
        });
        return NvsCsv.write(rows, partitionSize, NvsVersion.V2, null);
    }

    private static NvsCsv.Row row(NvsEntry entry, String what) {
        return new NvsCsv.Row(entry, "identity image (" + what + ")");
    }
}
