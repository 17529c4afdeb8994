package dev.espfleet.generator.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One config section as its {@link Schema} read it: each key's value (valid, or its default), which keys the
 * file writes, which are wrong (their problems already reported), and the sections and list items below. Rules
 * read it and report at the YAML line of a key; a section becomes its record only once the whole config has no
 * problem.
 */
final class Values {
    /** Ends a rule that reads a wrong or missing value: that value's own problem is reported already. */
    private static final class Skip extends RuntimeException {
        Skip(String what) {
            super(what, null, false, false);
        }
    }

    private final Schema<?> schema;
    /** Null when the section is not in the file: every key has its default. */
    private final YamlSection section;
    private final Values parent;
    /** The key that holds this section in its parent (a list's key for its items). */
    private final String name;
    private final String path;
    private final Set<Key<?>> declared = new HashSet<>();
    private final Map<Key<?>, Object> values = new HashMap<>();
    private final Set<Key<?>> written = new HashSet<>();
    private final Set<Key<?>> wrong = new HashSet<>();
    private final Map<Key<?>, Values> sections = new HashMap<>();
    private final Map<Key<?>, List<Values>> items = new HashMap<>();
    private Schema.Variant<?> variant;

    private Values(Schema<?> schema, YamlSection section, Values parent, String name, String path) {
        this.schema = schema;
        this.section = section;
        this.parent = parent;
        this.name = name;
        this.path = path;
    }

    /** The whole config, read by {@code schema} from its top-level mapping; problems go to the section's collector. */
    static Values read(Schema<?> schema, YamlSection root) {
        return read(schema, root, null, "", "");
    }

    private static Values read(Schema<?> schema, YamlSection section, Values parent, String name, String path) {
        Values v = new Values(schema, section, parent, name, path);
        schema.keys().forEach(v::read);
        if (schema.variants() != null) {
            v.readVariant(schema.variants());
        }
        if (section != null) {
            section.finish();
        }
        return v;
    }

    private <T> void read(Key<T> key) {
        declared.add(key);
        if (section == null) {
            defaults(key);
            return;
        }
        String k = key.name();
        if (!section.has(k)) {
            if (!key.isRequired()) {
                defaults(key);
            } else if (section.contains(k)) {
                section.problem(k, "is required: " + key.requiredWhat()); // written without a value
                wrong.add(key);
            } else {
                section.missing(k, key.requiredWhat());
                wrong.add(key);
            }
            return;
        }
        written.add(key);
        if (key.isSection()) {
            Optional<YamlSection> s = section.section(k);
            s.ifPresentOrElse(child -> sections.put(key, read(key.schema(), child, this, k, child.path())),
                    () -> wrong.add(key));
        } else if (key.isList()) {
            Optional<List<YamlSection>> list = section.list(k);
            list.ifPresentOrElse(l -> items.put(key, l.stream().map(item -> read(key.schema(), item, this, k,
                    item.path())).toList()), () -> wrong.add(key));
        } else if (key.isRequired() && section.isEmptyText(k)) {
            section.problem(k, "must not be empty: " + key.requiredWhat());
            wrong.add(key);
        } else {
            Optional<T> value = key.kind().read(section, k);
            Optional<String> problem = value.flatMap(key::problem);
            problem.ifPresent(p -> section.problem(k, p));
            if (value.isEmpty() || problem.isPresent()) {
                wrong.add(key);
            } else {
                values.put(key, value.get());
            }
        }
    }

    private void defaults(Key<?> key) {
        if (key.isSection()) {
            sections.put(key, read(key.schema(), null, this, key.name(), join(key.name())));
        } else if (key.isList()) {
            items.put(key, List.of());
        }
    }

