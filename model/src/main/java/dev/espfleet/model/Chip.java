package dev.espfleet.model;

import dev.espfleet.common.EspfleetException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The ESP32 chips espfleet knows: what ESP-IDF calls each ({@code idf.py set-target esp32s3}), what people
 * and datasheets call it ({@code ESP32-S3}), whether it has Wi-Fi (the ESP32-H2 has only 802.15.4 and
 * Bluetooth LE), and whether it has the HMAC peripheral that ESP-IDF's HMAC-based NVS encryption scheme
 * derives its keys with (all but the ESP32, which protects NVS keys with flash encryption instead).
 */
public enum Chip {
    ESP32("esp32", "ESP32", true, false),
    ESP32S2("esp32s2", "ESP32-S2", true, true),
    ESP32S3("esp32s3", "ESP32-S3", true, true),
    ESP32C3("esp32c3", "ESP32-C3", true, true),
    ESP32C6("esp32c6", "ESP32-C6", true, true),
    ESP32H2("esp32h2", "ESP32-H2", false, true);

    private final String idfName;
    private final String displayName;
    private final boolean wifi;
    private final boolean hmac;

    Chip(String idfName, String displayName, boolean wifi, boolean hmac) {
        this.idfName = idfName;
        this.displayName = displayName;
        this.wifi = wifi;
        this.hmac = hmac;
    }

    /** ESP-IDF's target name, e.g. {@code esp32s3}: what {@code idf.py set-target} and esptool's --chip take. */
    public String idfName() {
        return idfName;
    }

    /** The name people see, e.g. {@code ESP32-S3}. */
    public String displayName() {
        return displayName;
    }

    public boolean hasWifi() {
        return wifi;
    }

    /** The HMAC peripheral (SOC_HMAC_SUPPORTED): NVS keys derived from an eFuse key, no nvs_keys partition. */
    public boolean hasHmacPeripheral() {
        return hmac;
    }

    /**
     * The chip a command line or a config names, in any case and with or without the hyphen: {@code esp32s3},
     * {@code ESP32-S3} and {@code esp32-s3} are all the ESP32-S3.
     */
    public static Optional<Chip> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String n = text.toLowerCase(Locale.ROOT).replace("-", "");
        return Arrays.stream(values()).filter(c -> c.idfName.equals(n)).findFirst();
    }

    /** {@link #parse}, or bad input (exit 2) naming {@code what} and the chips espfleet knows. */
    public static Chip of(String text, String what) {
        return parse(text).orElseThrow(() -> EspfleetException.badInput(what + ": unknown chip '" + text
                + "'; expected one of " + choices(c -> true)));
    }

    /** The ESP-IDF names of the chips that pass {@code filter}, e.g. "esp32, esp32s2, esp32s3". */
    public static String choices(Predicate<Chip> filter) {
        return Arrays.stream(values()).filter(filter).map(Chip::idfName).collect(Collectors.joining(", "));
    }
}
