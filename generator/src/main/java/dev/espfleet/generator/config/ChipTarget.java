package dev.espfleet.generator.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** ESP-IDF targets the generated firmware supports; the name is what {@code idf.py set-target} takes. */
public enum ChipTarget {
    ESP32, ESP32S2, ESP32S3, ESP32C3, ESP32C6;

    public String idfName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Optional<ChipTarget> fromIdfName(String name) {
        return Arrays.stream(values()).filter(t -> t.idfName().equals(name)).findFirst();
    }

    public static String choices() {
        return Arrays.stream(values()).map(ChipTarget::idfName).collect(Collectors.joining(", "));
    }
}
