package dev.espfleet.model;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An AWS IoT thing name: 1 to 128 characters of {@code [a-zA-Z0-9:_-]} (AWS IoT API reference, CreateThing).
 * It is also the MQTT client id, the certificate's CN and the name of a unit's folder, so a {@code ThingName}
 * never holds '/', '.' or anything else a path or a topic would read differently.
 */
public record ThingName(String value) {
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9:_-]{1," + MAX_LENGTH + "}");

    public ThingName {
        Optional<String> problem = problem(value);
        if (problem.isPresent()) {
            throw EspfleetException.badInput(problem.get());
        }
    }

    /** The thing name {@code text}, or bad input (exit 2) saying what is wrong with it. */
    public static ThingName of(String text) {
        return new ThingName(text);
    }

    /** What is wrong with {@code text} as a thing name, in one sentence that names it; empty if nothing. */
    public static Optional<String> problem(String text) {
        if (text != null && VALID.matcher(text).matches()) {
            return Optional.empty();
        }
        String shown = text == null ? "(none)" : "'" + text + "'";
        String why = text == null || text.isEmpty() ? "it is empty"
                : text.length() > MAX_LENGTH ? "it is " + text.length() + " characters long"
                : "it contains '" + firstInvalid(text) + "'";
        return Optional.of("invalid thing name " + shown + ": expected 1-" + MAX_LENGTH
                + " characters of [a-zA-Z0-9:_-], but " + why);
    }

    private static String firstInvalid(String text) {
        return text.codePoints()
                .filter(c -> !(c < 128 && (Character.isLetterOrDigit(c) || c == ':' || c == '_' || c == '-')))
                .limit(1)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }

    @Override
    public String toString() {
        return value;
    }
}