    /**
     * The keys of the variant the discriminator selects; a key of another variant is refused as applying only to
     * that one. With the discriminator wrong or missing, no variant key is read (nor reported unknown).
     */
    private <V> void readVariant(Schema.Variants<V> variants) {
        Optional<Schema.Variant<V>> chosen = find(variants.discriminator()).flatMap(variants::of);
        for (String k : variants.names()) {
            Optional<Key<?>> key = chosen.flatMap(v -> v.key(k));
            boolean written = section != null && section.has(k); // has() makes the key known: never "unknown"
            if (key.isPresent()) {
                read(key.get());
            } else if (written && chosen.isPresent()) {
                section.problem(k, "applies only to " + variants.holders(k) + " " + variants.noun());
            }
        }
        variant = chosen.orElse(null);
    }

    /** Runs the rules of this section (and its variant), then those of every section and item below it. */
    void check() {
        schema.rules().forEach(this::run);
        if (variant != null) {
            variant.rules().forEach(this::run);
        }
        sections.values().forEach(Values::check);
        items.values().forEach(list -> list.forEach(Values::check));
    }

    private void run(Rule rule) {
        try {
            rule.check().accept(this);
        } catch (Skip e) {
            // a value the rule reads is wrong or missing, and reported as such
        }
    }

    /**
     * The value of {@code key}: as written, or its default. In a rule, a wrong or missing value ends the rule
     * (it is reported already); a valid section is built into its record.
     */
    <T> T get(Key<T> key) {
        return find(key).orElseThrow(() -> new Skip(join(key.name())));
    }

    /** The value of {@code key} as written, or its default; empty when it has neither or is wrong. */
    @SuppressWarnings("unchecked")
    <T> Optional<T> find(Key<T> key) {
        checkDeclared(key);
        if (wrong.contains(key)) {
            return Optional.empty();
        }
        if (key.isSection()) {
            return Optional.ofNullable(sections.get(key)).map(v -> (T) key.schema().build(v));
        }
        if (key.isList()) {
            return Optional.ofNullable(items.get(key)).map(l -> (T) l.stream().map(i -> key.schema().build(i)).toList());
        }
        Object value = values.get(key);
        return value != null ? Optional.of((T) value) : key.defaultValue();
    }

    /** True when the file gives {@code key} a value (right or wrong). */
    boolean written(Key<?> key) {
        checkDeclared(key);
        return written.contains(key);
    }

    /** The section {@code key} holds (every key at its default when the file leaves it out). */
    Values section(Key<?> key) {
        checkDeclared(key);
        Values v = sections.get(key);
        if (v == null) {
            throw new Skip(join(key.name()));
        }
        return v;
    }

    /** The items of the list {@code key} holds that are mappings; none when it is absent or not a list. */
    List<Values> items(Key<?> key) {
        checkDeclared(key);
        return items.getOrDefault(key, List.of());
    }

    /** The section holding this one; null for the whole config. */
    Values parent() {
        return parent;
    }

    /** Where this section is: {@code identity.keys}, {@code shadow.desired[2]}; empty for the whole config. */
    String path() {
        return path;
    }

    /** Where {@code key} of this section is. */
    String path(Key<?> key) {
        return join(key.name());
    }

    /** Reports a problem with {@code key} at its value, or where the file would give it. */
    void problem(Key<?> key, String message) {
        if (section != null) {
            section.problem(key.name(), message);
        } else {
            parent.problemBelow(name, join(key.name()), message);
        }
    }

    /** Reports that {@code key}, absent, is required here: {@code what} says what it holds. */
    void missing(Key<?> key, String what) {
        if (section != null) {
            section.missing(key.name(), what);
        } else {
            problem(key, "is required: " + what);
        }
    }

    private void problemBelow(String child, String problemPath, String message) {
        if (section != null) {
            section.problem(child, problemPath, message);
        } else {
            parent.problemBelow(name, problemPath, message);
        }
    }

    private String join(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private void checkDeclared(Key<?> key) {
        if (!declared.contains(key)) {
            throw new IllegalArgumentException(join(key.name()) + " is not a key of this section or its variant");
        }
    }
}
