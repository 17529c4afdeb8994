package dev.espfleet.generator.config;

import dev.espfleet.model.ThingName;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The naming rules of C, CMake and MQTT topics that config values must follow (thing names, endpoints, NVS
 * keys and partition names have their own types in the model and nvs modules).
 */
public final class Names {
    private static final Pattern C_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SHADOW_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,64}");
    private static final Pattern PROJECT_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern TOPIC_LEVEL = Pattern.compile("[A-Za-z0-9_-]+");

    /** C keywords (C17) and names the generated code already uses in the shadow document. */
    private static final Set<String> RESERVED = Set.of(
            "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
            "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
            "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
            "volatile", "while", "_Bool", "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic",
            "_Generic", "_Noreturn", "_Static_assert", "_Thread_local", "bool", "true", "false",
            "online", "firmware_version");

    /** The last level of the topics the firmware publishes under {@code <prefix>/<thing>/}. */
    public static final String STATUS_TOPIC_LEVEL = "status";
    public static final String TELEMETRY_TOPIC_LEVEL = "telemetry";
    /** The firmware's topic buffers (SHADOW_TOPIC_MAX in shadow.h), NUL included. */
    static final int TOPIC_BUFFER = 256;
    /** AWS IoT allows at most 7 slashes (8 levels) in a topic. */
    static final int TOPIC_MAX_LEVELS = 8;
    /** The prefix leaves room for the thing name and the last level: {@code <prefix>/<thing>/telemetry}. */
    static final int TOPIC_PREFIX_MAX_LEVELS = TOPIC_MAX_LEVELS - 2;
    /** {@code <prefix>/<thing, up to 128>/telemetry} (the longest topic) fits the firmware's topic buffers. */
    static final int TOPIC_PREFIX_MAX = TOPIC_BUFFER - 1 - ThingName.MAX_LENGTH - "//".length()
            - Math.max(STATUS_TOPIC_LEVEL.length(), TELEMETRY_TOPIC_LEVEL.length());
    static final int FIELD_NAME_MAX = 48;

    private Names() {
    }

    static Optional<String> shadowNameProblem(String name) {
        if (!SHADOW_NAME.matcher(name).matches()) {
            return Optional.of("AWS shadow names are 1-64 characters of a-z, A-Z, 0-9, ':', '_' and '-'; got '"
                    + name + "'");
        }
        if (name.equals("classic")) {
            return Optional.of("'classic' means the unnamed shadow: leave name out instead");
        }
        return Optional.empty();
    }

    static Optional<String> fieldNameProblem(String name) {
        if (!C_IDENTIFIER.matcher(name).matches()) {
            return Optional.of("must be a C identifier (letters, digits and _, not starting with a digit); got '"
                    + name + "'");
        }
        if (RESERVED.contains(name)) {
            return Optional.of("'" + name + "' is reserved (a C keyword or a key the firmware reports itself)");
        }
        if (name.length() > FIELD_NAME_MAX) {
            return Optional.of("must be at most " + FIELD_NAME_MAX + " characters, got " + name.length());
        }
        if (name.startsWith("_")) {
            return Optional.of("must not start with '_' (reserved in C)");
        }
        return Optional.empty();
    }

    static Optional<String> topicPrefixProblem(String prefix) {
        if (prefix.startsWith("$")) {
            return Optional.of("must not start with '$': AWS reserves those topics and ignores Last Will messages"
                    + " sent to them");
        }
        if (prefix.length() > TOPIC_PREFIX_MAX) {
            return Optional.of("must be at most " + TOPIC_PREFIX_MAX + " characters, got " + prefix.length());
        }
        String[] levels = prefix.split("/", -1);
        for (String level : levels) {
            if (!TOPIC_LEVEL.matcher(level).matches()) {
                return Optional.of("topic levels are letters, digits, '_' and '-' (no wildcards, no empty levels);"
                        + " got '" + prefix + "'");
            }
        }
        // <prefix>/<thing>/status and .../telemetry: AWS allows at most 7 slashes in a topic
        if (levels.length > TOPIC_PREFIX_MAX_LEVELS) {
            return Optional.of("at most " + TOPIC_PREFIX_MAX_LEVELS + " levels: the topics <prefix>/<thing>/status and"
                    + " /telemetry may have " + (TOPIC_MAX_LEVELS - 1) + " slashes at most");
        }
        return Optional.empty();
    }

    static Optional<String> projectNameProblem(String name) {
        if (!PROJECT_NAME.matcher(name).matches()) {
            return Optional.of("must be 1-32 of a-z, 0-9, '-' and '_', starting with a letter; got '" + name + "'");
        }
        return Optional.empty();
    }
}
