package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import java.util.regex.Pattern;

/** AWS IoT thing names: 1 to 128 characters of {@code [a-zA-Z0-9:_-]} (AWS IoT API reference, CreateThing). */
public final class ThingName {
    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    private ThingName() {
    }

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** Returns {@code name} if AWS IoT accepts it as a thing name, else throws (exit 2). */
    public static String require(String name) {
        if (!isValid(name)) {
            String shown = name == null ? "(none)" : "'" + name + "'";
            String why = name == null || name.isEmpty() ? "it is empty"
                    : name.length() > 128 ? "it is " + name.length() + " characters long"
                    : "it contains '" + firstInvalid(name) + "'";
            throw EspfleetException.badInput("invalid thing name " + shown
                    + ": expected 1-128 characters of [a-zA-Z0-9:_-], but " + why);
        }
        return name;
    }

    private static String firstInvalid(String name) {
        return name.codePoints()
                .filter(c -> !(c < 128 && (Character.isLetterOrDigit(c) || c == ':' || c == '_' || c == '-')))
                .limit(1)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }
}
