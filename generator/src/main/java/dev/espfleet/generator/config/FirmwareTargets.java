package dev.espfleet.generator.config;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.Chip;
import java.util.Optional;

/**
 * The chips the generated firmware can be built for: those with Wi-Fi, which it reaches AWS IoT over. The
 * flasher talks to every {@link Chip} (the ESP32-H2 too); a config or {@code build --target} names one of these.
 */
public final class FirmwareTargets {
    private FirmwareTargets() {
    }

    /** What is wrong with {@code text} as the chip to generate or build firmware for; empty if nothing. */
    public static Optional<String> problem(String text) {
        Optional<Chip> chip = Chip.parse(text);
        if (chip.isEmpty()) {
            return Optional.of("unknown chip '" + text + "'; expected one of " + choices());
        }
        if (!chip.get().hasWifi()) {
            return Optional.of(chip.get().idfName() + " (" + chip.get().displayName() + ") has no Wi-Fi, and the"
                    + " generated firmware reaches AWS IoT over Wi-Fi; expected one of " + choices());
        }
        return Optional.empty();
    }

    /** The chip {@code text} names, or bad input (exit 2) prefixed with {@code what}. */
    public static Chip of(String text, String what) {
        problem(text).ifPresent(p -> {
            throw EspfleetException.badInput(what + ": " + p);
        });
        return Chip.parse(text).orElseThrow();
    }

    /** The ESP-IDF names of the chips firmware can be generated for, e.g. "esp32, esp32s2, ...". */
    public static String choices() {
        return Chip.choices(Chip::hasWifi);
    }
}
