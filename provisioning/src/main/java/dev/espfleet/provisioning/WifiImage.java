package dev.espfleet.provisioning;

import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsVersion;
import java.util.Map;

/**
 * Wi-Fi credentials in an NVS image of their own, for firmware that reads them from another partition than
 * the identity's (the config's {@code wifi.partition: nvs}): {@code wifi.csv} in the format of Espressif's
 * {@code nvs_partition_gen.py} and {@code wifi.bin}, the image {@code espfleet nvs generate wifi.csv} makes of
 * it, built by the same code. It holds the password: both are written owner-only.
 */
public final class WifiImage {
    public static final String CSV_FILE = "wifi.csv";
    public static final String IMAGE_FILE = "wifi.bin";

    private WifiImage() {
    }

    /** The CSV: the Wi-Fi namespace, the SSID and the password. */
    public static String csv(WifiCredentials wifi) {
        StringBuilder csv = new StringBuilder("key,type,encoding,value\n");
        IdentityCsv.wifiRows(csv, wifi, true);
        return csv.toString();
    }

    /**
     * The image of {@link #csv} for a partition of {@code partitionSize} bytes; {@code csvName} names the CSV in
     * refusals.
     */
    public static byte[] build(String csvName, WifiCredentials wifi, int partitionSize) {
        return NvsCsv.write(NvsCsv.read(csvName, csv(wifi), Map.of()), partitionSize, NvsVersion.V2, null);
    }
}
