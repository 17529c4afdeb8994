package dev.espfleet.nvs;

import java.util.List;

/**
 * What {@link NvsPartitionReader} found in an image: its format version, how many pages hold items, the
 * items in the order ESP-IDF reads them, with namespace declarations where the namespace entries stand,
 * and the pages and entries it had to skip ({@link #problems()}, empty for a sound image).
 */
public record NvsImage(NvsVersion version, int size, int usedPages, List<NvsEntry> entries, List<NvsProblem> problems) {
    public NvsImage {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }

    public NvsImage(NvsVersion version, int size, int usedPages, List<NvsEntry> entries) {
        this(version, size, usedPages, entries, List.of());
    }

    /** The items without namespace declarations. */
    public List<NvsEntry> items() {
        return entries.stream().filter(e -> !e.isNamespaceDeclaration()).toList();
    }
}
