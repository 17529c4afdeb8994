package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identity as an NVS partition CSV in the format of Espressif's {@code nvs_partition_gen.py}
 * ({@code key,type,encoding,value}; a {@code namespace} row, then {@code data} and {@code file} rows),
 * with the Wi-Fi credentials when they go into the same partition. File values are paths relative to the
 * CSV. This class only renders text; it reads no files. The limits of the values are nvs generate's own:
 * {@link IdentityImage} builds the image from this very text.
 */
public final class IdentityCsv {
    /** Identity values are written unquoted, so they must not need CSV quoting. */
    private static final Pattern PLAIN = Pattern.compile("[^,\"\\r\\n]+");

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
     * namespace, then the SSID and the password as strings).
     */
    public static String render(IdentityLayout layout, Entries entries, Optional<WifiCredentials> wifi) {
        StringBuilder csv = new StringBuilder("key,type,encoding,value\n");
        csv.append(layout.namespace()).append(",namespace,,\n");
        row(csv, layout.thingNameKey(), "data", entries.thingName().value());
        row(csv, layout.endpointKey(), "data", entries.endpoint().host());
        row(csv, layout.deviceCertKey(), "file", entries.deviceCertFile());
        row(csv, layout.privateKeyKey(), "file", entries.privateKeyFile());
        row(csv, layout.serverCaKey(), "file", entries.serverCaFile());
        wifi.ifPresent(w -> {
            if (!w.namespace().equals(layout.namespace())) {
                csv.append(cell("Wi-Fi namespace", w.namespace())).append(",namespace,,\n");
            }
            csv.append(cell("Wi-Fi SSID key", w.ssidKey())).append(",data,string,").append(cell("--wifi-ssid", w.ssid()))
                    .append('\n');
            csv.append(cell("Wi-Fi password key", w.passwordKey())).append(",data,string,")
                    .append(cell("--wifi-password", w.password())).append('\n');
        });
        return csv.toString();
    }

    private static void row(StringBuilder csv, String key, String type, String value) {
        if (value == null || !PLAIN.matcher(value).matches()) {
            throw EspfleetException.badInput("cannot write NVS key '" + key + "' to the identity CSV: value '"
                    + value + "' is empty or contains a comma, quote or line break");
        }
        csv.append(key).append(',').append(type).append(",string,").append(value).append('\n');
    }

    /**
     * A cell as Python's csv module reads it back unchanged: quoted (quotes doubled) when it holds a comma or
     * a quote, or starts with '#' (a line starting with '#' is a comment to nvs_partition_gen.py). Line breaks
     * and NUL cannot be carried: Python's text mode turns CR into LF.
     */
    static String cell(String what, String text) {
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0) {
            throw EspfleetException.badInput(what + " holds a line break or NUL, which the identity CSV cannot carry"
                    + " as nvs_partition_gen.py reads it");
        }
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && !text.startsWith("#")) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
