package dev.espfleet.generator.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where the periodic readings ({@code shadow.reported[]}) go: {@code telemetry.to}. Every shadow update bumps
 * the shadow's version and is billed as one, so readings have a topic of their own by default and the
 * shadow keeps state (desired values, firmware version, online).
 */
public enum TelemetryDestination {
    /** {@code <prefix>/<thing>/telemetry}, a plain JSON object of the readings. */
    TOPIC("topic"),
    /** The shadow's reported state, as an update. */
    SHADOW("shadow");

    private final String label;

    TelemetryDestination(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Optional<TelemetryDestination> fromLabel(String label) {
        return Arrays.stream(values()).filter(d -> d.label.equals(label)).findFirst();
    }

    public static String choices() {
        return Arrays.stream(values()).map(TelemetryDestination::label).collect(Collectors.joining(" or "));
    }
}
