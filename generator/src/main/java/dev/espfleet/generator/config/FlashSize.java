package dev.espfleet.generator.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Flash sizes the generated partition table is laid out for (two OTA slots need at least 4 MB). */
public enum FlashSize {
    MB4("4MB", 4), MB8("8MB", 8), MB16("16MB", 16);

    private final String label;
    private final int megabytes;

    FlashSize(String label, int megabytes) {
        this.label = label;
        this.megabytes = megabytes;
    }

    public String label() {
        return label;
    }

    public int bytes() {
        return megabytes * 1024 * 1024;
    }

    public static Optional<FlashSize> fromLabel(String label) {
        return Arrays.stream(values()).filter(f -> f.label.equalsIgnoreCase(label)).findFirst();
    }

    public static String choices() {
        return Arrays.stream(values()).map(FlashSize::label).collect(Collectors.joining(", "));
    }
}
