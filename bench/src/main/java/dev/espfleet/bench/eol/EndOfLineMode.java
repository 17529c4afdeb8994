package dev.espfleet.bench.eol;

import dev.espfleet.common.EspfleetException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How far the bench follows a unit after writing it ({@code --eol}): not at all, until its console report
 * matches what was recorded, or until it also reports that it reached its broker as its thing.
 */
public enum EndOfLineMode {
    /** Done when the writes are verified (the bench before the end-of-line test). */
    NONE,
    /** Done when the unit, reset into its application, reports the thing, certificate, MAC and firmware recorded. */
    REPORT,
    /** As {@link #REPORT}, and the unit reports {@code mqtt_connected} as its thing. */
    CONNECTED;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code none}, {@code report} or {@code connected}; anything else is bad input naming {@code option}. */
    public static EndOfLineMode parse(String text, String option) {
        return Arrays.stream(values()).filter(m -> m.cliName().equals(text)).findFirst()
                .orElseThrow(() -> EspfleetException.badInput(option + " '" + text + "': expected "
                        + Arrays.stream(values()).map(EndOfLineMode::cliName).collect(Collectors.joining(", "))));
    }
}
