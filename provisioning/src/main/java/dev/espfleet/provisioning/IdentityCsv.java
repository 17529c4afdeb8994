package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import java.util.regex.Pattern;

/**
 * The identity as an NVS partition CSV in the format of Espressif's {@code nvs_partition_gen.py}
 * ({@code key,type,encoding,value}; a {@code namespace} row, then {@code data} and {@code file} rows).
 * File values are paths relative to the CSV. This class only renders text; it reads no files.
 */
public final class IdentityCsv {
    /**
     * nvs_partition_gen.py rejects string values longer than 4000 bytes, NUL included (ESP-IDF NVS
     * documentation, "Keys and values").
     */
    public static final int MAX_STRING_BYTES = 4000;

    /** Values are written unquoted, so they must not need CSV quoting. */
    private static final Pattern PLAIN = Pattern.compile("[^,\"\\r\\n]+");

    private IdentityCsv() {
    }

    /** The files and values of one identity; the file names are relative to the CSV. */
    public record Entries(String thingName, String endpoint, String deviceCertFile, String privateKeyFile,
                          String serverCaFile) {
    }

    public static String render(IdentityLayout layout, Entries entries) {
        StringBuilder csv = new StringBuilder("key,type,encoding,value\n");
        csv.append(layout.namespace()).append(",namespace,,\n");
        row(csv, layout.thingNameKey(), "data", entries.thingName());
        row(csv, layout.endpointKey(), "data", entries.endpoint());
        row(csv, layout.deviceCertKey(), "file", entries.deviceCertFile());
        row(csv, layout.privateKeyKey(), "file", entries.privateKeyFile());
        row(csv, layout.serverCaKey(), "file", entries.serverCaFile());
        return csv.toString();
    }

    /** A file destined for an NVS string entry must fit: {@code length + 1 (NUL) <= 4000}. */
    public static void requireFitsNvsString(String key, byte[] content, String fileName) {
        if (content.length + 1 > MAX_STRING_BYTES) {
            throw EspfleetException.badInput(fileName + " is " + content.length + " bytes; NVS key '" + key
                    + "' holds at most " + (MAX_STRING_BYTES - 1) + " bytes of string");
        }
    }

    private static void row(StringBuilder csv, String key, String type, String value) {
        if (value == null || !PLAIN.matcher(value).matches()) {
            throw EspfleetException.badInput("cannot write NVS key '" + key + "' to the identity CSV: value '"
                    + value + "' is empty or contains a comma, quote or line break");
        }
        csv.append(key).append(',').append(type).append(",string,").append(value).append('\n');
    }
}
