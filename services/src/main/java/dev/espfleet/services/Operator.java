package dev.espfleet.services;

import dev.espfleet.common.EspfleetException;

/**
 * Who took an operator action on a bench, and from where, as the audit log records it.
 *
 * @param name  the name the operator gave (a badge number, initials), or empty
 * @param where the front end and the client: {@code board 10.0.0.7}, {@code cli}
 */
public record Operator(String name, String where) {
    /** Long enough for a name or a badge number, short enough for an audit line. */
    public static final int MAX_NAME = 40;

    public Operator {
        name = name.strip();
        if (name.length() > MAX_NAME) {
            throw EspfleetException.badInput("operator name: at most " + MAX_NAME + " characters, got " + name.length());
        }
        if (name.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
            throw EspfleetException.badInput("operator name: letters, digits, spaces and punctuation only, no control "
                    + "characters");
        }
    }

    @Override
    public String toString() {
        return (name.isEmpty() ? "an unnamed operator" : name) + " (" + where + ")";
    }
}
