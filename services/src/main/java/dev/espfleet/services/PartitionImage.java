package dev.espfleet.services;

import dev.espfleet.flasher.image.FlashRegion;

/**
 * An NVS image for one partition of the device's layout, and the CSV it is made from (in the format of
 * Espressif's {@code nvs_partition_gen.py}); it may hold secrets (a Wi-Fi password).
 */
public record PartitionImage(FlashLayout.Partition partition, String csv, byte[] image) {

    /** What writes it to a board: at its partition's offset, never shown by {@code --trace}. */
    public FlashRegion region(String name) {
        return new FlashRegion(name + " (" + partition.label() + ")", partition.offset(), image).asSecret();
    }
}
