package dev.espfleet.bench.console;

import java.util.Locale;
import java.util.Optional;

/** The milestones a device reports in {@code state} frames, in the order it reaches them. */
public enum Milestone {
    IDENTITY_LOADED, NETWORK_UP, MQTT_CONNECTED, SHADOW_SYNCED;

    /** As the frame writes it: {@code mqtt_connected}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The milestone a frame names; empty for one this bench does not know. */
    public static Optional<Milestone> of(String wireName) {
        for (Milestone m : values()) {
            if (m.wireName().equals(wireName)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
