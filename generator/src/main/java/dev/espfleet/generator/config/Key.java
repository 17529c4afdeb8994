package dev.espfleet.generator.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One key of a config section, declared once: its name, the kind of value it takes (a scalar of a {@link
 * ValueKind}, a section read by a {@link Schema}, or a list of such sections), its default or that it is
 * required, further checks of its value, and the line the key reference gives it. Immutable: each
 * {@code with}-style method returns a new key.
 *
 * @param <T> the value once read (for a section, what its schema builds; for a list, a list of those)
 */
final class Key<T> {
    private final String name;
    private final ValueKind<T> kind;
    private final Schema<?> schema;
    private final boolean list;
    private final T defaultValue;
    private final String defaultDoc;
    private final String requiredWhat;
    private final String doc;
    private final List<Function<T, Optional<String>>> checks;

    private Key(String name, ValueKind<T> kind, Schema<?> schema, boolean list, T defaultValue, String defaultDoc,
                String requiredWhat, String doc, List<Function<T, Optional<String>>> checks) {
        this.name = name;
        this.kind = kind;
        this.schema = schema;
        this.list = list;
        this.defaultValue = defaultValue;
        this.defaultDoc = defaultDoc;
        this.requiredWhat = requiredWhat;
        this.doc = doc;
        this.checks = List.copyOf(checks);
    }

    /** A key holding a scalar: optional, without a default, until said otherwise. */
    static <T> Key<T> of(String name, ValueKind<T> kind) {
        return new Key<>(name, kind, null, false, null, "—", null, "", List.of());
    }

    /** A key holding a mapping that {@code schema} reads; absent, every key of it takes its default. */
    static <T> Key<T> section(String name, Schema<T> schema) {
        return new Key<>(name, null, schema, false, null, "", null, "", List.of());
    }

    /** A key holding a list of mappings, each read by {@code item}; absent, an empty list. */
    static <E> Key<List<E>> list(String name, Schema<E> item) {
        return new Key<>(name, null, item, true, null, "none", null, "", List.of());
    }

    /** The value taken when the key is absent, shown as the config would write it. */
    Key<T> byDefault(T value) {
        return new Key<>(name, kind, schema, list, value, "`" + kind.show(value) + "`", requiredWhat, doc, checks);
    }

    /** What the reference says about the value taken when the key is absent (no value, or one computed). */
    Key<T> defaultDoc(String text) {
        return new Key<>(name, kind, schema, list, defaultValue, text, requiredWhat, doc, checks);
    }

    /** A key the config must give (not empty); {@code what} says, in the problem, what it holds. */
    Key<T> required(String what) {
        return new Key<>(name, kind, schema, list, defaultValue, "required", what, doc, checks);
    }

    /** The reference's line about the key. */
    Key<T> doc(String text) {
        return new Key<>(name, kind, schema, list, defaultValue, defaultDoc, requiredWhat, text, checks);
    }

    /** A further rule for the value alone, run once its kind has read it; the problem is reported at the value. */
    Key<T> check(Function<T, Optional<String>> check) {
        List<Function<T, Optional<String>>> more = new ArrayList<>(checks);
        more.add(check);
        return new Key<>(name, kind, schema, list, defaultValue, defaultDoc, requiredWhat, doc, more);
    }

    String name() {
        return name;
    }

    /** Null for a section or a list. */
    ValueKind<T> kind() {
        return kind;
    }

    /** The schema of the section, or of each list item; null for a scalar. */
    Schema<?> schema() {
        return schema;
    }

    boolean isList() {
        return list;
    }

    boolean isSection() {
        return schema != null && !list;
    }

    Optional<T> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    String defaultDoc() {
        return defaultDoc;
    }

    boolean isRequired() {
        return requiredWhat != null;
    }

    String requiredWhat() {
        return requiredWhat;
    }

    String doc() {
        return doc;
    }

    /** The first check {@code value} fails, if any. */
    Optional<String> problem(T value) {
        return checks.stream().map(c -> c.apply(value)).flatMap(Optional::stream).findFirst();
    }

    @Override
    public String toString() {
        return name;
    }
}
