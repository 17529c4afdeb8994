package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsKey;
import java.util.Optional;

/**
 * The identity as an NVS partition CSV in the format of Espressif's {@code nvs_partition_gen.py}
 * ({@code key,type,encoding,value}; a {@code namespace} row, then {@code data} and {@code file} rows),
 * with the Wi-Fi credentials when they go into the same partition. File values are paths relative to the
 * CSV. This class only renders text; it reads no files. The limits of the values are nvs generate's own:
 * {@link IdentityImage} builds the image from this very text.
 */
public final class IdentityCsv {
    private IdentityCsv() {
    }

    /** The files and values of one identity; the file names are relative to the CSV. */
    public record Entries(ThingName thingName, AwsEndpoint endpoint, String deviceCertFile, String privateKeyFile,
                          String serverCaFile) {
    }

    public static String render(IdentityLayout layout, Entries entries) {
        return render(layout, entries, Optional.empty());
    }

    /**
     * The identity rows, then, when given, the Wi-Fi rows (a namespace row unless Wi-Fi shares the identity's
     * namespace, then the SSID and the password as strings). Every cell is written as Python's csv module reads
     * it back ({@link NvsCsv#cell}): an NVS key may hold a comma or a quote.
     */
    public static String render(IdentityLayout layout, Entries entries, Optional<WifiCredentials> wifi) {
        StringBuilder csv = new StringBuilder("key,type,encoding,value\n");
        csv.append(NvsCsv.cell(layout.namespace().value())).append(",namespace,,\n");
        row(csv, layout.thingNameKey(), "data", entries.thingName().value());
        row(csv, layout.endpointKey(), "data", entries.endpoint().toString());
        row(csv, layout.deviceCertKey(), "file", entries.deviceCertFile());
        row(csv, layout.privateKeyKey(), "file", entries.privateKeyFile());
        row(csv, layout.serverCaKey(), "file", entries.serverCaFile());
        wifi.ifPresent(w -> wifiRows(csv, w, !w.namespace().equals(layout.namespace())));
        return csv.toString();
    }

    /** The Wi-Fi rows: its namespace row (unless it shares the namespace before it), the SSID and the password. */
    static void wifiRows(StringBuilder csv, WifiCredentials w, boolean namespaceRow) {
        if (namespaceRow) {
            csv.append(NvsCsv.cell(w.namespace().value())).append(",namespace,,\n");
        }
        csv.append(NvsCsv.cell(w.ssidKey().value())).append(",data,string,").append(cell("--wifi-ssid", w.ssid()))
                .append('\n');
        csv.append(NvsCsv.cell(w.passwordKey().value())).append(",data,string,")
                .append(cell("--wifi-password", w.password())).append('\n');
    }

    private static void row(StringBuilder csv, NvsKey key, String type, String value) {
        csv.append(NvsCsv.cell(key.value())).append(',').append(type).append(",string,")
                .append(cell("the value of NVS key '" + key + "'", value)).append('\n');
    }

    /**
     * {@code text} as a cell Python's csv module reads back unchanged ({@link NvsCsv#cell}); refused, naming
     * {@code what}, when it holds a line break or NUL, which nvs_partition_gen.py cannot read from a CSV.
     */
    static String cell(String what, String text) {
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0) {
            throw EspfleetException.badInput(what + " holds a line break or NUL, which the identity CSV cannot carry"
                    + " as nvs_partition_gen.py reads it");
        }
        return NvsCsv.cell(text);
    }
}
