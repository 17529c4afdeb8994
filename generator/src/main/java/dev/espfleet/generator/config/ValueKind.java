package dev.espfleet.generator.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a key's value is: how it is read from its YAML node (type, range or choices, each problem reported at
 * the value) and how the key reference ({@link ConfigSchema#markdownReference()}) describes it.
 *
 * @param <T> the value once read
 */
interface ValueKind<T> {
    /** The value of {@code key}, or empty: absent, or wrong (the problem reported at the value). */
    Optional<T> read(YamlSection s, String key);

    /** What the value is, for the reference: "integer", "string", "NVS name"... */
    String type();

    /** The values taken, for the reference ("30-1200", "`topic`, `shadow`"); empty when the doc says it. */
    String allowed();

    /** A value as the config writes it, for the reference's default column. */
    default String show(T value) {
        return String.valueOf(value);
    }

    /** A string held to {@code problem} (which names what is wrong, or is empty). */
    static ValueKind<String> text(String type, String allowed, Function<String, Optional<String>> problem) {
        return typed(type, allowed, problem, Function.identity(), Function.identity());
    }

    /** A string made into a {@code T} by {@code make} once {@code problem} has nothing against it. */
    static <T> ValueKind<T> typed(String type, String allowed, Function<String, Optional<String>> problem,
                                  Function<String, T> make, Function<T, String> show) {
        return new ValueKind<>() {
            @Override
            public Optional<T> read(YamlSection s, String key) {
                return s.string(key).flatMap(text -> {
                    Optional<String> p = problem.apply(text);
                    p.ifPresent(message -> s.problem(key, message));
                    return p.isPresent() ? Optional.empty() : Optional.of(make.apply(text));
                });
            }

            @Override
            public String type() {
                return type;
            }

            @Override
            public String allowed() {
                return allowed;
            }

            @Override
            public String show(T value) {
                return show.apply(value);
            }
        };
    }

    /** A whole number in [min, max], decimal or 0x hex. */
    static IntegerKind integer(int min, int max) {
        return new IntegerKind(min, max, false, false, Map.of(), "");
    }

    /** A number (a YAML int or float), finite. */
    static ValueKind<Double> number() {
        return new ValueKind<>() {
            @Override
            public Optional<Double> read(YamlSection s, String key) {
                return s.number(key);
            }

            @Override
            public String type() {
                return "number";
            }

            @Override
            public String allowed() {
                return "";
            }

            @Override
            public String show(Double value) {
                return ConfigLoader.fmt(value);
            }
        };
    }

    static ValueKind<Boolean> bool() {
        return new ValueKind<>() {
            @Override
            public Optional<Boolean> read(YamlSection s, String key) {
                return s.bool(key);
            }

            @Override
            public String type() {
                return "boolean";
            }

            @Override
            public String allowed() {
                return "`true`, `false`";
            }
        };
    }

    /**
     * One of {@code values}, written as its {@code label} in any case; {@code hint}, when not empty, says in the
     * problem what the choice is about.
     */
    static <E> ValueKind<E> choice(List<E> values, Function<E, String> label, String hint) {
        return new ValueKind<>() {
            @Override
            public Optional<E> read(YamlSection s, String key) {
                return s.string(key).flatMap(text -> {
                    Optional<E> chosen = values.stream().filter(v -> label.apply(v).equalsIgnoreCase(text)).findFirst();
                    if (chosen.isEmpty()) {
                        s.problem(key, "expected " + either(values.stream().map(label).toList())
                                + (hint.isEmpty() ? "" : " (" + hint + ")") + "; got '" + text + "'");
                    }
                    return chosen;
                });
            }

            @Override
            public String type() {
                return "choice";
            }

            @Override
            public String allowed() {
                return values.stream().map(v -> "`" + label.apply(v) + "`").collect(Collectors.joining(", "));
            }

            @Override
            public String show(E value) {
                return label.apply(value);
            }
        };
    }

    /** "a", "a or b", "a, b or c". */
    static String either(List<String> words) {
        return words(words, "or");
    }

    /** {@code words} as a sentence lists them: "a", "a and b", "a, b and c". */
    static String words(List<String> words, String conjunction) {
        if (words.size() < 2) {
            return String.join("", words);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " " + conjunction + " "
                + words.get(words.size() - 1);
    }

    /** Lower-case name of an enum constant, as a config writes it. */
    static String lowerCase(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A whole number in [min, max].
     *
     * @param inHex written and reported in hex (sizes and offsets)
     * @param wholeDecimals also taken as a number without a fraction ({@code 10.0}), as a shadow field's bounds are
     * @param refused values outside the range refused with a reason of their own rather than the range
     * @param why what the range comes from, added to the problem; empty when the doc says it
     */
    record IntegerKind(int min, int max, boolean inHex, boolean wholeDecimals, Map<Long, String> refused, String why)
            implements ValueKind<Integer> {

        IntegerKind hex() {
            return new IntegerKind(min, max, true, wholeDecimals, refused, why);
        }

        IntegerKind decimalPoint() {
            return new IntegerKind(min, max, inHex, true, refused, why);
        }

        IntegerKind refusing(long value, String reason) {
            return new IntegerKind(min, max, inHex, wholeDecimals, Map.of(value, reason), why);
        }

        IntegerKind because(String reason) {
            return new IntegerKind(min, max, inHex, wholeDecimals, refused, reason);
        }

        @Override
        public Optional<Integer> read(YamlSection s, String key) {
            Optional<Long> n = wholeDecimals ? s.wholeNumber(key) : s.integer(key);
            if (n.isEmpty()) {
                return Optional.empty();
            }
            long v = n.get();
            if (refused.containsKey(v)) {
                s.problem(key, refused.get(v));
                return Optional.empty();
            }
            if (v < min || v > max) {
                String range = (long) max - min == 1 && !inHex ? "must be " + min + " or " + max
                        : "must be between " + show(min) + " and " + show(max);
                s.problem(key, range + ", got " + show(v) + (why.isEmpty() ? "" : "; " + why));
                return Optional.empty();
            }
            return Optional.of((int) v);
        }

        @Override
        public String type() {
            return "integer";
        }

        @Override
        public String allowed() {
            if (min == Integer.MIN_VALUE && max == Integer.MAX_VALUE) {
                return "within `int32_t`";
            }
            return (long) max - min == 1 && !inHex ? min + ", " + max : show(min) + "-" + show(max);
        }

        @Override
        public String show(Integer value) {
            return show(value.longValue());
        }

        private String show(long value) {
            return inHex ? (value < 0 ? "-0x" + Long.toHexString(-value) : "0x" + Long.toHexString(value))
                    : Long.toString(value);
        }
    }
}
