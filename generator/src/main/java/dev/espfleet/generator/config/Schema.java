package dev.espfleet.generator.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The schema of one config section (ESPHome's {@code CONFIG_SCHEMA} as model): its keys in order, the rules across
 * them, and how a valid section becomes its {@link DeviceConfig} record. A typed schema (ESPHome's {@code
 * typed_schema}) has more keys depending on the value of one of them, its discriminator: a shadow field's
 * {@code type} decides whether it takes {@code min} and {@code max} or {@code max_length}.
 *
 * @param <T> the record a valid section builds
 */
final class Schema<T> {
    /** The keys and rules a section has when its discriminator holds {@code value}. */
    record Variant<V>(V value, List<Key<?>> keys, List<Rule> rules) {
        static <V> Variant<V> of(V value, Key<?>... keys) {
            return new Variant<>(value, List.of(keys), List.of());
        }

        Variant<V> rules(Rule... more) {
            return new Variant<>(value, keys, List.of(more));
        }

        Optional<Key<?>> key(String name) {
            return keys.stream().filter(k -> k.name().equals(name)).findFirst();
        }
    }

    /**
     * @param noun what the sections are, for "applies only to int and float fields"
     */
    record Variants<V>(Key<V> discriminator, String noun, List<Variant<V>> variants) {
        Variants {
            variants = List.copyOf(variants);
        }

        Optional<Variant<V>> of(Object value) {
            return variants.stream().filter(v -> v.value().equals(value)).findFirst();
        }

        /** Every key name of any variant, in the order they are first declared. */
        Set<String> names() {
            Set<String> names = new LinkedHashSet<>();
            variants.forEach(v -> v.keys().forEach(k -> names.add(k.name())));
            return names;
        }

        /** "int and float": the discriminator values whose variant has the key {@code name}. */
        String holders(String name) {
            return ValueKind.words(variants.stream().filter(v -> v.key(name).isPresent())
                    .map(v -> discriminator.kind().show(v.value())).toList(), "and");
        }
    }

    private final List<Key<?>> keys;
    private final List<Rule> rules;
    private final Variants<?> variants;
    private final Function<Values, T> build;

    private Schema(List<Key<?>> keys, List<Rule> rules, Variants<?> variants, Function<Values, T> build) {
        this.keys = List.copyOf(keys);
        this.rules = List.copyOf(rules);
        this.variants = variants;
        this.build = build;
    }

    /** A section with {@code keys}, built into a {@code T} by {@code build} once it is valid. */
    static <T> Schema<T> of(Function<Values, T> build, Key<?>... keys) {
        return new Schema<>(Arrays.asList(keys), List.of(), null, build);
    }

    /**
     * A section with the {@code common} keys (the discriminator among them) and the keys of the variant its
     * discriminator selects; a key of another variant is refused as applying only to that one.
     */
    static <T, V> Schema<T> typed(Function<Values, T> build, List<Key<?>> common, Key<V> discriminator, String noun,
                                  List<Variant<V>> variants) {
        return new Schema<>(common, List.of(), new Variants<>(discriminator, noun, variants), build);
    }

    /** This schema with {@code more} rules across its keys. */
    Schema<T> rules(Rule... more) {
        List<Rule> all = new ArrayList<>(rules);
        all.addAll(Arrays.asList(more));
        return new Schema<>(keys, all, variants, build);
    }

    List<Key<?>> keys() {
        return keys;
    }

    List<Rule> rules() {
        return rules;
    }

    /** Null for a schema without variants. */
    Variants<?> variants() {
        return variants;
    }

    /** The record of a section that was read without problems. */
    T build(Values values) {
        return build.apply(values);
    }
}
