package dev.espfleet.nvs;

import java.util.List;

/**
 * What {@link NvsPartitionReader} found in an image: its format version, how many pages hold items, and
 * the items in flash order, with namespace declarations where the namespace entries stand.
 */
public record NvsImage(NvsVersion version, int size, int usedPages, List<NvsEntry> entries) {
    public NvsImage {
        entries = List.copyOf(entries);
    }

    /** The items without namespace declarations. */
    public List<NvsEntry> items() {
        return entries.stream().filter(e -> !e.isNamespaceDeclaration()).toList();
    }
}
